"""The worker's core: apply one job to the patient's case, exactly once in effect.

Order of effects, so that a crash at any point followed by a redelivery converges on the same state:
1. find or open the case (a redelivered message finds the case it was already added to);
2. add the message (unique on MessageSid: a second add is a no-op);
3. summarize the whole conversation; version = number of messages in the case (deterministic);
4. store the PDF and raw JSON in S3 (same keys for the same version: a re-put replaces identical content);
5. upsert the case at that version (an older version never overwrites a newer one);
6. only then may the caller ack.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from fasttriage.domain import redflags
from fasttriage.domain.followup import Messenger, OutboundLog, send_follow_up
from fasttriage.domain.media import MediaFetcher, StoredObjectLike, store_media
from fasttriage.domain.models import (
    Assessment,
    CaseRecord,
    Conversation,
    ConversationMessage,
    ReportRef,
    StoredMedia,
    TriageJob,
    TriageSummary,
)
from fasttriage.domain.report import ReportContext, render_pdf
from fasttriage.domain.summarizer import Summarizer
from fasttriage.domain.urgency import most_urgent


class CaseRepository(Protocol):
    def open_session(self, patient_key: str, since: datetime, epoch: int | None = None) -> str | None: ...
    def add_message(self, summary_id: str, job: TriageJob) -> tuple[str, bool]: ...
    def conversation(self, summary_id: str) -> list[ConversationMessage]: ...
    def get(self, summary_id: str) -> CaseRecord | None: ...
    def erase_patient(self, patient_key: str) -> list[str]: ...
    def set_media(self, message_sid: str, media: list[StoredMedia]) -> None: ...
    def save_summary(
        self,
        *,
        summary_id: str,
        job: TriageJob,
        patient: str,
        profile: str | None,
        summary: TriageSummary,
        version: int,
        report: ReportRef,
        last_message_at: datetime,
        now: datetime,
    ) -> bool: ...


class PatientTombstones(Protocol):
    def erased_at(self, patient_key: str) -> datetime | None: ...
    def record_erasure(self, patient_key: str, at: datetime) -> None: ...
    def current_epoch(self, patient_key: str) -> int: ...
    def start_new_case_once(self, patient_key: str, command_id: str, now: datetime) -> bool: ...


class ObjectStore(Protocol):
    def put(self, key: str, body: bytes, content_type: str) -> StoredObjectLike: ...
    def delete_case(self, summary_id: str) -> int: ...


@dataclass(frozen=True)
class Ports:
    """Everything a job touches outside pure Python. Media and follow-ups are off when their port is None."""

    repository: CaseRepository
    patients: PatientTombstones
    summarizer: Summarizer
    store: ObjectStore
    media: MediaFetcher | None = None
    messenger: Messenger | None = None
    outbound: OutboundLog | None = None


@dataclass(frozen=True)
class Outcome:
    summary_id: str | None
    version: int
    urgency: str | None
    producer: str | None
    new_message: bool
    report_key: str | None
    skipped: str | None = None  # why nothing was stored, when nothing was
    follow_up: str | None = None  # what became of the follow-up message, when enabled


@dataclass(frozen=True)
class ErasureOutcome:
    cases: int
    objects: int


def erase_patient(job: TriageJob, ports: Ports) -> ErasureOutcome:
    """Deletes the patient's messages, cases and every S3 object version under their cases. Idempotent."""
    ports.patients.record_erasure(
        job.patient_key, job.received_at
    )  # the webhook's registry may have been down
    ids = ports.repository.erase_patient(job.patient_key)
    objects = sum(ports.store.delete_case(summary_id) for summary_id in ids)  # reports, raw JSON and media
    if ports.outbound is not None:
        ports.outbound.erase_patient(job.patient_key)
    return ErasureOutcome(cases=len(ids), objects=objects)


def start_new_case(job: TriageJob, ports: Ports) -> bool:
    """A "new" the webhook could not apply (registry down): applied once per MessageSid."""
    return ports.patients.start_new_case_once(job.patient_key, job.message.message_sid, job.received_at)


def new_summary_id(first_message_sid: str) -> str:
    """Deterministic from the case's first message, so a redelivery re-creates the same id."""
    return hashlib.sha256(f"case:{first_message_sid}".encode()).hexdigest()[:32]


def conversation_assessment(messages: list[ConversationMessage], job_assessment: Assessment) -> Assessment:
    """Re-screens the whole conversation; the floor never falls below what the webhook already found."""
    combined = redflags.assess("\n".join(m.body for m in messages if m.body))
    flags = {flag.code: flag for flag in [*job_assessment.red_flags, *combined.red_flags]}
    return combined.model_copy(
        update={
            "red_flags": list(flags.values()),
            "urgency_floor": most_urgent(combined.urgency_floor, job_assessment.urgency_floor),
        }
    )


