"""The webhook's core: turn verified Twilio form fields into a screened, published job and a reply.

Pure: the publisher, the clock and the pseudonym key are passed in.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from fasttriage.domain import patient_messages, redflags
from fasttriage.domain.errors import InvalidMessage, RepositoryError
from fasttriage.domain.models import (
    ACCOUNT_SID_PATTERN,
    MESSAGE_SID_PATTERN,
    InboundMessage,
    JobKind,
    Location,
    Media,
    TriageJob,
)

MAX_MEDIA = 10


class JobPublisher(Protocol):
    def publish(self, job: TriageJob) -> None: ...


class Form(Protocol):
    """Form fields: first value by key (Mapping) and every value by getlist()."""

    def get(self, key: str, default: str | None = None) -> str | None: ...

    def getlist(self, key: str) -> list[str]: ...


@dataclass(frozen=True)
class IntakeResult:
    job: TriageJob | None  # None for a command that needs no job ("new")
    reply: str
    case_epoch: int | None = None
    first_contact: bool = False


def patient_key(sender: str, key: bytes) -> str:
    """The patient's pseudonymous id: a keyed hash of the WhatsApp number."""
    return hmac.new(key, sender.encode(), hashlib.sha256).hexdigest()


def _single(form: Form, name: str) -> str:
    values = form.getlist(name)
    if not values or not values[0].strip():
        raise InvalidMessage(name, "is missing")
    if len(set(values)) > 1:
        raise InvalidMessage(name, "is given more than once with different values")
    return values[0].strip()


def parse_message(form: Form, *, whatsapp_only: bool) -> InboundMessage:
    message_sid = _single(form, "MessageSid")
    if not MESSAGE_SID_PATTERN.match(message_sid):
        raise InvalidMessage("MessageSid", "is not a Twilio message SID (SM/MM followed by 32 hex digits)")
    account_sid = _single(form, "AccountSid")
    if not ACCOUNT_SID_PATTERN.match(account_sid):
        raise InvalidMessage("AccountSid", "is not a Twilio account SID (AC followed by 32 hex digits)")
    sender = _single(form, "From")
    if whatsapp_only and not sender.startswith("whatsapp:+"):
        raise InvalidMessage(
            "From", "is not a WhatsApp sender (whatsapp:+<number>); only WhatsApp is enabled"
        )
    digits = sender.rpartition(":")[2].lstrip("+")
    if not (digits.isdigit() and 6 <= len(digits) <= 15):
        raise InvalidMessage("From", "is not a phone number in E.164 form")
    recipient = (form.get("To") or "").strip()
    try:
        num_media = int((form.get("NumMedia") or "0").strip() or "0")
    except ValueError as exc:
        raise InvalidMessage("NumMedia", "is not a whole number") from exc
    if not 0 <= num_media <= MAX_MEDIA:
        raise InvalidMessage("NumMedia", f"must be between 0 and {MAX_MEDIA}")
    media = []
    for i in range(num_media):
        url = (form.get(f"MediaUrl{i}") or "").strip()
        if not url.startswith("https://"):
            raise InvalidMessage(f"MediaUrl{i}", "is missing or not an https URL")
        media.append(Media(url=url, content_type=(form.get(f"MediaContentType{i}") or "").strip()))
    return InboundMessage(
        location=parse_location(form),
        message_sid=message_sid,
        account_sid=account_sid,
        sender=sender,
        recipient=recipient,
        body=form.get("Body") or "",
        profile_name=(form.get("ProfileName") or None),
        wa_id=(form.get("WaId") or None),
        media=media,
    )


def parse_location(form: Form) -> Location | None:
    """Twilio's WhatsApp location parameters (Latitude, Longitude, Address, Label), when the message is one."""
    latitude, longitude = (form.get("Latitude") or "").strip(), (form.get("Longitude") or "").strip()
    if not latitude and not longitude:
        return None
    try:
        return Location(
            latitude=float(latitude),
            longitude=float(longitude),
            address=(form.get("Address") or "").strip()[:1000] or None,
            label=(form.get("Label") or "").strip()[:1000] or None,
        )
    except ValueError as exc:  # pydantic's ValidationError is a ValueError; so is float("")
        raise InvalidMessage(
            "Latitude/Longitude", "must both be decimal degrees (-90..90, -180..180)"
        ) from exc


class PatientRegistry(Protocol):
    def register(self, patient_key: str, now: datetime) -> tuple[bool, int]: ...
    def start_new_case(self, patient_key: str, now: datetime) -> int: ...
    def request_erasure(self, patient_key: str, now: datetime) -> None: ...


def accept(
    form: Form,
    *,
    account_sid: str,
    whatsapp_only: bool,
    pseudonym_key: bytes,
    publisher: JobPublisher,
    patients: PatientRegistry,
    now: Callable[[], datetime],
) -> IntakeResult:
    """Validates, screens for red flags, publishes (confirmed) and returns the reply for the patient.

    "new" starts a new case; "delete my data" queues an erasure. The first message from a number also
    carries the privacy notice. Raises InvalidMessage for a payload we refuse (nothing is published),
    PublishError when the broker did not confirm and RepositoryError when a command could not be recorded
    (the caller must not answer 2xx to either).
    """
    message = parse_message(form, whatsapp_only=whatsapp_only)
    if not hmac.compare_digest(message.account_sid, account_sid):
        raise InvalidMessage("AccountSid", "does not match this clinic's Twilio account")
    received_at = now()
    key = patient_key(message.sender, pseudonym_key)
    assessment = redflags.assess(message.body)
    language = assessment.language

    if not assessment.red_flags and patient_messages.is_new_case_command(message.body):
        return IntakeResult(
            job=None,
            reply=patient_messages.text_for(patient_messages.NEW_CASE_CONFIRMED, language),
            case_epoch=patients.start_new_case(key, received_at),
        )

    if not assessment.red_flags and patient_messages.is_erasure_command(message.body):
        patients.request_erasure(key, received_at)
        job = TriageJob(
            job_id=message.message_sid,
            kind=JobKind.ERASE,
            received_at=received_at,
            message=message.model_copy(update={"body": "", "profile_name": None}),
            patient_key=key,
            assessment=assessment,
        )
        publisher.publish(job)
        return IntakeResult(
            job=job, reply=patient_messages.text_for(patient_messages.ERASURE_CONFIRMED, language)
        )

    epoch: int | None
    try:
        first_contact, epoch = patients.register(key, received_at)
    except RepositoryError:
        first_contact, epoch = False, None  # the message matters more than the notice: queue it anyway
    job = TriageJob(
        job_id=message.message_sid,
        received_at=received_at,
        message=message,
        patient_key=key,
        case_epoch=epoch,
        assessment=assessment,
    )
    publisher.publish(job)
    reply = assessment.patient_instruction or patient_messages.text_for(patient_messages.RECEIPT, language)
    if first_contact:
        reply = f"{reply}\n\n{patient_messages.text_for(patient_messages.PRIVACY_NOTICE, language)}"
    return IntakeResult(job=job, reply=reply, case_epoch=epoch, first_contact=first_contact)
