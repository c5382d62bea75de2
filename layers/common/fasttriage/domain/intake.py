"""The webhook's core: turn verified Twilio form fields into a screened, durably stored job and a reply.

Pure: the publisher, the spool, the patient registry, the on-call pager, the clock and the pseudonym key are
passed in.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, ClassVar, Protocol

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

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
from fasttriage.domain.twilio_form import Form, invalid_message, matches, one_value, refusal

if TYPE_CHECKING:  # loaded only when a page is due: off the cold start and the broker path
    from fasttriage.domain import escalation

MAX_MEDIA = 10


class JobPublisher(Protocol):
    def publish(self, job: TriageJob) -> None: ...


@dataclass(frozen=True)
class IntakeResult:
    job: TriageJob | None  # None for a command applied at once ("new" with the registry up)
    reply: str
    case_number: int | None = None
    first_contact: bool = False
    stored_in: str | None = None  # BROKER or SPOOL when there is a job
    registry_degraded: bool = False  # the patient registry failed: the notice may repeat
    page: escalation.IntakePageResult | None = None  # the degraded-intake page (job not on the broker)


def patient_key(sender: str, key: bytes) -> str:
    """The patient's pseudonymous id: a keyed hash of the WhatsApp number."""
    return hmac.new(key, sender.encode(), hashlib.sha256).hexdigest()


def _whole_number(value: object) -> object:
    """NumMedia: blank means 0 (Twilio always sends it; a hand-made request may not)."""
    text = value.strip() if isinstance(value, str) else value
    if text in ("", None):
        return 0
    try:
        return int(str(text))
    except ValueError:
        raise refusal("is not a whole number") from None


def _media_count(value: int) -> int:
    if not 0 <= value <= MAX_MEDIA:
        raise refusal(f"must be between 0 and {MAX_MEDIA}")
    return value


def _text_or_none(value: object) -> object:
    """Address, Label: stripped and cut to what Location keeps; blank means absent."""
    return ((value or "").strip()[:1000] or None) if isinstance(value, str | None) else value


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


Stripped = Annotated[str, BeforeValidator(_strip)]  # str.strip(), as Twilio's fields were always read
DEGREES = "must both be decimal degrees (-90..90, -180..180)"


