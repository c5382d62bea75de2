"""The one message the worker may send a patient after summarizing: a follow-up question, at most once per job.

Pure: the messenger (Twilio) and the outbound log (Mongo) are passed in. The rules, in order:

1. only when enabled (WorkerSettings.follow_up_enabled) and only for a message job;
2. never when the case is an emergency or urgent: the patient was already told to act now, outside this
   chat (webhook reply); a question in the chat invites them to stay and type instead;
3. only for the case's latest message (a newer message's job decides for the newer summary), and only
   inside WhatsApp's 24-hour customer-service window (a free-form message outside it needs a template);
4. at most once per job (the outbound claim "<MessageSid>:followup" is written before sending), at most
   `max_per_case` per case, and never the same question twice in a case;
5. the first of the summary's `follow_up_questions` that reads as a question to the patient (short, ends
   with "?", no link, no long digit run, not about "the patient" in the third person). Summaries carry these
   for the clinician; anything that does not pass is left for the clinician to ask.

With no question to send, nothing is sent: the webhook's immediate reply already said a clinician will
review the message (patient_messages.RECEIPT), and the same line twice is noise. `status_when_no_question`
sends that line again for clinics that want it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

from fasttriage.domain import patient_messages
from fasttriage.domain.errors import MessageRejected, MessengerUnavailable
from fasttriage.domain.models import JobKind, TriageJob, TriageSummary
from fasttriage.domain.urgency import Urgency, most_urgent

KIND = "followup"
WHATSAPP_WINDOW = timedelta(hours=24)

_LINK = re.compile(r"https?://|www\.|\b[a-z0-9-]+\.(?:com|net|org|io|ly|me)\b", re.IGNORECASE)
_LONG_DIGITS = re.compile(r"\d[\d\s().-]{5,}\d")
_THIRD_PERSON = re.compile(
    r"\b(?:the patient|el paciente|la paciente|o paciente|a paciente)\b", re.IGNORECASE
)
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class FollowUpPolicy:
    max_per_case: int = 3
    max_chars: int = 300
    window_margin: timedelta = timedelta(hours=1)  # stop an hour before WhatsApp's window closes
    status_when_no_question: bool = False


@dataclass(frozen=True)
class OutboundRecord:
    key: str
    kind: str
    body: str
    state: str  # sending | sent | rejected | unknown
    created_at: datetime | None = None
    by: str | None = None  # who decided to send it (domain.escalation: "webhook/rules", "worker/LLM"...)
    provider_id: str | None = None  # Twilio's message SID once sent
    delivery_status: str | None = None  # from Twilio's status callback (domain.replies): sent, delivered...
    error_code: str | None = None  # Twilio's ErrorCode when the delivery failed
    updated_at: datetime | None = (
        None  # when the claim last changed (a 'sending' claim that old was abandoned)
    )


@dataclass(frozen=True)
class FollowUpDecision:
    text: str | None  # what to send; None to send nothing
    reason: str  # "question" or "status" when sending; why not otherwise. Never patient data.


FollowUpStatus = Literal["sent", "skipped", "already_sent", "rejected", "unknown"]


@dataclass(frozen=True)
class FollowUpResult:
    status: FollowUpStatus
    reason: str
    provider_id: str | None = None  # Twilio's SID of the message sent


class Messenger(Protocol):
    def send(self, *, from_: str, to: str, body: str) -> str:
        """Sends body; returns the provider's message id. Raises MessengerUnavailable / MessageRejected."""
        ...


class ClaimLog(Protocol):
    """The outbound log's claim-then-send core (adapters.outbound.MongoOutbound), shared by every sender:
    the follow-up, the escalation instruction and the doctors' replies."""

    def claim(
        self,
        key: str,
        *,
        case_id: str,
        patient_key: str,
        kind: str,
        body: str,
        now: datetime,
        by: str | None = None,
        state: str = "sending",
    ) -> bool: ...
    def finish(self, key: str, *, state: str, now: datetime, provider_id: str | None = None) -> None: ...


class OutboundLog(Protocol):
    def claim(
        self, key: str, *, case_id: str, patient_key: str, kind: str, body: str, now: datetime
    ) -> bool: ...
    def finish(self, key: str, *, state: str, now: datetime, provider_id: str | None = None) -> None: ...
    def release(self, key: str) -> None: ...
    def history(self, case_id: str) -> list[OutboundRecord]: ...
    def erase_patient(self, patient_key: str) -> int: ...