def process_job(
    job: TriageJob,
    ports: Ports,
    *,
    now: Callable[[], datetime],
    session_timeout: timedelta,
    mask_patient: Callable[[str], str],
    mask_profile: Callable[[str | None], str | None],
    follow_up_enabled: bool = False,
    last_attempt: bool = False,
    on_case: Callable[[str], None] | None = None,
) -> Outcome:
    repository, store = ports.repository, ports.store
    erased_at = ports.patients.erased_at(job.patient_key)
    if erased_at is not None and job.received_at <= erased_at:
        return Outcome(
            None, 0, None, None, False, None, skipped="the patient erased their data after this message"
        )
    message_sid = job.message.message_sid
    if job.case_epoch is None:  # stamped while the webhook's registry was down: the patient's epoch now
        job = job.model_copy(update={"case_epoch": ports.patients.current_epoch(job.patient_key)})
    candidate = repository.open_session(
        job.patient_key, since=job.received_at - session_timeout, epoch=job.case_epoch
    ) or new_summary_id(message_sid)
    # A redelivered message stays in the case it was first added to, whatever is open now.
    summary_id, new_message = repository.add_message(candidate, job)
    if on_case is not None:
        on_case(summary_id)  # e.g. so that every later log line of this job carries the case id
    messages = repository.conversation(summary_id)
    version = len(messages)
    if not new_message:
        done = repository.get(summary_id)
        ref = done.report(version) if done is not None and done.version >= version else None
        if done is not None and ref is not None:  # a redelivery of a job whose effects are all stored
            follow_up = _follow_up(job, summary_id, done.summary, messages, ports, follow_up_enabled, now)
            return Outcome(
                summary_id=summary_id,
                version=version,
                urgency=done.urgency.value,
                producer=done.summary.provenance.producer,
                new_message=False,
                report_key=ref.key,
                follow_up=follow_up,
            )
    if job.message.media and ports.media is not None:
        results = store_media(job, summary_id, ports.media, store, retry_transient=not last_attempt)
        repository.set_media(message_sid, results)
        messages = repository.conversation(summary_id)
    conversation = Conversation(
        summary_id=summary_id,
        messages=messages,
        assessment=conversation_assessment(messages, job.assessment),
    )
    summary = ports.summarizer.summarize(conversation)

    generated_at = now()
    patient, profile = mask_patient(job.message.sender), mask_profile(job.message.profile_name)
    pdf = render_pdf(
        ReportContext(
            summary_id=summary_id,
            version=version,
            patient=patient,
            profile=profile,
            messages=messages,
            summary=summary,
            generated_at=generated_at,
        )
    )
    stored = store.put(f"triage/{summary_id}/report.pdf", pdf, "application/pdf")
    raw = {
        "summary_id": summary_id,
        "version": version,
        "messages": [m.model_dump(mode="json") for m in messages],
        "summary": summary.model_dump(mode="json"),
        "generated_at": generated_at.isoformat(),
    }
    store.put(f"triage/{summary_id}/raw.json", json.dumps(raw).encode(), "application/json")
    report = ReportRef(
        version=version,
        key=stored.key,
        s3_version_id=stored.version_id,
        created_at=generated_at,
        urgency=summary.urgency,
    )
    repository.save_summary(
        summary_id=summary_id,
        job=job,
        patient=patient,
        profile=profile,
        summary=summary,
        version=version,
        report=report,
        last_message_at=max(m.received_at for m in messages),
        now=generated_at,
    )
    follow_up = _follow_up(job, summary_id, summary, messages, ports, follow_up_enabled, now)
    return Outcome(
        summary_id=summary_id,
        version=version,
        urgency=summary.urgency.value,
        producer=summary.provenance.producer,
        new_message=new_message,
        report_key=stored.key,
        follow_up=follow_up,
    )


def _follow_up(
    job: TriageJob,
    summary_id: str,
    summary: TriageSummary,
    messages: list[ConversationMessage],
    ports: Ports,
    enabled: bool,
    now: Callable[[], datetime],
) -> str | None:
    """At most one follow-up per job, after the case is saved; the status (never patient text) for logs."""
    if not enabled or ports.messenger is None or ports.outbound is None:
        return None
    result = send_follow_up(
        job,
        summary_id,
        summary,
        enabled=enabled,
        latest_message_sid=messages[-1].message_sid,
        messenger=ports.messenger,
        outbound=ports.outbound,
        now=now,
    )
    return f"{result.status}:{result.reason}" if result.reason else result.status