class TwilioMessageForm(BaseModel):
    """Twilio's inbound WhatsApp message webhook: the fields we read, under Twilio's names (the aliases).

    Built by `from_form`, which gives the identity fields every value the form holds (a repeat with another
    value is refused) and the numbered media fields (MediaUrl0.., MediaContentType0..) as lists. Validators run
    in the order of the fields, then the media and the location, and each refusal says what was wrong;
    `invalid_message` turns the first into InvalidMessage(<Twilio field>, reason).
    Validation context: {"whatsapp_only": bool}.
    """

    message_sid: Annotated[
        str,
        BeforeValidator(one_value),
        AfterValidator(
            matches(MESSAGE_SID_PATTERN, "is not a Twilio message SID (SM/MM followed by 32 hex digits)")
        ),
    ] = Field(alias="MessageSid")
    account_sid: Annotated[
        str,
        BeforeValidator(one_value),
        AfterValidator(
            matches(ACCOUNT_SID_PATTERN, "is not a Twilio account SID (AC followed by 32 hex digits)")
        ),
    ] = Field(alias="AccountSid")
    sender: Annotated[str, BeforeValidator(one_value)] = Field(alias="From")
    recipient: Stripped = Field(default="", alias="To")
    body: str = Field(default="", alias="Body")
    profile_name: str | None = Field(default=None, alias="ProfileName")
    wa_id: str | None = Field(default=None, alias="WaId")
    num_media: Annotated[int, BeforeValidator(_whole_number), AfterValidator(_media_count)] = Field(
        default=0, alias="NumMedia"
    )
    media_urls: list[Stripped] = Field(default_factory=list, description="MediaUrl0.. in order")
    media_types: list[Stripped] = Field(default_factory=list, description="MediaContentType0.. in order")
    latitude: Stripped | None = Field(default=None, alias="Latitude")
    longitude: Stripped | None = Field(default=None, alias="Longitude")
    address: Annotated[str | None, BeforeValidator(_text_or_none)] = Field(default=None, alias="Address")
    label: Annotated[str | None, BeforeValidator(_text_or_none)] = Field(default=None, alias="Label")
    location: Location | None = Field(default=None, description="Set by the validator from the four above.")

    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True)

    IDENTITY: ClassVar[tuple[str, ...]] = ("MessageSid", "AccountSid", "From")
    OPTIONAL: ClassVar[tuple[str, ...]] = (
        "To", "Body", "ProfileName", "WaId", "NumMedia", "Latitude", "Longitude", "Address", "Label",
    )  # fmt: skip

    @classmethod
    def from_form(cls, form: Form, *, whatsapp_only: bool) -> TwilioMessageForm:
        """The validated form; InvalidMessage naming the first Twilio field that is wrong."""
        data: dict[str, object] = {name: form.getlist(name) for name in cls.IDENTITY}
        data |= {name: value for name in cls.OPTIONAL if (value := form.get(name))}
        data["media_urls"] = [form.get(f"MediaUrl{i}") or "" for i in range(MAX_MEDIA)]
        data["media_types"] = [form.get(f"MediaContentType{i}") or "" for i in range(MAX_MEDIA)]
        try:
            return cls.model_validate(data, context={"whatsapp_only": whatsapp_only})
        except ValidationError as exc:
            # `from None`: the ValidationError quotes the inputs, and patient data stays out of tracebacks.
            raise invalid_message(exc, cls) from None

    @field_validator("sender")
    @classmethod
    def _sender(cls, sender: str, info: ValidationInfo) -> str:
        if (info.context or {}).get("whatsapp_only", True) and not sender.startswith("whatsapp:+"):
            raise refusal("is not a WhatsApp sender (whatsapp:+<number>); only WhatsApp is enabled")
        digits = sender.rpartition(":")[2].lstrip("+")
        if not (digits.isdigit() and 6 <= len(digits) <= 15):
            raise refusal("is not a phone number in E.164 form")
        return sender

    @model_validator(mode="after")
    def _media_and_location(self) -> TwilioMessageForm:
        for i in range(self.num_media):
            if not self.media_urls[i : i + 1] or not self.media_urls[i].startswith("https://"):
                raise refusal("is missing or not an https URL", f"MediaUrl{i}")
        if self.latitude or self.longitude:
            try:
                self.location = Location(
                    latitude=float(self.latitude or ""),
                    longitude=float(self.longitude or ""),
                    address=self.address,
                    label=self.label,
                )
            except ValueError:  # pydantic's ValidationError is a ValueError; so is float("")
                raise refusal(DEGREES, "Latitude/Longitude") from None
        return self

    def to_message(self) -> InboundMessage:
        types = self.media_types
        return InboundMessage(
            location=self.location,
            message_sid=self.message_sid,
            account_sid=self.account_sid,
            sender=self.sender,
            recipient=self.recipient,
            body=self.body,
            profile_name=self.profile_name or None,
            wa_id=self.wa_id or None,
            media=[
                Media(url=self.media_urls[i], content_type=types[i] if i < len(types) else "")
                for i in range(self.num_media)
            ],
        )


def parse_message(form: Form, *, whatsapp_only: bool) -> InboundMessage:
    """The message in a verified Twilio form; InvalidMessage names the first Twilio field that is wrong."""
    return TwilioMessageForm.from_form(form, whatsapp_only=whatsapp_only).to_message()


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


