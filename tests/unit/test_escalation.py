"""domain.escalation with in-memory ports: who is told what, once per case and level, and when pages repeat."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fasttriage.domain.errors import MessengerUnavailable, PagerUnavailable
from fasttriage.domain.escalation import (
    STALE_CLAIM,
    AckPolicy,
    EscalationPorts,
    OpenCase,
    Page,
    PageRecord,
    SweepPolicy,
    history_entries,
    instruct_patient,
    instruction_key,
    instruction_kind,
    page_case,
    sweep,
    told_level,
)
from fasttriage.domain.followup import OutboundRecord
from fasttriage.domain.models import (
    Assessment,
    InboundMessage,
    Language,
    Provenance,
    RedFlag,
    TriageJob,
    TriageSummary,
)
from fasttriage.domain.patient_messages import EMERGENCY, URGENT, text_for
from fasttriage.domain.urgency import Urgency

T0 = datetime(2026, 11, 30, 14, 2, tzinfo=UTC)
CASE = "c" * 32


class Outbound:
    def __init__(self) -> None:
        self.docs: dict[str, dict] = {}

    def claim(self, key, *, case_id, patient_key, kind, body, now, by=None, state="sending"):
        if key in self.docs:
            return False
        self.docs[key] = {
            "summary_id": case_id,
            "kind": kind,
            "body": body,
            "state": state,
            "at": now,
            "by": by,
        }
        return True

    def finish(self, key, *, state, now, provider_id=None):
        self.docs[key]["state"] = state

    def release(self, key):
        if self.docs.get(key, {}).get("state") == "sending":
            del self.docs[key]

    def take_over(self, key, *, stale_before, now):
        doc = self.docs.get(key)
        if doc is None or doc["state"] != "sending" or doc["at"] >= stale_before:
            return False
        doc["at"] = now
        return True

    def history(self, case_id):
        return [
            OutboundRecord(
                key=k,
                kind=d["kind"],
                body=d["body"],
                state=d["state"],
                created_at=d["at"],
                by=d["by"],
                updated_at=d["at"],
            )
            for k, d in self.docs.items()
            if d["summary_id"] == case_id
        ]


class Messenger:
    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.sent: list[str] = []

    def send(self, *, from_, to, body):
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(body)
        return "SM" + "f" * 32


class Pages:
    def __init__(self) -> None:
        self.records: dict[str, PageRecord] = {}

    def claim(self, record):
        if record.key in self.records:
            return False
        self.records[record.key] = record
        return True

    def finish(self, key, *, state, now, provider_id=None):
        from dataclasses import replace

        self.records[key] = replace(self.records[key], state=state, provider_id=provider_id)

    def release(self, key):
        if self.records[key].state == "sending":
            del self.records[key]

    def history(self, case_id):
        return [r for r in self.records.values() if r.case_id == case_id]


class Pager:
    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.pages: list[Page] = []

    def publish(self, page, *, now):
        if self.failures:
            self.failures -= 1
            raise PagerUnavailable("down")
        self.pages.append(page)
        return f"msg-{len(self.pages)}"


def job(floor: Urgency | None = None, language: Language = Language.ES) -> TriageJob:
    return TriageJob(
        job_id="SM" + "1" * 32,
        received_at=T0,
        message=InboundMessage(
            message_sid="SM" + "1" * 32,
            account_sid="AC" + "1" * 32,
            sender="whatsapp:+15550001111",
            recipient="whatsapp:+15550002222",
            body="texto",
        ),
        patient_key="p" * 64,
        assessment=Assessment(
            language=language,
            urgency_floor=floor,
            patient_instruction=text_for(EMERGENCY, language) if floor is Urgency.EMERGENCY else None,
            rules_version="r1",
        ),
    )


def summary(urgency: Urgency, producer: str = "llm", flags: tuple[str, ...] = ()) -> TriageSummary:
    return TriageSummary(
        chief_complaint="Dolor",
        urgency=urgency,
        red_flags=[
            RedFlag(code=code, label=code, floor=urgency, evidence="me duele el pecho") for code in flags
        ],
        recommended_disposition="x",
        language=Language.ES,
        provenance=Provenance(producer=producer, rules_version="r1"),  # type: ignore[arg-type]
    )


def instruct(outbound, messenger, urgency, floor=None, rules_floor=None, producer="llm"):
    return instruct_patient(
        job(floor),
        CASE,
        summary(urgency, producer),
        rules_floor=rules_floor,
        messenger=messenger,
        outbound=outbound,
        now=lambda: T0,
    )


def test_patient_gets_the_instruction_in_their_language_once_per_case_and_level():
    outbound, messenger = Outbound(), Messenger()
    assert instruct(outbound, messenger, Urgency.URGENT).status == "sent"
    assert instruct(outbound, messenger, Urgency.URGENT).status == "already_told"
    result = instruct(outbound, messenger, Urgency.EMERGENCY)
    assert (result.status, result.reason) == ("sent", "worker/LLM")
    assert instruct(outbound, messenger, Urgency.URGENT).status == "already_told"  # lower than what was said
    assert messenger.sent == [text_for(URGENT, Language.ES), text_for(EMERGENCY, Language.ES)]


def test_the_webhook_reply_counts_and_is_recorded_when_the_message_arrived():
    outbound, messenger = Outbound(), Messenger()
    result = instruct(
        outbound, messenger, Urgency.EMERGENCY, floor=Urgency.EMERGENCY, rules_floor=Urgency.EMERGENCY
    )
    assert result.status == "already_told" and messenger.sent == []
    [record] = outbound.history(CASE)
    assert (record.by, record.state, record.created_at) == ("webhook/rules", "sent", T0)


def test_routine_cases_and_disabled_twilio_send_nothing():
    outbound, messenger = Outbound(), Messenger()
    assert instruct(outbound, messenger, Urgency.ROUTINE).status == "skipped"
    assert messenger.sent == [] and outbound.docs == {}


def test_who_decided_is_the_rules_when_they_already_said_so():
    outbound = Outbound()
    result = instruct(
        outbound, Messenger(), Urgency.EMERGENCY, rules_floor=Urgency.EMERGENCY, producer="fallback"
    )
    assert result.reason == "worker/rules"


def test_twilio_certainly_down_releases_the_claim_and_raises_maybe_sent_is_never_repeated():
    outbound = Outbound()
    with pytest.raises(MessengerUnavailable):
        instruct(outbound, Messenger(MessengerUnavailable("refused", maybe_sent=False)), Urgency.EMERGENCY)
    assert outbound.docs == {}
    maybe = instruct(outbound, Messenger(MessengerUnavailable("timeout", maybe_sent=True)), Urgency.EMERGENCY)
    assert maybe.status == "unknown"
    assert instruct(outbound, Messenger(), Urgency.EMERGENCY).status == "already_told"
    assert told_level(outbound.history(CASE)) is Urgency.EMERGENCY


def abandoned_claim(outbound: Outbound, level: Urgency, age: timedelta) -> None:
    """A worker claimed the instruction, then died before sending it."""
    outbound.claim(
        instruction_key(CASE, level),
        case_id=CASE,
        patient_key="p",
        kind=instruction_kind(level),
        body="x",
        now=T0 - age,
    )


def test_an_instruction_claimed_by_a_worker_that_died_is_sent_by_the_next_attempt_once():
    outbound, messenger = Outbound(), Messenger()
    abandoned_claim(outbound, Urgency.EMERGENCY, STALE_CLAIM + timedelta(seconds=1))
    result = instruct(outbound, messenger, Urgency.EMERGENCY)
    assert result.status == "sent"
    assert messenger.sent == [text_for(EMERGENCY, Language.ES)]
    assert instruct(outbound, messenger, Urgency.EMERGENCY).status == "already_told"
    assert len(messenger.sent) == 1


def test_an_instruction_being_sent_by_another_attempt_makes_this_one_retry_later_not_give_up():
    outbound, messenger = Outbound(), Messenger()
    abandoned_claim(outbound, Urgency.EMERGENCY, timedelta(seconds=5))
    with pytest.raises(MessengerUnavailable) as raised:
        instruct(outbound, messenger, Urgency.EMERGENCY)
    assert raised.value.maybe_sent is False  # the job is retried; nothing was sent by this attempt
    assert messenger.sent == []
    assert outbound.docs[instruction_key(CASE, Urgency.EMERGENCY)]["state"] == "sending"


def ports(pager: Pager, pages: Pages, failed: list[int] | None = None) -> EscalationPorts:
    return EscalationPorts(
        pager=pager,
        pages=pages,
        console_url="https://x.example/console",
        on_page_failed=(lambda: failed.append(1)) if failed is not None else None,
    )


def test_a_new_case_and_each_upgrade_page_once_and_a_downgrade_does_not():
    pager, pages = Pager(), Pages()
    p = ports(pager, pages)
    first = T0 - timedelta(minutes=3)
    for urgency in (Urgency.URGENT, Urgency.URGENT, Urgency.EMERGENCY, Urgency.URGENT, Urgency.EMERGENCY):
        page_case(CASE, summary(urgency), first_message_at=first, ports=p, now=lambda: T0)
    assert [(pg.urgency, pg.reason) for pg in pager.pages] == [
        (Urgency.URGENT, "new_case"),
        (Urgency.EMERGENCY, "upgrade"),
    ]


def test_a_page_carries_no_patient_data_and_links_to_the_case():
    pager, pages = Pager(), Pages()
    page_case(
        CASE,
        summary(Urgency.EMERGENCY, flags=("cardiac_chest_pain",)),
        first_message_at=T0 - timedelta(minutes=3),
        ports=ports(pager, pages),
        now=lambda: T0,
    )
    [page] = pager.pages
    text = page.text(T0)
    assert "cardiac_chest_pain" in text and "3 min ago" in text and f"console#case={CASE}" in text
    assert "pecho" not in text and "Dolor" not in text and "5550001111" not in text
    assert len(page.subject()) < 100 and page.subject().isascii()


def test_a_refused_page_releases_its_claim_counts_and_raises():
    failed: list[int] = []
    pager, pages = Pager(failures=1), Pages()
    with pytest.raises(PagerUnavailable):
        page_case(
            CASE,
            summary(Urgency.EMERGENCY),
            first_message_at=T0,
            ports=ports(pager, pages, failed),
            now=lambda: T0,
        )
    assert pages.records == {} and failed == [1]
    page_case(
        CASE,
        summary(Urgency.EMERGENCY),
        first_message_at=T0,
        ports=ports(pager, pages, failed),
        now=lambda: T0,
    )
    assert len(pager.pages) == 1


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [(4.9, 0), (5, 1), (9.9, 1), (10, 2), (15, 3), (20, 4), (500, 4)],
)
def test_due_round_after_the_ack_minutes_then_every_n_up_to_the_limit(minutes, expected):
    policy = AckPolicy(ack_minutes=5, repeat_minutes=5, oncall_repeats=2, escalation_pages=2)
    assert policy.due_round(T0, T0 + timedelta(minutes=minutes)) == expected
    assert [policy.target(r) for r in (1, 2, 3, 4)] == ["oncall", "oncall", "escalation", "escalation"]


class Open:
    def __init__(self, *cases: OpenCase) -> None:
        self.cases = list(cases)

    def unacknowledged(self, levels):
        return [c for c in self.cases if c.urgency in levels]


def open_case(case_id: str = CASE, urgency: Urgency = Urgency.EMERGENCY) -> OpenCase:
    return OpenCase(case_id, urgency, ("x",), Language.EN, T0)


def test_sweep_pages_a_case_never_paged_then_repeats_then_escalates():
    pager, pages = Pager(), Pages()
    p = ports(pager, pages)
    policy = SweepPolicy(emergency=AckPolicy(5, 5, 1, escalation_pages=1))
    cases = Open(open_case())
    assert sweep(cases, p, now=T0, policy=policy).paged  # the worker's page never happened: "missed"
    assert not sweep(cases, p, now=T0 + timedelta(minutes=4), policy=policy).paged
    assert sweep(cases, p, now=T0 + timedelta(minutes=5), policy=policy).paged
    assert sweep(cases, p, now=T0 + timedelta(minutes=10), policy=policy).paged
    assert not sweep(cases, p, now=T0 + timedelta(minutes=60), policy=policy).paged
    assert [(pg.round, pg.target, pg.reason) for pg in pager.pages] == [
        (0, "oncall", "missed"),
        (1, "oncall", "unacknowledged"),
        (2, "escalation", "escalated"),
    ]


def test_a_case_downgraded_after_its_emergency_page_is_not_paged_as_new_but_repaged_on_the_urgent_clock():
    pager, pages = Pager(), Pages()
    p = ports(pager, pages)
    page_case(CASE, summary(Urgency.EMERGENCY), first_message_at=T0, ports=p, now=lambda: T0)
    cases = Open(open_case(urgency=Urgency.URGENT))  # a later summary rated it urgent
    policy = SweepPolicy(urgent=AckPolicy(30, 30, 1))
    assert not sweep(cases, p, now=T0 + timedelta(minutes=1), policy=policy).paged
    assert sweep(cases, p, now=T0 + timedelta(minutes=30), policy=policy).paged
    assert [(pg.urgency, pg.round, pg.reason) for pg in pager.pages] == [
        (Urgency.EMERGENCY, 0, "new_case"),
        (Urgency.URGENT, 1, "unacknowledged"),
    ]


def test_a_failed_page_in_the_sweep_does_not_stop_the_others():
    failed: list[int] = []
    pager, pages = Pager(failures=1), Pages()
    result = sweep(Open(open_case("a" * 32), open_case("b" * 32)), ports(pager, pages, failed), now=T0)
    assert (result.failed, len(result.paged), failed) == (1, 1, [1])


def test_history_says_who_was_told_what_and_when():
    instructions = [
        OutboundRecord(
            key="k", kind="instruction:emergency", body="...", state="sent", created_at=T0, by="worker/LLM"
        ),
        OutboundRecord(key="f", kind="followup", body="q?", state="sent", created_at=T0),
    ]
    paged = [
        PageRecord(
            key="p",
            case_id=CASE,
            urgency=Urgency.EMERGENCY,
            round=1,
            target="oncall",
            reason="unacknowledged",
            state="sent",
            created_at=T0 + timedelta(minutes=5),
        )
    ]
    lines = [entry.line() for entry in history_entries(instructions, paged)]
    assert lines == [
        "patient told to call emergency services at 14:02 UTC, by: worker/LLM",
        "on-call paged (emergency, still not acknowledged) at 14:07 UTC, by: sweep",
    ]
