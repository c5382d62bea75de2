"""A doctor's reply to the patient, the full number on request, and Twilio's delivery status for replies.

Pure: the case store, the audit log, the outbound log and the sender (Twilio, or the local messenger) are
passed in.

WhatsApp's rule (Twilio: "WhatsApp 24-hour window"): a free-form message may go only within 24 hours of the
patient's last message; after that only an approved template. So a reply inside the window goes as the
doctor wrote it; outside it, only the configured template (its Content SID) goes, which asks the patient to
write back (the doctor's text is not sent; the doctor replies again once the patient answers). Without a
template configured, a reply outside the window is refused with a clear error.

Every reply is claimed in the outbound log before it is sent (`<summary_id>:reply:<request id>`), so the
thread shows it even when Twilio fails, and audited whatever the outcome. Twilio's status callbacks then
move its `delivery_status` forward (queued -> sent -> delivered -> read; failed/undelivered with an error
code); a late callback never moves it back.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, ClassVar, Literal, Protocol

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from fasttriage.domain.cases import (
    AuditLog,
    CaseStore,
    CaseView,
    Doctor,
    EditConflict,
    _audit,
    _view,
    window_open,
)
from fasttriage.domain.errors import MessageRejected, MessengerUnavailable
from fasttriage.domain.followup import ClaimLog
from fasttriage.domain.models import CASE_ID_WIRE, MESSAGE_SID_PATTERN, WIRE_NAMES
from fasttriage.domain.twilio_form import invalid_message, matches, refusal

REPLY = "reply"
TEMPLATE = "template"
MAX_REPLY_CHARS = 1600  # Twilio's limit for one message body

# Twilio's message statuses in the order a message goes through them; failure ends it.
DELIVERY_RANK: dict[str, int] = {
    "accepted": 0,
    "scheduled": 0,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "delivered": 4,
    "read": 5,
    "undelivered": 6,
    "failed": 6,
    "canceled": 6,
}


class ReplyRequest(BaseModel):
    """POST /summaries/{id}/replies."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=MAX_REPLY_CHARS, description="What the patient will read.")


class ReplyResult(BaseModel):
    model_config = WIRE_NAMES

    case_id: str = Field(alias=CASE_ID_WIRE)
    kind: Literal["reply", "template"]
    state: str = Field(
        description="sent (Twilio accepted it), rejected, or unknown (Twilio's answer was lost)."
    )
    delivery_status: str | None = Field(
        default=None, description="Twilio's status when it answered: queued..."
    )
    error_code: str | None = None
    note: str


class PhoneReveal(BaseModel):
    model_config = WIRE_NAMES

    case_id: str = Field(alias=CASE_ID_WIRE)
    phone: str = Field(description="The patient's number in E.164 form, for a call back.")
    channel: str = Field(description="whatsapp or sms")


class WindowClosed(EditConflict):
    """Outside WhatsApp's 24-hour window and no approved template is configured."""

    code = "window_closed"


class ReplyFailed(EditConflict):
    """Twilio refused or could not take the reply; the thread shows it as not sent."""

    code = "reply_not_sent"


@dataclass(frozen=True)
class SentReply:
    sid: str
    status: str | None = None


class ReplySender(Protocol):
    def send_reply(
        self, *, from_: str, to: str, body: str | None, content_sid: str | None, status_callback: str | None
    ) -> SentReply:
        """Sends one message; raises MessengerUnavailable / MessageRejected."""
        ...


class ReplyLog(ClaimLog, Protocol):
    def record_delivery(self, update: DeliveryUpdate, now: datetime) -> bool: ...


@dataclass(frozen=True)
class ReplyPolicy:
    template_sid: str | None  # an approved WhatsApp template (Content SID, HX...), for outside the window
    status_callback: str | None  # the signed route Twilio posts delivery statuses to
    default_sender: str | None = None  # the clinic's WhatsApp sender when the case does not record it


def _contact(view: CaseView, case_id: str) -> str:
    if not view.contact:
        raise EditConflict(
            "this case was stored before numbers were kept for replies; the patient's next message enables it",
            {"summary_id": case_id},
        )
    return view.contact


def reveal_phone(
    case_id: str, *, doctor: Doctor, cases: CaseStore, audit: AuditLog, now: datetime
) -> PhoneReveal:
    """The patient's full number, for this doctor and this request only; audited before it is answered."""
    view = _view(case_id, cases)
    contact = _contact(view, case_id)
    channel, _, number = contact.rpartition(":")
    _audit(audit, doctor, "reveal_phone", now, case_id=case_id)
    return PhoneReveal(case_id=case_id, phone=number, channel=channel or "sms")


