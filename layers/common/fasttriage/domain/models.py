"""Boundary models shared by the webhook, the worker and the doctors' API.

Pure pydantic: no SDK imports. Every model that crosses a process boundary (the queue job, the
Mongo documents, the API answers) is defined here so both sides agree on one schema.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import Enum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from fasttriage.domain.urgency import Urgency

CASE_ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")
MESSAGE_SID_PATTERN = re.compile(r"^(SM|MM)[0-9a-fA-F]{32}$")
ACCOUNT_SID_PATTERN = re.compile(r"^AC[0-9a-fA-F]{32}$")

# One word for a case in code ("case"); the names on the wire are kept (issue 14, item 9): the doctors' API's
# JSON, the stored documents and the queued jobs still say `summary_id` and `case_epoch`. A model that crosses
# one of those boundaries maps the code's name to the wire name with these, and only there.
CASE_ID_WIRE = "summary_id"
CASE_NUMBER_WIRE = "case_epoch"
WIRE_NAMES = ConfigDict(validate_by_name=True, validate_by_alias=True, serialize_by_alias=True)


class Language(str, Enum):
    EN = "en"
    ES = "es"
    PT = "pt"


class RedFlag(BaseModel):
    """One red flag found in a patient's text by the deterministic engine."""

    model_config = ConfigDict(frozen=True)

    code: str = Field(description="Stable identifier, e.g. 'cardiac_chest_pain'.")
    label: str = Field(description="Clinician-facing label, English.")
    floor: Urgency = Field(description="The lowest urgency this flag allows.")
    evidence: str = Field(default="", description="The matched phrase (patient text, never logged).")


class Assessment(BaseModel):
    """What the red-flag engine says about one text."""

    language: Language
    red_flags: list[RedFlag] = Field(default_factory=list)
    urgency_floor: Urgency | None = None
    patient_instruction: str | None = Field(
        default=None, description="What to tell the patient now, in their language; None without a flag."
    )
    rules_version: str

    @property
    def is_emergency(self) -> bool:
        return self.urgency_floor is Urgency.EMERGENCY


class Media(BaseModel):
    url: str
    content_type: str


MediaStatus = Literal["stored", "unavailable", "rejected"]


class StoredMedia(BaseModel):
    """What became of one media item of a message: persisted beside the message and listed in the PDF."""

    index: int
    content_type: str = Field(
        description="The stored type; the type Twilio declared when nothing was stored."
    )
    status: MediaStatus
    key: str | None = Field(default=None, description="The S3 key when stored.")
    s3_version_id: str | None = None
    size: int | None = Field(default=None, description="Bytes stored; None when nothing was stored.")
    reason: str | None = Field(
        default=None,
        description="Why nothing was stored: not_found, unauthorized, transient, url, redirect, too_large, "
        "content_type. Never patient data.",
    )
    thumbnail_key: str | None = Field(default=None, description="A size-capped JPEG of a stored photo.")
    thumbnail_version_id: str | None = None
    transcript: str | None = Field(
        default=None, description="Machine transcription of a voice note (patient text, never logged)."
    )
    transcript_status: Literal["done", "failed"] | None = Field(
        default=None, description="None: not an audio item, or not transcribed (transcription off)."
    )
    transcript_language: str | None = Field(default=None, description="The language asked for, e.g. es-ES.")


class Location(BaseModel):
    """A location the patient shared (Twilio's Latitude, Longitude, Address, Label WhatsApp parameters)."""

    model_config = ConfigDict(frozen=True)

    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    address: str | None = Field(default=None, max_length=1000)
    label: str | None = Field(default=None, max_length=1000)

    @property
    def map_url(self) -> str:
        """An OpenStreetMap link centred on the point (no API key, nothing sent to a third party until opened)."""
        lat, lon = f"{self.latitude:.6f}", f"{self.longitude:.6f}"
        return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"

    def text(self) -> str:
        """One line for the PDF, the console and the summarizer: label, address, coordinates."""
        parts = [part for part in (self.label, self.address) if part]
        return ", ".join([*parts, f"{self.latitude:.6f}, {self.longitude:.6f}"])


