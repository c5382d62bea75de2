"""The follow-up rules (domain.followup): what, if anything, the patient is asked after a summary, and once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fasttriage.domain import patient_messages
from fasttriage.domain.errors import MessageRejected, MessengerUnavailable, TransientError
from fasttriage.domain.followup import (
    FollowUpPolicy,
    OutboundRecord,
    choose_follow_up,
    followup_key,
    is_sendable_question,
    send_follow_up,
)
from fasttriage.domain.models import (
    Assessment,
    InboundMessage,
    JobKind,
    Language,
    Provenance,
    TriageJob,
    TriageSummary,
)
from fasttriage.domain.urgency import Urgency

SID = "SM" + "1" * 32
NEWER_SID = "SM" + "2" * 32
CASE_ID = "d" * 32
PATIENT = "whatsapp:+15551234567"
CLINIC = "whatsapp:+15557654321"
RECEIVED = datetime(2026, 11, 28, 8, tzinfo=UTC)
ONSET = "When did this start, and how long has it lasted?"
SEVERITY = "How bad is it on a scale from 0 to 10?"


def make_job(
    *, floor: Urgency | None = None, kind: JobKind = JobKind.MESSAGE, recipient: str = CLINIC
) -> TriageJob:
    return TriageJob(
        job_id=SID,
        kind=kind,
        received_at=RECEIVED,
        message=InboundMessage(
            message_sid=SID, account_sid="AC" + "0" * 32, sender=PATIENT, recipient=recipient, body="headache"
        ),
        patient_key="k" * 64,
        assessment=Assessment(language=Language.EN, urgency_floor=floor, rules_version="r1"),
    )


def make_summary(
    *questions: str, urgency: Urgency = Urgency.ROUTINE, language: Language = Language.EN
) -> TriageSummary:
    return TriageSummary(
        chief_complaint="Headache",
        urgency=urgency,
        recommended_disposition="Book a GP appointment.",
        follow_up_questions=list(questions),
        language=language,
        provenance=Provenance(producer="llm", rules_version="r1"),
    )


def choose(job: TriageJob | None = None, summary: TriageSummary | None = None, **kwargs: object) -> tuple:
    decision = choose_follow_up(
        job or make_job(),
        summary or make_summary(ONSET, SEVERITY),
        now=kwargs.pop("now", RECEIVED + timedelta(minutes=1)),  # type: ignore[arg-type]
        latest_message_sid=kwargs.pop("latest", SID),  # type: ignore[arg-type]
        **kwargs,  # type: ignore[arg-type]
    )
    return decision.text, decision.reason


# --- the rules -------------------------------------------------------------------------------------------


def test_the_first_question_of_the_summary_is_what_the_patient_is_asked() -> None:
    assert choose() == (ONSET, "question")


@pytest.mark.parametrize(
    ("summary_urgency", "floor", "reason"),
    [
        (Urgency.EMERGENCY, Urgency.EMERGENCY, "emergency"),
        (
            Urgency.ROUTINE,
            Urgency.EMERGENCY,
            "emergency",
        ),  # the webhook's verdict counts even if a summary lost it
        (Urgency.URGENT, None, "urgent"),
    ],
)
def test_a_patient_told_to_seek_care_now_is_not_asked_anything(
    summary_urgency: Urgency, floor: Urgency | None, reason: str
) -> None:
    assert choose(make_job(floor=floor), make_summary(ONSET, urgency=summary_urgency)) == (None, reason)


def test_only_the_latest_message_of_the_case_may_trigger_a_question() -> None:
    assert choose(latest=NEWER_SID) == (None, "superseded")


def test_no_free_form_message_is_sent_once_the_whatsapp_window_is_about_to_close() -> None:
    assert choose(now=RECEIVED + timedelta(hours=22, minutes=59))[1] == "question"
    assert choose(now=RECEIVED + timedelta(hours=23, minutes=1)) == (None, "outside_window")


def test_without_a_question_nothing_is_sent_because_the_webhook_already_sent_the_receipt() -> None:
    assert choose(summary=make_summary()) == (None, "no_question")


def test_clinics_that_want_it_get_the_receipt_again_in_the_patients_language() -> None:
    text, reason = choose(
        summary=make_summary(language=Language.ES), policy=FollowUpPolicy(status_when_no_question=True)
    )
    assert (text, reason) == (patient_messages.text_for(patient_messages.RECEIPT, Language.ES), "status")


@pytest.mark.parametrize(
    "question",
    [
        "Ask the patient when the pain started?",
        "¿Desde cuándo tiene el paciente fiebre?",
        "Please book at https://clinic.example/book?",
        "Could you call us on +1 555 123 4567?",
        "Take two tablets of ibuprofen now.",
        "Is it " + "very " * 80 + "bad?",
        "",
    ],
    ids=["third-person", "third-person-es", "link", "phone-number", "not-a-question", "too-long", "empty"],
)
def test_a_question_that_does_not_read_as_one_for_the_patient_is_left_for_the_clinician(
    question: str,
) -> None:
    assert not is_sendable_question(question)
    assert choose(summary=make_summary(question, SEVERITY)) == (SEVERITY, "question")


def test_a_case_is_never_asked_the_same_question_twice() -> None:
    earlier = [OutboundRecord(key=followup_key("SM" + "0" * 32), kind="followup", body=ONSET, state="sent")]
    assert choose(history=earlier) == (SEVERITY, "question")
    assert choose(summary=make_summary(ONSET), history=earlier) == (None, "no_question")


def test_a_case_gets_at_most_three_follow_ups() -> None:
    earlier = [
        OutboundRecord(key=followup_key(f"SM{i:032x}"), kind="followup", body=f"q{i}?", state="sent")
        for i in range(3)
    ]
    assert choose(history=earlier) == (None, "case_limit")


def test_an_erasure_job_or_a_message_without_the_clinic_number_gets_nothing() -> None:
    assert choose(make_job(kind=JobKind.ERASE)) == (None, "not_a_message")
    assert choose(make_job(recipient="")) == (None, "no_address")


# --- sending once ----------------------------------------------------------------------------------------


class MemoryOutbound:
    def __init__(self) -> None:
        self.docs: dict[str, dict[str, object]] = {}
        self.reads = 0

    def claim(self, key: str, *, case_id: str, patient_key: str, kind: str, body: str, now: datetime) -> bool:
        if key in self.docs:
            return False
        self.docs[key] = {
            "summary_id": case_id,
            "patient_key": patient_key,
            "kind": kind,
            "body": body,
            "state": "sending",
        }
        return True

    def finish(self, key: str, *, state: str, now: datetime, provider_id: str | None = None) -> None:
        self.docs[key].update(state=state, provider_id=provider_id)

    def release(self, key: str) -> None:
        if self.docs.get(key, {}).get("state") == "sending":
            del self.docs[key]

    def erase_patient(self, patient_key: str) -> int:
        doomed = [key for key, doc in self.docs.items() if doc.get("patient_key") == patient_key]
        for key in doomed:
            del self.docs[key]
        return len(doomed)

    def history(self, case_id: str) -> list[OutboundRecord]:
        self.reads += 1
        return [
            OutboundRecord(key=k, kind=str(d["kind"]), body=str(d["body"]), state=str(d["state"]))
            for k, d in self.docs.items()
            if d["summary_id"] == case_id
        ]


class ScriptedMessenger:
    def __init__(self, outbound: MemoryOutbound, *failures: Exception) -> None:
        self.sent: list[dict[str, str]] = []
        self.failures = list(failures)
        self.outbound = outbound

    def send(self, *, from_: str, to: str, body: str) -> str:
        assert self.outbound.docs[followup_key(SID)]["state"] == "sending", "claim first, then send"
        self.sent.append({"from_": from_, "to": to, "body": body})
        if self.failures:
            raise self.failures.pop(0)
        return "SM" + "f" * 32


def send(outbound: MemoryOutbound, messenger: ScriptedMessenger, *, enabled: bool = True):  # type: ignore[no-untyped-def]
    return send_follow_up(
        make_job(),
        CASE_ID,
        make_summary(ONSET),
        enabled=enabled,
        latest_message_sid=SID,
        messenger=messenger,
        outbound=outbound,
        now=lambda: RECEIVED + timedelta(minutes=1),
    )


def test_the_question_goes_from_the_clinic_number_to_the_patient_once_even_if_the_job_is_redelivered() -> (
    None
):
    outbound = MemoryOutbound()
    messenger = ScriptedMessenger(outbound)

    first, again = send(outbound, messenger), send(outbound, messenger)

    assert (first.status, first.provider_id) == ("sent", "SM" + "f" * 32)
    assert again.status == "already_sent"
    assert messenger.sent == [{"from_": CLINIC, "to": PATIENT, "body": ONSET}]
    assert outbound.docs[followup_key(SID)]["state"] == "sent"


def test_when_disabled_nothing_is_read_or_sent() -> None:
    outbound = MemoryOutbound()
    messenger = ScriptedMessenger(outbound)

    result = send(outbound, messenger, enabled=False)

    assert (result.status, result.reason) == ("skipped", "disabled")
    assert outbound.reads == 0 and messenger.sent == []


def test_a_send_that_never_reached_twilio_is_retried_by_the_broker_and_then_sent() -> None:
    outbound = MemoryOutbound()
    messenger = ScriptedMessenger(outbound, MessengerUnavailable("connect timeout", maybe_sent=False))

    with pytest.raises(TransientError):
        send(outbound, messenger)
    assert outbound.docs == {}  # the claim was released
    retried = send(outbound, messenger)

    assert retried.status == "sent"
    assert len(messenger.sent) == 2


def test_a_send_that_may_have_reached_twilio_is_never_repeated() -> None:
    outbound = MemoryOutbound()
    messenger = ScriptedMessenger(outbound, MessengerUnavailable("read timeout", maybe_sent=True))

    first, again = send(outbound, messenger), send(outbound, messenger)

    assert (first.status, again.status) == ("unknown", "already_sent")
    assert len(messenger.sent) == 1
    assert outbound.docs[followup_key(SID)]["state"] == "unknown"


def test_a_message_twilio_refuses_is_recorded_and_does_not_fail_the_job() -> None:
    outbound = MemoryOutbound()
    messenger = ScriptedMessenger(outbound, MessageRejected(400, 63016))

    first, again = send(outbound, messenger), send(outbound, messenger)

    assert (first.status, first.reason) == ("rejected", "twilio_63016")
    assert again.status == "already_sent"
    assert outbound.docs[followup_key(SID)]["state"] == "rejected"
