"""Emergency escalation: no emergency or urgent case waits for someone to open the console.

Pure: the messenger (Twilio), the outbound log (what the patient was sent), the pager (SNS) and the page log
are passed in. Three duties:

1. **Patient instruction.** After a job, when the case's final urgency (the summary's, already merged with the
   rules over the conversation) is emergency or urgent, the patient gets that instruction in their language
   unless they were already told it at that level or higher in this case: by the webhook (its reply carried
   the instruction when the job's own assessment floor was emergency/urgent; the worker records that reply in
   the outbound log) or by an earlier outbound instruction. Whatever FOLLOW_UP_ENABLED says.
2. **Page.** Every new emergency/urgent case and every upgrade to one of those levels pages the on-call
   clinicians once (no patient data: case id, urgency, red-flag codes, language, age of the first message,
   console link).
3. **Sweep.** A case still `new` after its level's acknowledgement minutes is paged again, every N minutes up
   to a limit, then the escalation contact is paged. Acknowledging (status -> in_review) stops it.
4. **Degraded-intake page.** Duties 2 and 3 need the worker and MongoDB. When the screen rated a message
   emergency/urgent and the job did not reach the broker (the webhook spooled it, or nothing stored it), or its
   first run failed because storage was down, on-call is paged at once with an `IntakePage`: no case exists
   yet, so it carries a short reference to the job instead of a case link. The case's own page follows when
   the system recovers: an outage can mean two pages for one emergency, never none.

Exactly once per case and level: each send is claimed in its log before it is made (a key per case, level and
round), as domain.followup does. A send that certainly failed releases its claim and raises (the job or the
next sweep retries); a patient message that may have reached Twilio is never repeated (a duplicate emergency
text is noise, not safety); a page that may have reached SNS is retried on the next attempt only if its claim
was released, i.e. when SNS certainly refused it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol

from pydantic import BaseModel

from fasttriage.domain import patient_messages
from fasttriage.domain.errors import (
    MessageRejected,
    MessengerUnavailable,
    PagerUnavailable,
    ReportStoreError,
    RepositoryError,
)
from fasttriage.domain.followup import ClaimLog, Messenger, OutboundRecord
from fasttriage.domain.models import JobKind, Language, TriageJob, TriageSummary
from fasttriage.domain.urgency import Urgency

LEVELS: tuple[Urgency, ...] = (Urgency.EMERGENCY, Urgency.URGENT)
INSTRUCTION = "instruction"
_TEXT_KEY = {Urgency.EMERGENCY: patient_messages.EMERGENCY, Urgency.URGENT: patient_messages.URGENT}
_TOLD_STATES = frozenset({"sent", "sending", "unknown"})  # a claim counts: it was sent or may have been
# A claim still 'sending' after this long was abandoned: its worker died between the claim and the send (a send
# itself gives up long before: adapters.twilio_rest's timeouts). The next attempt takes it over and sends: for
# an emergency instruction a rare duplicate is better than a patient never told.
STALE_CLAIM = timedelta(minutes=2)

Target = Literal["oncall", "escalation"]
PageReason = Literal["new_case", "upgrade", "unacknowledged", "escalated", "missed"]
_REASON_TEXT: dict[str, str] = {
    "new_case": "new case",
    "upgrade": "case upgraded",
    "unacknowledged": "still not acknowledged",
    "escalated": "not acknowledged by on-call: escalated",
    "missed": "first page (sent by the sweep)",
}


# --- keys ------------------------------------------------------------------------------------------------


def instruction_key(case_id: str, level: Urgency) -> str:
    return f"{case_id}:{INSTRUCTION}:{level.value}"


def instruction_kind(level: Urgency) -> str:
    return f"{INSTRUCTION}:{level.value}"


def page_key(case_id: str, level: Urgency, round_: int) -> str:
    return f"{case_id}:page:{level.value}:{round_}"


def _level_of_kind(kind: str) -> Urgency | None:
    prefix, _, level = kind.partition(":")
    if prefix != INSTRUCTION:
        return None
    try:
        return Urgency(level)
    except ValueError:
        return None


# --- ports -----------------------------------------------------------------------------------------------


class InstructionLog(ClaimLog, Protocol):
    """The outbound log (adapters.outbound.MongoOutbound): every message the worker sent a patient."""

    def release(self, key: str) -> None: ...
    def history(self, case_id: str) -> list[OutboundRecord]: ...
    def take_over(self, key: str, *, stale_before: datetime, now: datetime) -> bool: ...


@dataclass(frozen=True)
class Page:
    """One page to clinicians. Carries no patient data: never a message text, a number or a name."""

    case_id: str
    urgency: Urgency
    reason: PageReason
    round: int
    target: Target
    red_flags: tuple[str, ...]
    language: Language
    first_message_at: datetime
    console_url: str | None = None

    @property
    def link(self) -> str | None:
        return f"{self.console_url}#case={self.case_id}" if self.console_url else None

    def age_minutes(self, now: datetime) -> int:
        return max(0, int((_aware(now) - _aware(self.first_message_at)).total_seconds() // 60))

    def subject(self) -> str:
        """E-mail subject: ASCII, under 100 characters (SNS's limit)."""
        return f"FastTriage {self.urgency.value.upper()} case {self.case_id[:8]}: {_REASON_TEXT[self.reason]}"

    def text(self, now: datetime) -> str:
        """The page as clinicians read it (SMS and e-mail)."""
        flags = ", ".join(self.red_flags) if self.red_flags else "none from the rules"
        lines = [
            f"FastTriage {self.urgency.value.upper()} - {_REASON_TEXT[self.reason]}.",
            f"Case {self.case_id}",
            f"Red flags: {flags}. Language: {self.language.value}. "
            f"First message {self.age_minutes(now)} min ago.",
            f"Open and acknowledge: {self.link}"
            if self.link
            else "Open the doctors' console to acknowledge.",
        ]
        return "\n".join(lines)

    def document(self, now: datetime) -> dict[str, Any]:
        """The page as data (the local notifier's line, a log's keys)."""
        return {
            "summary_id": self.case_id,
            "urgency": self.urgency.value,
            "reason": self.reason,
            "round": self.round,
            "target": self.target,
            "red_flags": list(self.red_flags),
            "language": self.language.value,
            "first_message_age_min": self.age_minutes(now),
            "link": self.link,
        }


class Pager(Protocol):
    def publish(self, page: Page | IntakePage, *, now: datetime) -> str:
        """Publishes the page (a case's, or a degraded-intake page) to its target; returns the provider's id.
        Raises PagerUnavailable."""
        ...


@dataclass(frozen=True)
class PageRecord:
    key: str
    case_id: str
    urgency: Urgency
    round: int
    target: Target
    reason: str
    state: str  # sending | sent
    created_at: datetime
    provider_id: str | None = None


class PageLog(Protocol):
    def claim(self, record: PageRecord) -> bool: ...
    def finish(self, key: str, *, state: str, now: datetime, provider_id: str | None = None) -> None: ...
    def release(self, key: str) -> None: ...
    def history(self, case_id: str) -> list[PageRecord]: ...


@dataclass(frozen=True)
class EscalationPorts:
    """What escalation touches; a part is off when its port is None (no Twilio: no instruction; no topic:
    no page)."""

    messenger: Messenger | None = None
    outbound: InstructionLog | None = None
    pager: Pager | None = None
    pages: PageLog | None = None
    console_url: str | None = None
    on_page_failed: Callable[[], None] | None = None  # e.g. count a pages_failed metric


# --- 1. the patient instruction ----------------------------------------------------------------------------


def escalation_level(urgency: Urgency | None) -> Urgency | None:
    return urgency if urgency in LEVELS else None


def decided_by(level: Urgency, summary: TriageSummary, rules_floor: Urgency | None) -> str:
    """Who decided the level: the rules over the conversation, or the summarizer (the LLM) above them."""
    if rules_floor is not None and rules_floor >= level:
        return "worker/rules"
    return "worker/LLM" if summary.provenance.producer == "llm" else "worker/summary"


def told_level(history: Iterable[OutboundRecord]) -> Urgency | None:
    """The highest instruction the patient was given (or may have been) in this case."""
    levels = [
        level
        for record in history
        if record.state in _TOLD_STATES and (level := _level_of_kind(record.kind)) is not None
    ]
    return min(levels, key=lambda level: level.rank) if levels else None


InstructionStatus = Literal["sent", "skipped", "already_told", "rejected", "unknown"]


@dataclass(frozen=True)
class InstructionResult:
    status: InstructionStatus
    reason: str
    level: Urgency | None = None


def record_webhook_reply(job: TriageJob, case_id: str, outbound: InstructionLog) -> bool:
    """Records the webhook's immediate reply when it carried an instruction (its floor was emergency or
    urgent), at the time the message was received. Idempotent."""
    level = escalation_level(job.assessment.urgency_floor)
    if level is None or job.kind is not JobKind.MESSAGE:
        return False
    body = job.assessment.patient_instruction or patient_messages.text_for(
        _TEXT_KEY[level], job.assessment.language
    )
    return outbound.claim(
        instruction_key(case_id, level),
        case_id=case_id,
        patient_key=job.patient_key,
        kind=instruction_kind(level),
        body=body,
        now=job.received_at,
        by="webhook/rules",
        state="sent",
    )


def instruct_patient(
    job: TriageJob,
    case_id: str,
    summary: TriageSummary,
    *,
    rules_floor: Urgency | None,
    messenger: Messenger,
    outbound: InstructionLog,
    now: Callable[[], datetime],
) -> InstructionResult:
    """Sends the case's emergency/urgent instruction at most once per case and level (module doc).

    Raises MessengerUnavailable when Twilio certainly did not get the message (the claim is released: a
    retry of the job sends it). Records 'unknown' and does not raise when it may have (no duplicate).
    """
    level = escalation_level(summary.urgency)
    if level is None:
        return InstructionResult("skipped", "not_urgent")
    if job.kind is not JobKind.MESSAGE or not job.message.sender or not job.message.recipient:
        return InstructionResult("skipped", "no_address", level)
    record_webhook_reply(job, case_id, outbound)
    history = outbound.history(case_id)
    body = patient_messages.text_for(_TEXT_KEY[level], summary.language)
    key = instruction_key(case_id, level)
    by = decided_by(level, summary, rules_floor)
    pending = next((r for r in history if r.key == key and r.state == "sending"), None)
    if pending is not None:
        # Claimed but not finished: another attempt is sending it now, or died before it could.
        if not _take_over(pending, outbound, now()):
            raise MessengerUnavailable(
                "instruction claimed by another attempt, not yet sent", maybe_sent=False
            )
    else:
        told = told_level(history)
        if told is not None and told >= level:
            return InstructionResult("already_told", f"told_{told.value}", level)
        if not outbound.claim(
            key,
            case_id=case_id,
            patient_key=job.patient_key,
            kind=instruction_kind(level),
            body=body,
            now=now(),
            by=by,
        ):
            return InstructionResult("already_told", "claimed", level)
    try:
        provider_id = messenger.send(from_=job.message.recipient, to=job.message.sender, body=body)
    except MessengerUnavailable as exc:
        if exc.maybe_sent:
            outbound.finish(key, state="unknown", now=now())
            return InstructionResult("unknown", "maybe_sent", level)
        outbound.release(key)
        raise
    except MessageRejected as exc:
        outbound.finish(key, state="rejected", now=now())
        return InstructionResult("rejected", f"twilio_{exc.code or exc.status}", level)
    outbound.finish(key, state="sent", now=now(), provider_id=provider_id)
    return InstructionResult("sent", by, level)


def _take_over(pending: OutboundRecord, outbound: InstructionLog, at: datetime) -> bool:
    """True when `pending` was abandoned (older than STALE_CLAIM) and this attempt now owns it."""
    since = pending.updated_at or pending.created_at
    if since is None or _aware(at) - _aware(since) < STALE_CLAIM:
        return False  # still fresh: the job retries later (MessengerUnavailable) and finds it finished
    return outbound.take_over(pending.key, stale_before=at - STALE_CLAIM, now=at)


# --- 2. the page -------------------------------------------------------------------------------------------


PageStatus = Literal["paged", "skipped", "already_paged"]


@dataclass(frozen=True)
class PageResult:
    status: PageStatus
    reason: str
    level: Urgency | None = None


def paged_level(history: Iterable[PageRecord]) -> Urgency | None:
    levels = [record.urgency for record in history]
    return min(levels, key=lambda level: level.rank) if levels else None


def _publish(page: Page, ports: EscalationPorts, now: Callable[[], datetime]) -> str:
    """Claim, publish, finish; a refused publish releases the claim and raises PagerUnavailable."""
    assert ports.pager is not None and ports.pages is not None
    key = page_key(page.case_id, page.urgency, page.round)
    started = now()
    record = PageRecord(
        key=key,
        case_id=page.case_id,
        urgency=page.urgency,
        round=page.round,
        target=page.target,
        reason=page.reason,
        state="sending",
        created_at=started,
    )
    if not ports.pages.claim(record):
        return "already_paged"
    try:
        provider_id = ports.pager.publish(page, now=started)
    except PagerUnavailable:
        ports.pages.release(key)
        if ports.on_page_failed is not None:
            ports.on_page_failed()
        raise
    ports.pages.finish(key, state="sent", now=now(), provider_id=provider_id)
    return "paged"


def page_case(
    case_id: str,
    summary: TriageSummary,
    *,
    first_message_at: datetime,
    ports: EscalationPorts,
    now: Callable[[], datetime],
) -> PageResult:
    """Pages on-call once for a new emergency/urgent case or an upgrade to one of those levels."""
    level = escalation_level(summary.urgency)
    if level is None:
        return PageResult("skipped", "not_urgent")
    if ports.pager is None or ports.pages is None:
        return PageResult("skipped", "no_pager", level)
    earlier = paged_level(ports.pages.history(case_id))
    if earlier is not None and earlier >= level:
        return PageResult("already_paged", f"paged_{earlier.value}", level)
    page = Page(
        case_id=case_id,
        urgency=level,
        reason="new_case" if earlier is None else "upgrade",
        round=0,
        target="oncall",
        red_flags=tuple(flag.code for flag in summary.red_flags),
        language=summary.language,
        first_message_at=first_message_at,
        console_url=ports.console_url,
    )
    status = _publish(page, ports, now)
    return PageResult("paged" if status == "paged" else "already_paged", page.reason, level)


# --- 3. the sweep ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AckPolicy:
    """When a level's unacknowledged case is paged again, and when the escalation contact is paged."""

    ack_minutes: int  # the first re-page, this long after the first page
    repeat_minutes: int  # then every this many minutes
    oncall_repeats: int  # re-pages to on-call (the first re-page included)
    escalation_pages: int = 3  # then this many pages to the escalation contact, same interval

    def due_round(self, first_paged_at: datetime, now: datetime) -> int:
        """0 while nothing is due; else the latest due round (1 = the first re-page), capped at the last."""
        elapsed = now - first_paged_at
        ack = timedelta(minutes=self.ack_minutes)
        if elapsed < ack:
            return 0
        step = timedelta(minutes=max(1, self.repeat_minutes))
        round_ = 1 + int((elapsed - ack) / step)
        return min(round_, self.oncall_repeats + self.escalation_pages)

    def target(self, round_: int) -> Target:
        return "oncall" if round_ <= self.oncall_repeats else "escalation"


@dataclass(frozen=True)
class SweepPolicy:
    emergency: AckPolicy = AckPolicy(ack_minutes=5, repeat_minutes=5, oncall_repeats=3)
    urgent: AckPolicy = AckPolicy(ack_minutes=30, repeat_minutes=30, oncall_repeats=2)

    def for_level(self, level: Urgency) -> AckPolicy:
        return self.emergency if level is Urgency.EMERGENCY else self.urgent

    @classmethod
    def from_minutes(
        cls,
        *,
        emergency: tuple[int, int, int],
        urgent: tuple[int, int, int],
        escalation_pages: int,
    ) -> SweepPolicy:
        """From (ack minutes, repeat minutes, on-call re-pages) per level."""
        return cls(
            emergency=AckPolicy(*emergency, escalation_pages=escalation_pages),
            urgent=AckPolicy(*urgent, escalation_pages=escalation_pages),
        )


@dataclass(frozen=True)
class OpenCase:
    """What the sweep reads of an unacknowledged case: no patient data."""

    case_id: str
    urgency: Urgency
    red_flags: tuple[str, ...]
    language: Language
    first_message_at: datetime


class UnacknowledgedCases(Protocol):
    def unacknowledged(self, levels: Sequence[Urgency]) -> list[OpenCase]:
        """Cases whose status is still `new` and whose urgency is one of `levels`."""
        ...


@dataclass
class SweepResult:
    checked: int = 0
    paged: list[str] = field(default_factory=list)  # page keys published
    failed: int = 0


def sweep(
    cases: UnacknowledgedCases,
    ports: EscalationPorts,
    *,
    now: datetime,
    policy: SweepPolicy = SweepPolicy(),
) -> SweepResult:
    """Pages again every unacknowledged case that is due; one page per case per run at most.

    A case with no page at its level yet (the worker's page failed for good) gets its first page here. A
    failed publish is counted and left for the next run; the other cases are still swept.
    """
    if ports.pager is None or ports.pages is None:
        raise ValueError("the sweep needs a pager and a page log")
    result = SweepResult()
    clock = lambda: now  # noqa: E731 - one instant for the whole run
    for case in cases.unacknowledged(LEVELS):
        result.checked += 1
        records = ports.pages.history(case.case_id)
        history = [r for r in records if r.urgency is case.urgency]
        # The clock starts at the first page at this level, or at a higher one (a case that was downgraded
        # after its emergency page is not paged "for the first time" again).
        started = [r for r in records if r.round == 0 and r.urgency >= case.urgency]
        first = min(started, key=lambda r: r.created_at) if started else None
        level_policy = policy.for_level(case.urgency)
        reason: PageReason
        target: Target
        if first is None:
            round_, reason, target = 0, "missed", "oncall"
        else:
            round_ = level_policy.due_round(first.created_at, now)
            if round_ == 0 or any(r.round == round_ for r in history):
                continue
            target = level_policy.target(round_)
            reason = "unacknowledged" if target == "oncall" else "escalated"
        page = Page(
            case_id=case.case_id,
            urgency=case.urgency,
            reason=reason,
            round=round_,
            target=target,
            red_flags=case.red_flags,
            language=case.language,
            first_message_at=case.first_message_at,
            console_url=ports.console_url,
        )
        try:
            if _publish(page, ports, clock) == "paged":
                result.paged.append(page_key(case.case_id, case.urgency, round_))
        except PagerUnavailable:
            result.failed += 1
    return result


# --- 4. the degraded-intake page ----------------------------------------------------------------------------

IntakeReason = Literal["broker_unavailable", "not_stored", "database_unavailable"]
_INTAKE_REASON_TEXT: dict[str, str] = {
    "broker_unavailable": "message queue unavailable, message held in the spool",
    "not_stored": "message queue and spool unavailable, message NOT stored (patient asked to resend)",
    "database_unavailable": "database unavailable, case not saved yet",
}
# Storage errors of a job's run that keep its case from being saved (so from the case's page): MongoDB, S3.
STORAGE_ERRORS: tuple[type[Exception], ...] = (RepositoryError, ReportStoreError)


def job_reference(job_id: str) -> str:
    """A short reference to a job for pages and logs: the first 12 hex of SHA-256 over the job id (the
    MessageSid). Not the SID itself: with Twilio's credentials a SID fetches the message text. An unkeyed hash
    is enough: a SID carries 128 random bits, so the reference cannot be turned back into it."""
    return hashlib.sha256(job_id.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class IntakePage:
    """A page sent before any case exists (the system is degraded). No patient data: never a text, a number,
    a name or the MessageSid; the reference finds the job in the logs (`job_ref`)."""

    reference: str
    urgency: Urgency
    reason: IntakeReason
    red_flags: tuple[str, ...]
    language: Language
    received_at: datetime
    target: Target = "oncall"
    link: None = None  # no case to open yet

    def subject(self) -> str:
        """E-mail subject: ASCII, under 100 characters (SNS's limit)."""
        return f"FastTriage {self.urgency.value.upper()} message {self.reference}: system degraded"

    def text(self, now: datetime) -> str:
        flags = ", ".join(self.red_flags) if self.red_flags else "none"
        stamp = _aware(self.received_at).astimezone(UTC).strftime("%H:%M:%S UTC")
        told = "emergency" if self.urgency is Urgency.EMERGENCY else "urgent-care"
        return "\n".join(
            [
                f"FastTriage {self.urgency.value.upper()} - {_INTAKE_REASON_TEXT[self.reason]}.",
                f"Ref {self.reference}. Red flags: {flags}. Language: {self.language.value}. "
                f"Received {stamp}.",
                f"The message system is degraded. The patient was sent the {told} instruction. "
                + (
                    "The patient was asked to send the message again."
                    if self.reason == "not_stored"
                    else "The case will appear in the console when the system recovers."
                ),
            ]
        )

    def document(self, now: datetime) -> dict[str, Any]:
        return {
            "job_ref": self.reference,
            "urgency": self.urgency.value,
            "reason": self.reason,
            "target": self.target,
            "red_flags": list(self.red_flags),
            "language": self.language.value,
            "received_at": _aware(self.received_at).astimezone(UTC).isoformat(),
            "link": None,
        }


def intake_reason(stored_in: str | None, *, broker: str) -> IntakeReason | None:
    """Why the webhook pages for a message it stored in `stored_in` (None: nowhere), or None when the job
    reached `broker` and the worker will page as usual."""
    if stored_in == broker:
        return None
    return "not_stored" if stored_in is None else "broker_unavailable"


def first_failure_reason(error: Exception, *, attempt: int, redelivered: bool) -> IntakeReason | None:
    """The worker pages for a job whose FIRST delivery failed on storage (MongoDB, S3): the case cannot be
    saved, so nor paged, until storage is back. Later attempts and broker redeliveries do not page again."""
    if attempt != 1 or redelivered or not isinstance(error, STORAGE_ERRORS):
        return None
    return "database_unavailable"


def intake_page(job: TriageJob, reason: IntakeReason) -> IntakePage | None:
    """The degraded-intake page for a message the screen rated emergency or urgent; None for anything else
    (a routine message, a command)."""
    level = escalation_level(job.assessment.urgency_floor)
    if level is None or job.kind is not JobKind.MESSAGE:
        return None
    return IntakePage(
        reference=job_reference(job.job_id),
        urgency=level,
        reason=reason,
        red_flags=tuple(flag.code for flag in job.assessment.red_flags),
        language=job.assessment.language,
        received_at=job.received_at,
    )


IntakePageStatus = Literal["paged", "failed", "skipped"]
NO_PAGER = "no pager"


@dataclass(frozen=True)
class IntakePageResult:
    status: IntakePageStatus
    page: IntakePage | None = None
    error: str | None = None  # the PagerUnavailable's text (no patient data)
    job_id: str | None = None  # for the log line that ties the page's reference to the job


def page_intake(
    job: TriageJob, reason: IntakeReason | None, pager: Pager | None, now: Callable[[], datetime]
) -> IntakePageResult:
    """Publishes the degraded-intake page when one is due. Never raises for SNS: a refused or timed-out
    publish is reported as `failed` (the caller counts it), so the patient's reply or the job's retry goes
    on unchanged. No page log: the webhook has no store it can trust here, and the worker keys "once" on the
    delivery's attempt number."""
    page = intake_page(job, reason) if reason is not None else None
    if page is None:
        return IntakePageResult("skipped")
    if pager is None:
        return IntakePageResult("skipped", page, NO_PAGER, job.job_id)
    try:
        pager.publish(page, now=now())
    except PagerUnavailable as exc:
        return IntakePageResult("failed", page, str(exc), job.job_id)
    return IntakePageResult("paged", page, job_id=job.job_id)


# --- history: the conversation, the API, the console and the PDF -------------------------------------------


class EscalationEntry(BaseModel):
    """One thing escalation did for a case: who was told what, when, decided by whom."""

    at: datetime
    who: Literal["patient", "on-call", "escalation contact"]
    what: str
    urgency: Urgency
    by: str
    state: str

    def line(self) -> str:
        """'patient told to call emergency services at 14:02 UTC, by: worker/LLM'."""
        stamp = self.at.astimezone(UTC).strftime("%H:%M UTC")
        suffix = "" if self.state in ("sent",) else f" ({self.state})"
        return f"{self.what} at {stamp}, by: {self.by}{suffix}"


_PATIENT_TOLD = {
    Urgency.EMERGENCY: "patient told to call emergency services",
    Urgency.URGENT: "patient told to seek in-person care today",
}


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def history_entries(
    instructions: Iterable[OutboundRecord], pages: Iterable[PageRecord]
) -> list[EscalationEntry]:
    """Instructions and pages of a case, oldest first. Released claims are gone; rejected ones show."""
    entries: list[EscalationEntry] = []
    for record in instructions:
        level = _level_of_kind(record.kind)
        if level is None or record.created_at is None:
            continue
        entries.append(
            EscalationEntry(
                at=_aware(record.created_at),
                who="patient",
                what=_PATIENT_TOLD.get(level, f"patient told: {level.value}"),
                urgency=level,
                by=record.by or "worker",
                state=record.state,
            )
        )
    for page in pages:
        who: Literal["on-call", "escalation contact"] = (
            "escalation contact" if page.target == "escalation" else "on-call"
        )
        entries.append(
            EscalationEntry(
                at=_aware(page.created_at),
                who=who,
                what=f"{who} paged ({page.urgency.value}, {_REASON_TEXT.get(page.reason, page.reason)})",
                urgency=page.urgency,
                by="sweep" if page.round > 0 or page.reason == "missed" else "worker",
                state=page.state,
            )
        )
    return sorted(entries, key=lambda entry: entry.at)