class InboundMessage(BaseModel):
    """The parts of a Twilio WhatsApp webhook the system keeps."""

    message_sid: str
    account_sid: str
    sender: str = Field(description="Twilio 'From', e.g. 'whatsapp:+15551234567'.")
    recipient: str = Field(description="Twilio 'To', the clinic's number.")
    body: str = ""
    profile_name: str | None = None
    wa_id: str | None = None
    media: list[Media] = Field(default_factory=list)
    location: Location | None = Field(default=None, description="A shared location, when the message is one.")


class JobKind(str, Enum):
    MESSAGE = "message"  # add the message to the patient's case and re-summarize
    ERASE = "erase"  # the patient asked to erase their data: cases, messages, S3 objects
    NEW_CASE = "new_case"  # "new" while the patient registry was unavailable: the worker starts the case


class TriageJob(BaseModel):
    """The message the webhook publishes and the worker consumes."""

    model_config = ConfigDict(extra="forbid", **WIRE_NAMES)

    schema_version: Literal[1] = 1
    job_id: str
    kind: JobKind = JobKind.MESSAGE
    received_at: datetime
    message: InboundMessage
    patient_key: str = Field(description="Keyed hash of the sender: the patient's pseudonymous id.")
    case_number: int | None = Field(
        default=None,
        alias=CASE_NUMBER_WIRE,
        description="The patient's case counter at intake ('new' starts the next); None when unknown.",
    )
    assessment: Assessment


class Symptom(BaseModel):
    name: str
    onset: str | None = None
    duration: str | None = None
    severity: str | None = None


class Provenance(BaseModel):
    producer: Literal["llm", "fallback"]
    model_id: str | None = None
    prompt_version: str | None = None
    rules_version: str
    fallback_reason: str | None = None


class TriageSummary(BaseModel):
    """The structured summary a clinician reads."""

    chief_complaint: str
    symptoms: list[Symptom] = Field(default_factory=list)
    relevant_history: list[str] = Field(default_factory=list)
    medications: list[str] = Field(default_factory=list)
    allergies: list[str] = Field(default_factory=list)
    red_flags: list[RedFlag] = Field(default_factory=list)
    urgency: Urgency
    recommended_disposition: str
    follow_up_questions: list[str] = Field(default_factory=list)
    language: Language
    provenance: Provenance


class ConversationMessage(BaseModel):
    message_sid: str
    received_at: datetime
    body: str
    media: list[Media] = Field(default_factory=list)
    stored_media: list[StoredMedia] = Field(
        default_factory=list, description="What became of each media item."
    )
    location: Location | None = None

    @property
    def screened_text(self) -> str:
        """What the red-flag engine and the summarizer read: the text, then any voice-note transcript."""
        parts = [self.body] if self.body else []
        parts += [m.transcript for m in self.stored_media if m.transcript]
        return "\n".join(parts)


class Conversation(BaseModel):
    """Everything a summarizer may read: the patient's messages in order, and the engine's view."""

    case_id: str
    messages: list[ConversationMessage]
    assessment: Assessment

    @property
    def text(self) -> str:
        return "\n".join(message.screened_text for message in self.messages if message.screened_text)


class CaseStatus(str, Enum):
    NEW = "new"
    IN_REVIEW = "in_review"
    CLOSED = "closed"


class ReportRef(BaseModel):
    """Where the PDF of one summary version lives (an S3 key and, with bucket versioning, its version)."""

    version: int
    key: str
    s3_version_id: str | None = None
    created_at: datetime
    urgency: Urgency


class CaseRecord(BaseModel):
    """One patient case as the doctors see it: the current summary and every report version."""

    model_config = WIRE_NAMES

    case_id: str = Field(alias=CASE_ID_WIRE)
    patient: str = Field(description="Masked WhatsApp number, e.g. 'whatsapp:***4567'.")
    profile: str | None = Field(default=None, description="Masked WhatsApp profile name (initials).")
    status: CaseStatus = CaseStatus.NEW
    assignee: str | None = None
    urgency: Urgency
    version: int
    summary: TriageSummary
    message_count: int
    created_at: datetime
    updated_at: datetime
    last_message_at: datetime
    reports: dict[str, ReportRef] = Field(default_factory=dict)

    def report(self, version: int | None = None) -> ReportRef | None:
        return self.reports.get(str(self.version if version is None else version))
