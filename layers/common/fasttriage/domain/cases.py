"""The doctors' core: the triage queue, one case, status edits, report links, and the audit trail.

Pure: the repository, the report store and the audit log are ports passed in. Every function that shows
patient data to a doctor records who asked, what and when in the audit log before it answers.

Concurrency rule for edits (PATCH): a doctor sends back the `version` and `revision` of the case as they
loaded it. `version` grows when the patient sends a message (the worker re-summarizes); `revision` grows with
every doctor edit. The edit applies only if neither moved; otherwise the answer is a conflict and the doctor
reloads: nobody closes a case on a summary older than the one stored, and two doctors never overwrite each
other silently.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from fasttriage.domain.errors import FastTriageError, InvalidRequest, NotFound
from fasttriage.domain.escalation import EscalationEntry
from fasttriage.domain.followup import OutboundRecord
from fasttriage.domain.models import (
    CASE_ID_PATTERN,
    CASE_ID_WIRE,
    WIRE_NAMES,
    CaseRecord,
    CaseStatus,
    ConversationMessage,
    TriageSummary,
)
from fasttriage.domain.thread import ThreadEntry, ThumbnailLink, build_thread
from fasttriage.domain.urgency import Urgency

DEFAULT_LIMIT = 25
MAX_LIMIT = 100

# Which status a case may move to from each status. Same-status edits are allowed (to change the assignee).
TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.NEW: frozenset({CaseStatus.IN_REVIEW}),
    CaseStatus.IN_REVIEW: frozenset({CaseStatus.CLOSED, CaseStatus.NEW}),  # close, or hand back to the queue
    CaseStatus.CLOSED: frozenset({CaseStatus.IN_REVIEW}),  # reopen
}


@dataclass(frozen=True)
class Doctor:
    """The verified caller of one request (from the authorizer's claims)."""

    subject: str
    username: str
    request_id: str | None = None


# --- errors ------------------------------------------------------------------------------------------------


class EditConflict(FastTriageError):
    """An edit cannot apply to the case as it is now; `current` says what the case is now."""

    code = "conflict"

    def __init__(self, message: str, current: dict[str, Any]) -> None:
        super().__init__(message)
        self.current = current


class VersionConflict(EditConflict):
    """The case changed (a patient message or another doctor's edit) since the doctor loaded it."""

    code = "version_conflict"


class TransitionNotAllowed(EditConflict):
    """The status cannot move from its current value to the one asked for."""

    code = "transition_not_allowed"


# --- boundary models ---------------------------------------------------------------------------------------


def _utc(value: datetime) -> datetime:
    """Mongo hands back naive UTC datetimes; the API always answers with an explicit offset."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class SortKey(BaseModel):
    """Where a queue page ends: the sort key of its last row (urgency rank, newest first, then id)."""

    model_config = ConfigDict(frozen=True)

    urgency_rank: int = Field(ge=0, le=len(Urgency) - 1)
    updated_at: datetime
    case_id: str = Field(pattern=CASE_ID_PATTERN.pattern)

    @field_validator("updated_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return _utc(value)


class QueueQuery(BaseModel):
    urgency: list[Urgency] = Field(default_factory=list, description="Any of these; empty = all.")
    status: list[CaseStatus] = Field(default_factory=list, description="Any of these; empty = all.")
    since: datetime | None = Field(default=None, description="Only cases updated at or after this instant.")
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    after: SortKey | None = None


class QueueItem(BaseModel):
    """One row of the doctors' queue: masked identifiers and the triage headline, no message text."""

    model_config = WIRE_NAMES

    case_id: str = Field(alias=CASE_ID_WIRE)
    patient: str
    profile: str | None = None
    urgency: Urgency
    status: CaseStatus
    assignee: str | None = None
    chief_complaint: str
    red_flags: list[str] = Field(default_factory=list, description="Red flag codes.")
    version: int
    revision: int = 0
    updated_at: datetime
    producer: Literal["llm", "fallback"]

    @field_validator("updated_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return _utc(value)

    def sort_key(self) -> SortKey:
        return SortKey(urgency_rank=self.urgency.rank, updated_at=self.updated_at, case_id=self.case_id)


class QueuePage(BaseModel):
    items: list[QueueItem]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")
    limit: int


class VersionInfo(BaseModel):
    version: int
    created_at: datetime
    urgency: Urgency


class CaseDetail(BaseModel):
    """One case for a doctor: the structured summary, its state and every report version."""

    model_config = WIRE_NAMES

    case_id: str = Field(alias=CASE_ID_WIRE)
    patient: str
    profile: str | None = None
    status: CaseStatus
    assignee: str | None = None
    urgency: Urgency
    version: int = Field(description="Summary version; grows with every patient message.")
    revision: int = Field(description="Doctor-edit counter; grows with every status/assignee change.")
    message_count: int
    created_at: datetime
    updated_at: datetime
    last_message_at: datetime
    summary: TriageSummary
    versions: list[VersionInfo]
    escalations: list[EscalationEntry] = Field(
        default_factory=list,
        description="Who was told what and when: the patient's emergency/urgent instruction, pages to on-call "
        "clinicians and to the escalation contact (domain.escalation), oldest first.",
    )
    thread: list[ThreadEntry] = Field(
        default_factory=list,
        description="The conversation: the patient's messages (text, shared locations, photos as short-lived "
        "thumbnail links, voice-note machine transcriptions) and every message sent to the patient (doctors' "
        "replies with Twilio's delivery status, instructions, follow-ups), oldest first.",
    )
    reply_window_open: bool = Field(
        default=False,
        description="True while WhatsApp's 24-hour customer service window is open: a free-form reply can go.",
    )


@dataclass(frozen=True)
class CaseView:
    """A case as stored plus its doctor-edit revision (kept outside CaseRecord, which the worker writes)."""

    record: CaseRecord
    revision: int = 0
    escalations: list[EscalationEntry] = field(default_factory=list)
    messages: list[ConversationMessage] = field(default_factory=list)
    outbound: list[OutboundRecord] = field(default_factory=list)
    contact: str | None = None  # the patient's full WhatsApp address: never in an answer but the reveal
    clinic: str | None = None  # the clinic's WhatsApp sender the patient wrote to
    patient_key: str | None = None  # pseudonymous: what an erasure finds the case's outbound messages by


class StatusChange(BaseModel):
    """PATCH /summaries/{id}. `assignee` omitted: in_review -> the caller, new -> nobody, closed -> unchanged."""

    model_config = ConfigDict(extra="forbid")

    status: CaseStatus
    assignee: str | None = Field(default=None, min_length=1, max_length=128, pattern=r"^[^\x00-\x1f\x7f]+$")
    expected_version: StrictInt = Field(ge=1, description="The case `version` you loaded.")
    expected_revision: StrictInt = Field(ge=0, description="The case `revision` you loaded.")


AuditAction = Literal[
    "list_summaries", "get_summary", "get_report_link", "update_summary", "reveal_phone", "send_reply"
]

# WhatsApp's customer service window: free-form messages only within 24 hours of the patient's last message.
REPLY_WINDOW = timedelta(hours=24)


class AuditEntry(BaseModel):
    """One line of the append-only audit trail: who saw or changed what, and when. No patient data."""

    model_config = WIRE_NAMES

    at: datetime
    subject: str
    username: str
    action: AuditAction
    case_id: str | None = Field(default=None, alias=CASE_ID_WIRE)
    case_ids: list[str] = Field(
        default_factory=list, alias=CASE_ID_WIRE + "s", description="Cases a list answer showed."
    )
    filter: dict[str, Any] | None = None
    detail: dict[str, Any] = Field(default_factory=dict)
    outcome: str = "ok"
    request_id: str | None = None


# --- ports -------------------------------------------------------------------------------------------------


class CaseReader(Protocol):
    def get(self, case_id: str) -> CaseRecord | None: ...


class CaseStore(CaseReader, Protocol):
    def list_queue(self, query: QueueQuery) -> list[QueueItem]: ...
    def get_view(self, case_id: str) -> CaseView | None: ...
    def update_case_status(
        self,
        case_id: str,
        *,
        expected_version: int,
        expected_revision: int,
        status: CaseStatus,
        assignee: str | None,
        by: str,
        now: datetime,
    ) -> int | None: ...


class AuditLog(Protocol):
    def record_audit(self, entry: AuditEntry) -> None: ...


class ReportLinks(Protocol):
    def exists(self, key: str, version_id: str | None = None) -> bool: ...
    def presigned_get(
        self,
        key: str,
        version_id: str | None,
        filename: str,
        expires_s: int,
        content_type: str = "application/pdf",
        inline: bool = False,
    ) -> str: ...


class DoctorsCases(CaseStore, AuditLog, Protocol):
    """What the doctors' API needs of the case store: read, list, change status, audit."""


class DoctorsReports(ReportLinks, Protocol):
    """Report links, and the store's origin for the photo thumbnails' presigned URLs."""

    def origin(self) -> str: ...


class ReportLink(BaseModel):
    model_config = WIRE_NAMES

    case_id: str = Field(alias=CASE_ID_WIRE)
    version: int
    url: str
    expires_at: datetime
    filename: str


# --- parameters --------------------------------------------------------------------------------------------


def check_case_id(case_id: str) -> str:
    if not CASE_ID_PATTERN.match(case_id):
        raise InvalidRequest("summary_id must be 32 lowercase hexadecimal characters")
    return case_id


def parse_version(raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise InvalidRequest("version must be a positive whole number")
    return int(raw)


def encode_cursor(key: SortKey) -> str:
    raw = json.dumps([key.urgency_rank, key.updated_at.isoformat(), key.case_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> SortKey:
    problem = InvalidRequest("cursor is malformed: pass the next_cursor of the previous page unchanged")
    if len(cursor) > 200:
        raise problem
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        rank, updated_at, case_id = json.loads(raw)
        return SortKey(urgency_rank=rank, updated_at=updated_at, case_id=case_id)
    except (binascii.Error, ValueError, TypeError) as exc:  # pydantic's ValidationError is a ValueError
        raise problem from exc


def _members(field: str, raw: str | None, kind: type[Urgency] | type[CaseStatus]) -> list[Any]:
    if raw is None or not raw.strip():
        return []
    values = []
    for part in raw.split(","):
        try:
            values.append(kind(part.strip()))
        except ValueError:
            allowed = ", ".join(member.value for member in kind)
            raise InvalidRequest(f"{field}: '{part.strip()[:32]}' is not one of {allowed}") from None
    return list(dict.fromkeys(values))


def queue_query(
    *, urgency: str | None, status: str | None, since: datetime | None, limit: int, cursor: str | None
) -> QueueQuery:
    """The validated queue filter; `urgency` and `status` take comma-separated values."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidRequest(f"limit must be between 1 and {MAX_LIMIT}")
    return QueueQuery(
        urgency=_members("urgency", urgency, Urgency),
        status=_members("status", status, CaseStatus),
        since=_utc(since) if since else None,
        limit=limit,
        after=decode_cursor(cursor) if cursor else None,
    )


# --- reads -------------------------------------------------------------------------------------------------


def _audit(audit: AuditLog, doctor: Doctor, action: AuditAction, now: datetime, **fields: Any) -> None:
    audit.record_audit(
        AuditEntry(
            at=now,
            subject=doctor.subject,
            username=doctor.username,
            action=action,
            request_id=doctor.request_id,
            **fields,
        )
    )


def list_queue(
    query: QueueQuery, *, doctor: Doctor, cases: CaseStore, audit: AuditLog, now: datetime
) -> QueuePage:
    """Most urgent first, newest first within a level; one page of at most `query.limit` rows."""
    rows = cases.list_queue(query.model_copy(update={"limit": query.limit + 1}))
    page, more = rows[: query.limit], len(rows) > query.limit
    _audit(
        audit,
        doctor,
        "list_summaries",
        now,
        case_ids=[item.case_id for item in page],
        filter={
            "urgency": [u.value for u in query.urgency],
            "status": [s.value for s in query.status],
            "since": query.since,
            "limit": query.limit,
            "after": query.after.case_id if query.after else None,
        },
    )
    return QueuePage(
        items=page,
        next_cursor=encode_cursor(page[-1].sort_key()) if more and page else None,
        limit=query.limit,
    )


def get_case(case_id: str, *, cases: CaseReader) -> CaseRecord:
    record = cases.get(check_case_id(case_id))
    if record is None:
        raise NotFound(f"no summary {case_id}")
    return record


def _view(case_id: str, cases: CaseStore) -> CaseView:
    view = cases.get_view(check_case_id(case_id))
    if view is None:
        raise NotFound(f"no summary {case_id}")
    return view


def _detail(
    view: CaseView, thumbnail_link: ThumbnailLink | None = None, now: datetime | None = None
) -> CaseDetail:
    record = view.record
    versions = sorted(record.reports.values(), key=lambda ref: ref.version)
    return CaseDetail(
        case_id=record.case_id,
        patient=record.patient,
        profile=record.profile,
        status=record.status,
        assignee=record.assignee,
        urgency=record.urgency,
        version=record.version,
        revision=view.revision,
        message_count=record.message_count,
        created_at=_utc(record.created_at),
        updated_at=_utc(record.updated_at),
        last_message_at=_utc(record.last_message_at),
        summary=record.summary,
        versions=[
            VersionInfo(version=r.version, created_at=_utc(r.created_at), urgency=r.urgency) for r in versions
        ],
        escalations=view.escalations,
        thread=build_thread(view.messages, view.outbound, thumbnail_link),
        reply_window_open=now is not None and window_open(view, now),
    )


def window_open(view: CaseView, now: datetime) -> bool:
    """Inside WhatsApp's 24-hour window since the patient's last message."""
    return now - _utc(view.record.last_message_at) < REPLY_WINDOW


def thumbnail_links(links: ReportLinks | None, ttl_s: int) -> ThumbnailLink | None:
    """Presigned GETs for photo thumbnails, as short-lived as the report links; never a public URL."""
    if links is None:
        return None

    def link(key: str, version_id: str | None) -> str:
        return links.presigned_get(key, version_id, key.rsplit("/", 1)[-1], ttl_s, "image/jpeg", inline=True)

    return link


def case_detail(
    case_id: str,
    *,
    doctor: Doctor,
    cases: CaseStore,
    audit: AuditLog,
    now: datetime,
    links: ReportLinks | None = None,
    ttl_s: int = 300,
) -> CaseDetail:
    detail = _detail(_view(case_id, cases), thumbnail_links(links, ttl_s), now)
    _audit(audit, doctor, "get_summary", now, case_id=case_id, detail={"version": detail.version})
    return detail


def report_link(
    case_id: str,
    version: int | None,
    *,
    doctor: Doctor,
    cases: CaseReader,
    links: ReportLinks,
    audit: AuditLog,
    ttl_s: int,
    now: datetime,
) -> ReportLink:
    record = get_case(case_id, cases=cases)
    ref = record.report(version)
    if ref is None:
        raise NotFound(f"summary {case_id} has no version {version}")
    if not links.exists(ref.key, ref.s3_version_id):
        raise NotFound(f"the report of summary {case_id} version {ref.version} is not stored")
    filename = f"fasttriage-{case_id[:8]}-v{ref.version}.pdf"
    url = links.presigned_get(ref.key, ref.s3_version_id, filename, ttl_s)
    _audit(audit, doctor, "get_report_link", now, case_id=case_id, detail={"version": ref.version})
    return ReportLink(
        case_id=case_id,
        version=ref.version,
        url=url,
        expires_at=now + timedelta(seconds=ttl_s),
        filename=filename,
    )


# --- edits -------------------------------------------------------------------------------------------------


def _state(view: CaseView) -> dict[str, Any]:
    r = view.record
    return {"version": r.version, "revision": view.revision, "status": r.status.value, "assignee": r.assignee}


def _check_fresh(view: CaseView, change: StatusChange) -> None:
    record = view.record
    if record.version != change.expected_version:
        raise VersionConflict(
            f"the case changed since you loaded it: the patient sent a new message (version {record.version}, "
            f"you loaded {change.expected_version}); reload it before changing its status",
            _state(view),
        )
    if view.revision != change.expected_revision:
        raise VersionConflict(
            f"the case changed since you loaded it: another edit was saved (revision {view.revision}, "
            f"you loaded {change.expected_revision}); reload it before changing its status",
            _state(view),
        )


def _assignee(change: StatusChange, view: CaseView, doctor: Doctor) -> str | None:
    if "assignee" in change.model_fields_set:
        return change.assignee
    if change.status is CaseStatus.IN_REVIEW:
        return view.record.assignee or doctor.username
    if change.status is CaseStatus.NEW:
        return None
    return view.record.assignee


def change_status(
    case_id: str,
    change: StatusChange,
    *,
    doctor: Doctor,
    cases: CaseStore,
    audit: AuditLog,
    now: datetime,
) -> CaseDetail:
    """Applies a status/assignee edit if the case is still as the doctor loaded it; audits every attempt."""
    view = _view(case_id, cases)
    current = view.record.status
    outcome = "error"
    try:
        _check_fresh(view, change)
        if change.status is not current and change.status not in TRANSITIONS[current]:
            allowed = ", ".join(sorted(s.value for s in TRANSITIONS[current]))
            raise TransitionNotAllowed(
                f"status cannot go from {current.value} to {change.status.value}; from {current.value} it can "
                f"go to {allowed}",
                _state(view),
            )
        revision = cases.update_case_status(
            case_id,
            expected_version=change.expected_version,
            expected_revision=change.expected_revision,
            status=change.status,
            assignee=_assignee(change, view, doctor),
            by=doctor.username,
            now=now,
        )
        if revision is None:  # lost a race between our read and our write
            _check_fresh(_view(case_id, cases), change)
            raise VersionConflict(
                "the case changed while you saved; reload it", _state(_view(case_id, cases))
            )
        outcome = "ok"
    except EditConflict as exc:
        outcome = exc.code
        raise
    finally:
        _audit(
            audit,
            doctor,
            "update_summary",
            now,
            case_id=case_id,
            outcome=outcome,
            detail={
                "from": current.value,
                "to": change.status.value,
                "expected_version": change.expected_version,
                "expected_revision": change.expected_revision,
            },
        )
    return _detail(_view(case_id, cases), now=now)
