"""The webhook's core: turn verified Twilio form fields into a screened, durably stored job and a reply.

Pure: the publisher, the spool, the patient registry, the clock and the pseudonym key are passed in.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, overload

from fasttriage.domain import patient_messages, redflags
from fasttriage.domain.errors import InvalidMessage, JobNotStored, PublishError, RepositoryError, SpoolError
from fasttriage.domain.models import (
    ACCOUNT_SID_PATTERN,
    MESSAGE_SID_PATTERN,
    Assessment,
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

    @overload
    def get(self, key: str, default: None = None, /) -> str | None: ...

    @overload
    def get(self, key: str, default: str, /) -> str: ...

    def getlist(self, key: str, /) -> list[str]: ...


@dataclass(frozen=True)
class IntakeResult:
    job: TriageJob | None  # None for a command applied at once ("new" with the registry up)
    reply: str
    case_epoch: int | None = None
    first_contact: bool = False
    stored_in: str | None = None  # BROKER or SPOOL when there is a job
    registry_degraded: bool = False  # the patient registry failed: the notice may repeat


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
    """The webhook's view of the patients collection. Every method may raise RepositoryError; intake then
    degrades (the privacy notice may be repeated, commands travel as jobs) instead of failing."""

    def lookup(self, patient_key: str) -> tuple[bool, int]: ...
    def register(self, patient_key: str, now: datetime) -> tuple[bool, int]: ...
    def start_new_case(self, patient_key: str, now: datetime) -> int: ...
    def request_erasure(self, patient_key: str, now: datetime) -> None: ...


class Spool(Protocol):
    """The durable fallback for a job the broker did not confirm; raises SpoolError when it cannot store."""

    def put(self, job: TriageJob) -> None: ...


BROKER = "broker"
SPOOL = "spool"


def store_job(job: TriageJob, publisher: JobPublisher, spool: Spool | None) -> str:
    """Where the job is now durably held (BROKER or SPOOL): a confirmed publish, else the spool.

    A publish that timed out may still land later beside the spooled copy: the worker dedupes on MessageSid.
    Raises PublishError (no spool) or SpoolError when neither store confirmed.
    """
    try:
        publisher.publish(job)
    except PublishError:
        if spool is None:
            raise
        spool.put(job)
        return SPOOL
    return BROKER


def _stored(job: TriageJob, publisher: JobPublisher, spool: Spool | None, instruction: str | None) -> str:
    try:
        return store_job(job, publisher, spool)
    except (PublishError, SpoolError) as exc:
        reply = None
        if instruction is not None:  # never withheld: the instruction, and a request to send again
            language = job.assessment.language
            reply = f"{instruction}\n\n{patient_messages.text_for(patient_messages.NOT_RECORDED, language)}"
        raise JobNotStored(f"{type(exc).__name__}: {exc}", reply=reply) from exc


def _command_job(
    message: InboundMessage, kind: JobKind, received_at: datetime, key: str, assessment: Assessment
) -> TriageJob:
    """A command as a job: the command's text and the profile name are not kept."""
    return TriageJob(
        job_id=message.message_sid,
        kind=kind,
        received_at=received_at,
        message=message.model_copy(update={"body": "", "profile_name": None}),
        patient_key=key,
        assessment=assessment,
    )


def accept(
    form: Form,
    *,
    account_sid: str,
    whatsapp_only: bool,
    pseudonym_key: bytes,
    publisher: JobPublisher,
    patients: PatientRegistry,
    now: Callable[[], datetime],
    spool: Spool | None = None,
) -> IntakeResult:
    """Validates, screens for red flags, stores the job durably and returns the reply for the patient.

    The reply is decided here, from the local screen alone. The job goes to the broker (confirmed) or, when
    the broker does not confirm, to the spool. The patient registry (MongoDB) is consulted but never decides
    whether a message is accepted: when it fails, the privacy notice is sent again and "new" / "delete my
    data" travel as jobs for the worker to apply. First contact is registered only after the job is stored.

    Raises InvalidMessage for a payload we refuse (nothing is stored) and JobNotStored when neither the
    broker nor the spool confirmed (it carries the reply the patient should still get).
    """
    message = parse_message(form, whatsapp_only=whatsapp_only)
    if not hmac.compare_digest(message.account_sid, account_sid):
        raise InvalidMessage("AccountSid", "does not match this clinic's Twilio account")
    received_at = now()
    key = patient_key(message.sender, pseudonym_key)
    assessment = redflags.assess(message.body)
    language = assessment.language

    if not assessment.red_flags and patient_messages.is_new_case_command(message.body):
        reply = patient_messages.text_for(patient_messages.NEW_CASE_CONFIRMED, language)
        try:
            return IntakeResult(job=None, reply=reply, case_epoch=patients.start_new_case(key, received_at))
        except RepositoryError:
            job = _command_job(message, JobKind.NEW_CASE, received_at, key, assessment)
            where = _stored(job, publisher, spool, None)
            return IntakeResult(job=job, reply=reply, stored_in=where, registry_degraded=True)

    if not assessment.red_flags and patient_messages.is_erasure_command(message.body):
        reply = patient_messages.text_for(patient_messages.ERASURE_CONFIRMED, language)
        job = _command_job(message, JobKind.ERASE, received_at, key, assessment)
        where = _stored(job, publisher, spool, None)
        try:
            patients.request_erasure(key, received_at)  # the worker records it too (idempotent)
            degraded = False
        except RepositoryError:
            degraded = True
        return IntakeResult(job=job, reply=reply, stored_in=where, registry_degraded=degraded)

    instruction = assessment.patient_instruction
    reply = instruction or patient_messages.text_for(patient_messages.RECEIPT, language)
    epoch: int | None
    try:
        first_contact, epoch = patients.lookup(key)
        degraded = False
    except RepositoryError:
        first_contact, epoch, degraded = False, None, True  # the worker reads the epoch when it runs the job
    job = TriageJob(
        job_id=message.message_sid,
        received_at=received_at,
        message=message,
        patient_key=key,
        case_epoch=epoch,
        assessment=assessment,
    )
    where = _stored(job, publisher, spool, instruction)
    if first_contact:
        try:
            patients.register(key, received_at)  # only now that the job is stored
        except RepositoryError:
            degraded = True
    if first_contact or degraded:  # unknown: better a repeated notice than none
        reply = f"{reply}\n\n{patient_messages.text_for(patient_messages.PRIVACY_NOTICE, language)}"
    return IntakeResult(
        job=job,
        reply=reply,
        case_epoch=epoch,
        first_contact=first_contact,
        stored_in=where,
        registry_degraded=degraded,
    )