@dataclass(frozen=True)
class _Paging:
    """The on-call pager (None: pages off) and the clock, for the degraded-intake page."""

    pager: escalation.Pager | None
    now: Callable[[], datetime]

    def after_store(self, job: TriageJob, stored_in: str | None) -> escalation.IntakePageResult | None:
        """Pages on-call when an emergency/urgent job did not reach the broker (domain.escalation, duty 4);
        None when it did (the worker pages as usual)."""
        if stored_in == BROKER:
            return None
        from fasttriage.domain import escalation

        reason = escalation.intake_reason(stored_in, broker=BROKER)
        return escalation.page_intake(job, reason, self.pager, self.now)


def _stored(
    job: TriageJob, publisher: JobPublisher, spool: Spool | None, instruction: str | None, paging: _Paging
) -> tuple[str, escalation.IntakePageResult | None]:
    """Where the job is held and what became of the degraded-intake page, which is sent only after the job
    was stored or refused by both stores."""
    try:
        where = store_job(job, publisher, spool)
    except (PublishError, SpoolError) as exc:
        reply = None
        if instruction is not None:  # never withheld: the instruction, and a request to send again
            language = job.assessment.language
            reply = f"{instruction}\n\n{patient_messages.text_for(patient_messages.NOT_RECORDED, language)}"
        page = paging.after_store(job, None)
        raise JobNotStored(f"{type(exc).__name__}: {exc}", reply=reply, page=page) from exc
    return where, paging.after_store(job, where)


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
    pager: escalation.Pager | None = None,
) -> IntakeResult:
    """Validates, screens for red flags, stores the job durably and returns the reply for the patient.

    The reply is decided here, from the local screen alone. The job goes to the broker (confirmed) or, when
    the broker does not confirm, to the spool. The patient registry (MongoDB) is consulted but never decides
    whether a message is accepted: when it fails, the privacy notice is sent again and "new" / "delete my
    data" travel as jobs for the worker to apply. First contact is registered only after the job is stored.

    When the screen rated the message emergency or urgent and the job did not reach the broker (spooled, or
    stored nowhere), on-call is paged through `pager` right after the store (domain.escalation.page_intake):
    the worker, which pages for cases, may not run it for a while. A failed page never changes the reply.

    Raises InvalidMessage for a payload we refuse (nothing is stored) and JobNotStored when neither the
    broker nor the spool confirmed (it carries the reply the patient should still get, and the page's fate).
    """
    paging = _Paging(pager, now)
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
            return IntakeResult(job=None, reply=reply, case_number=patients.start_new_case(key, received_at))
        except RepositoryError:
            job = _command_job(message, JobKind.NEW_CASE, received_at, key, assessment)
            where, _ = _stored(job, publisher, spool, None, paging)
            return IntakeResult(job=job, reply=reply, stored_in=where, registry_degraded=True)

    if not assessment.red_flags and patient_messages.is_erasure_command(message.body):
        reply = patient_messages.text_for(patient_messages.ERASURE_CONFIRMED, language)
        job = _command_job(message, JobKind.ERASE, received_at, key, assessment)
        where, _ = _stored(job, publisher, spool, None, paging)
        try:
            patients.request_erasure(key, received_at)  # the worker records it too (idempotent)
            degraded = False
        except RepositoryError:
            degraded = True
        return IntakeResult(job=job, reply=reply, stored_in=where, registry_degraded=degraded)

    instruction = assessment.patient_instruction
    reply = instruction or patient_messages.text_for(patient_messages.RECEIPT, language)
    case_number: int | None
    try:
        first_contact, case_number = patients.lookup(key)
        degraded = False
    except RepositoryError:
        first_contact, case_number, degraded = (
            False,
            None,
            True,
        )  # the worker reads the case number when it runs the job
    job = TriageJob(
        job_id=message.message_sid,
        received_at=received_at,
        message=message,
        patient_key=key,
        case_number=case_number,
        assessment=assessment,
    )
    where, page = _stored(job, publisher, spool, instruction, paging)
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
        case_number=case_number,
        first_contact=first_contact,
        stored_in=where,
        registry_degraded=degraded,
        page=page,
    )