def followup_key(message_sid: str) -> str:
    return f"{message_sid}:{KIND}"


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def is_sendable_question(text: str, max_chars: int = FollowUpPolicy.max_chars) -> bool:
    """A short question addressed to the patient, safe to send as it is."""
    question = _clean(text)
    return (
        3 <= len(question) <= max_chars
        and question.endswith("?")
        and not _LINK.search(question)
        and not _LONG_DIGITS.search(question)
        and not _THIRD_PERSON.search(question)
    )


def choose_follow_up(
    job: TriageJob,
    summary: TriageSummary,
    *,
    now: datetime,
    latest_message_sid: str,
    history: Sequence[OutboundRecord] = (),
    policy: FollowUpPolicy = FollowUpPolicy(),
) -> FollowUpDecision:
    """What to send the patient after this job's summary, or why nothing (the rules in the module doc)."""
    if job.kind is not JobKind.MESSAGE:
        return FollowUpDecision(None, "not_a_message")
    if not job.message.recipient or not job.message.sender:
        return FollowUpDecision(None, "no_address")
    urgency = most_urgent(summary.urgency, job.assessment.urgency_floor)
    if urgency is Urgency.EMERGENCY:
        return FollowUpDecision(None, "emergency")
    if urgency is Urgency.URGENT:
        return FollowUpDecision(None, "urgent")
    if latest_message_sid != job.message.message_sid:
        return FollowUpDecision(None, "superseded")
    if now - job.received_at > WHATSAPP_WINDOW - policy.window_margin:
        return FollowUpDecision(None, "outside_window")
    key = followup_key(job.message.message_sid)
    if any(record.key == key for record in history):
        return FollowUpDecision(None, "already_sent")
    earlier = [record for record in history if record.kind == KIND]
    if len(earlier) >= policy.max_per_case:
        return FollowUpDecision(None, "case_limit")
    asked = {_clean(record.body).casefold() for record in earlier}
    for question in summary.follow_up_questions:
        if is_sendable_question(question, policy.max_chars) and _clean(question).casefold() not in asked:
            return FollowUpDecision(_clean(question), "question")
    if policy.status_when_no_question:
        status = patient_messages.text_for(patient_messages.RECEIPT, summary.language)
        if status.casefold() not in asked:
            return FollowUpDecision(status, "status")
    return FollowUpDecision(None, "no_question")


def send_follow_up(
    job: TriageJob,
    case_id: str,
    summary: TriageSummary,
    *,
    enabled: bool,
    latest_message_sid: str,
    messenger: Messenger,
    outbound: OutboundLog,
    now: Callable[[], datetime],
    policy: FollowUpPolicy = FollowUpPolicy(),
) -> FollowUpResult:
    """Sends the chosen follow-up at most once for this job; call it after the case is saved.

    Claim, then send: a redelivered job finds the claim and sends nothing. A send that certainly did not
    reach Twilio releases the claim and raises MessengerUnavailable (transient: the job is retried and may
    send then). A send that may have reached Twilio (read timeout, 500) is recorded "unknown" and never
    repeated: a lost question is better than a duplicate. A refusal (MessageRejected) is recorded and
    returned, not raised: the job's real work is done and a retry cannot help.
    """
    if not enabled:
        return FollowUpResult("skipped", "disabled")
    started = now()
    decision = choose_follow_up(
        job,
        summary,
        now=started,
        latest_message_sid=latest_message_sid,
        history=outbound.history(case_id),
        policy=policy,
    )
    if decision.text is None:
        status: FollowUpStatus = "already_sent" if decision.reason == "already_sent" else "skipped"
        return FollowUpResult(status, decision.reason)
    key = followup_key(job.message.message_sid)
    claimed = outbound.claim(
        key, case_id=case_id, patient_key=job.patient_key, kind=KIND, body=decision.text, now=started
    )
    if not claimed:
        return FollowUpResult("already_sent", "already_sent")
    try:
        provider_id = messenger.send(from_=job.message.recipient, to=job.message.sender, body=decision.text)
    except MessengerUnavailable as exc:
        if exc.maybe_sent:
            outbound.finish(key, state="unknown", now=now())
            return FollowUpResult("unknown", "maybe_sent")
        outbound.release(key)
        raise
    except MessageRejected as exc:
        outbound.finish(key, state="rejected", now=now())
        return FollowUpResult("rejected", f"twilio_{exc.code or exc.status}")
    outbound.finish(key, state="sent", now=now(), provider_id=provider_id)
    return FollowUpResult("sent", decision.reason, provider_id)