def send_reply(
    case_id: str,
    request: ReplyRequest,
    *,
    doctor: Doctor,
    cases: CaseStore,
    audit: AuditLog,
    outbound: ReplyLog,
    sender: ReplySender,
    policy: ReplyPolicy,
    now: datetime,
) -> ReplyResult:
    view = _view(case_id, cases)
    contact = _contact(view, case_id)
    clinic = view.clinic or policy.default_sender
    if not clinic:
        raise EditConflict("the clinic's WhatsApp sender is not known for this case", {"summary_id": case_id})
    inside = window_open(view, now)
    if not inside and not policy.template_sid:
        _audit(audit, doctor, "send_reply", now, case_id=case_id, outcome="window_closed")
        raise WindowClosed(
            "the patient's last message is more than 24 hours old: WhatsApp allows only an approved template "
            "then, and none is configured (REPLY_TEMPLATE_CONTENT_SID)",
            {"summary_id": case_id},
        )
    kind: Literal["reply", "template"] = "reply" if inside else "template"
    body = request.text if inside else f"[template {policy.template_sid}: asks the patient to write back]"
    key = f"{case_id}:{REPLY}:{uuid.uuid4().hex}"
    outbound.claim(
        key,
        case_id=case_id,
        patient_key=view.patient_key or "",
        kind=kind,
        body=body,
        now=now,
        by=doctor.username,
    )
    state, status, code = "unknown", None, None
    try:
        sent = sender.send_reply(
            from_=clinic,
            to=contact,
            body=request.text if inside else None,
            content_sid=None if inside else policy.template_sid,
            status_callback=policy.status_callback,
        )
        state, status = "sent", sent.status
        outbound.finish(key, state="sent", now=now, provider_id=sent.sid)
        if status:
            outbound.record_delivery(DeliveryUpdate(message_sid=sent.sid, status=status), now)
    except MessageRejected as exc:
        state, code = "rejected", str(exc.code) if exc.code is not None else None
        outbound.finish(key, state="rejected", now=now)
        if code:
            outbound.record_delivery(
                DeliveryUpdate(message_sid=None, status="failed", error_code=code, key=key), now
            )
    except MessengerUnavailable as exc:
        state = "unknown" if exc.maybe_sent else "rejected"
        outbound.finish(key, state=state, now=now)
    finally:
        _audit(
            audit,
            doctor,
            "send_reply",
            now,
            case_id=case_id,
            outcome="ok" if state == "sent" else state,
            detail={"kind": kind, "outbound": key, "twilio_error": code},
        )
    if state != "sent":
        raise ReplyFailed(
            f"the reply was not sent: Twilio {'refused it' if state == 'rejected' else 'did not confirm it'}"
            + (f" (error {code})" if code else "")
            + (" and it may still arrive" if state == "unknown" else ""),
            {"summary_id": case_id, "state": state, "error_code": code},
        )
    note = (
        "sent as written"
        if inside
        else "outside WhatsApp's 24-hour window: the approved template went instead, asking the patient to "
        "write back; reply again once they do"
    )
    return ReplyResult(case_id=case_id, kind=kind, state=state, delivery_status=status, note=note)


# --- Twilio's status callback ------------------------------------------------------------------------------


class DeliveryUpdate(BaseModel):
    """One status callback (MessageSid, MessageStatus, ErrorCode), or a refusal recorded at send time (key)."""

    message_sid: str | None
    status: str
    error_code: str | None = None
    key: str | None = None

    @property
    def rank(self) -> int:
        return DELIVERY_RANK.get(self.status, 0)


class StatusForm(Protocol):
    def get(self, key: str, default: None = None, /) -> str | None: ...


def _status(value: object) -> object:
    status = value.strip().lower() if isinstance(value, str) else value
    if status not in DELIVERY_RANK:
        raise refusal(f"is not one of {', '.join(sorted(DELIVERY_RANK))}")
    return status


def _error_code(value: object) -> object:
    code = value.strip() if isinstance(value, str) else value
    if code and not (isinstance(code, str) and code.isdigit()):
        raise refusal("is not a number")
    return code or None


class TwilioStatusForm(BaseModel):
    """Twilio's message status callback: the fields we keep, under Twilio's names (MessageSid, or the older
    SmsSid; MessageStatus, or SmsStatus). Validation context: {"account_sid": this clinic's account}."""

    message_sid: Annotated[
        str,
        BeforeValidator(lambda v: v.strip() if isinstance(v, str) else v),
        AfterValidator(matches(MESSAGE_SID_PATTERN, "is not a Twilio message SID")),
    ] = Field(default="", validation_alias=AliasChoices("MessageSid", "SmsSid"), validate_default=True)
    account_sid: str = Field(default="", alias="AccountSid", validate_default=True)
    status: Annotated[str, BeforeValidator(_status)] = Field(
        default="", validation_alias=AliasChoices("MessageStatus", "SmsStatus"), validate_default=True
    )
    error_code: Annotated[str | None, BeforeValidator(_error_code)] = Field(default=None, alias="ErrorCode")

    NAMES: ClassVar[tuple[str, ...]] = (
        "MessageSid", "SmsSid", "AccountSid", "MessageStatus", "SmsStatus", "ErrorCode",
    )  # fmt: skip

    @field_validator("account_sid")
    @classmethod
    def _this_account(cls, value: str, info: ValidationInfo) -> str:
        if value.strip() != (info.context or {}).get("account_sid"):
            raise refusal("does not match this clinic's Twilio account")
        return value.strip()


def parse_status(form: StatusForm, *, account_sid: str) -> DeliveryUpdate:
    """The fields of Twilio's message status callback we keep; InvalidMessage names a malformed one."""
    # A blank field counts as absent, so that an empty MessageSid falls back to SmsSid as Twilio's older name.
    data = {name: value for name in TwilioStatusForm.NAMES if (value := form.get(name))}
    try:
        parsed = TwilioStatusForm.model_validate(data, context={"account_sid": account_sid})
    except ValidationError as exc:
        raise invalid_message(exc, TwilioStatusForm) from None
    return DeliveryUpdate(message_sid=parsed.message_sid, status=parsed.status, error_code=parsed.error_code)
