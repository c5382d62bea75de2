"""The worker's core: apply one job to the patient's case, exactly once in effect.

Order of effects, so that a crash at any point followed by a redelivery converges on the same state:
1. find or open the case (a redelivered message finds the case it was already added to);
2. add the message (unique on MessageSid: a second add is a no-op);
3. summarize the whole conversation; version = number of messages in the case (deterministic);
4. store the PDF and raw JSON in S3 (same keys for the same version: a re-put replaces identical content);
5. upsert the case at that version (an older version never overwrites a newer one);
6. only then may the caller ack.

Escalation (domain.escalation) runs around steps 4-5: the patient's emergency/urgent instruction is sent right
after the summary (so the PDF records it), the on-call page right after the case is saved (so its console link
opens the case). Both are claimed before they are sent, so a redelivery or a retry does neither twice; a
Twilio outage does not hold back the page (the send's error is raised only after the page).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from fasttriage.domain import escalation, redflags
from fasttriage.domain.errors import MessengerUnavailable, ReportStoreError
from fasttriage.domain.followup import Messenger, OutboundLog, OutboundRecord, send_follow_up
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
from fasttriage.domain.transcription import Transcriber, transcribe_voice_notes
from fasttriage.domain.urgency import Urgency, most_urgent


class CaseRepository(Protocol):
    def active_case(
        self, patient_key: str, since: datetime, case_number: int | None = None
    ) -> str | None: ...
    def add_message(self, case_id: str, job: TriageJob) -> tuple[str, bool]: ...
    def conversation(self, case_id: str) -> list[ConversationMessage]: ...
    def get(self, case_id: str) -> CaseRecord | None: ...
    def erase_patient(self, patient_key: str) -> list[str]: ...
    def case_ids(self, patient_key: str) -> list[str]: ...
    def erase_case(self, case_id: str) -> None: ...
    def message_sids(self, patient_key: str) -> list[str]: ...
    def set_media(self, message_sid: str, media: list[StoredMedia]) -> None: ...
    def save_summary(
        self,
        *,
        case_id: str,
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
    def remember_erased_messages(self, patient_key: str, message_ids: list[str]) -> None: ...
    def is_erased_message(self, patient_key: str, message_id: str) -> bool: ...
    def record_erasure(self, patient_key: str, at: datetime) -> None: ...
    def current_case_number(self, patient_key: str) -> int: ...
    def start_new_case_once(self, patient_key: str, command_id: str, now: datetime) -> bool: ...


class ObjectStore(Protocol):
    def put(self, key: str, body: bytes, content_type: str) -> StoredObjectLike: ...
    def get(self, key: str, version_id: str | None = None) -> bytes: ...
    def delete_case(self, case_id: str) -> int: ...


class ParkedJobs(Protocol):
    """Jobs waiting outside the job queues (dead letters, delayed retries)."""

    def remove_patient(self, patient_key: str) -> int: ...


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
    parked: ParkedJobs | None = None  # erasure also removes the patient's dead-lettered and delayed jobs
    escalation: escalation.EscalationPorts | None = None  # patient instructions and pages
    transcriber: Transcriber | None = None  # voice notes (Amazon Transcribe; a sidecar reader locally)
    on_transcription_failed: Callable[[str], None] | None = None  # a metric; the reason, never patient data


@dataclass(frozen=True)
class Outcome:
    case_id: str | None
    version: int
    urgency: str | None
    producer: str | None
    new_message: bool
    report_key: str | None
    skipped: str | None = None  # why nothing was stored, when nothing was
    follow_up: str | None = None  # what became of the follow-up message, when enabled
    instruction: str | None = None  # what became of the emergency/urgent instruction to the patient
    page: str | None = None  # what became of the page to on-call clinicians


@dataclass(frozen=True)
class ErasureOutcome:
    cases: int
    objects: int
    parked_jobs: int = 0  # removed from the dead-letter and delay queues


def erase_patient(job: TriageJob, ports: Ports) -> ErasureOutcome:
    """Deletes the patient's messages, cases, every S3 object version under their cases and their parked jobs.
    Idempotent."""
    # The tombstone first: the webhook's registry may have been down when "delete my data" arrived.
    ports.patients.record_erasure(job.patient_key, job.received_at)
    # Remembered (hashed): a replay of any of these messages, or Twilio's late retry, is refused later.
    known = [erased_message_id(sid) for sid in ports.repository.message_sids(job.patient_key)]
    ports.patients.remember_erased_messages(job.patient_key, known)
    # S3 first: if a delete fails the job is retried, and the case ids are still there to find the objects.
    objects = sum(ports.store.delete_case(sid) for sid in ports.repository.case_ids(job.patient_key))
    ids = ports.repository.erase_patient(job.patient_key)
    objects += sum(ports.store.delete_case(case_id) for case_id in ids)  # a case saved meanwhile
    if ports.outbound is not None:
        ports.outbound.erase_patient(job.patient_key)
    parked = ports.parked.remove_patient(job.patient_key) if ports.parked is not None else 0
    return ErasureOutcome(cases=len(ids), objects=objects, parked_jobs=parked)


def start_new_case(job: TriageJob, ports: Ports) -> bool:
    """A "new" the webhook could not apply (registry down): applied once per MessageSid."""
    return ports.patients.start_new_case_once(job.patient_key, job.message.message_sid, job.received_at)


def new_case_id(first_message_sid: str) -> str:
    """Deterministic from the case's first message, so a redelivery re-creates the same id."""
    return hashlib.sha256(f"case:{first_message_sid}".encode()).hexdigest()[:32]


def conversation_assessment(messages: list[ConversationMessage], job_assessment: Assessment) -> Assessment:
    """Re-screens the whole conversation; the floor never falls below what the webhook already found."""
    combined = redflags.assess("\n".join(m.screened_text for m in messages if m.screened_text))
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
    case_idle_timeout: timedelta,
    mask_patient: Callable[[str], str],
    mask_profile: Callable[[str | None], str | None],
    follow_up_enabled: bool = False,
    last_attempt: bool = False,
    on_case: Callable[[str], None] | None = None,
) -> Outcome:
    repository = ports.repository
    if _erased_after(job, ports):
        ports.patients.remember_erased_messages(job.patient_key, [erased_message_id(job.message.message_sid)])
        return _ERASED
    message_sid = job.message.message_sid
    if (
        job.case_number is None
    ):  # stamped while the webhook's registry was down: the patient's case number now
        job = job.model_copy(update={"case_number": ports.patients.current_case_number(job.patient_key)})
    candidate = repository.active_case(
        job.patient_key, since=job.received_at - case_idle_timeout, case_number=job.case_number
    ) or new_case_id(message_sid)
    # A redelivered message stays in the case it was first added to, whatever is open now.
    case_id, new_message = repository.add_message(candidate, job)
    if on_case is not None:
        on_case(case_id)  # e.g. so that every later log line of this job carries the case id
    messages = repository.conversation(case_id)
    version = len(messages)
    resent: tuple[str | None, str | None] | None = None  # (instruction, page) of a redelivery that sent
    if not new_message:
        done = repository.get(case_id)
        ref = done.report(version) if done is not None and done.version >= version else None
        if done is not None and ref is not None:  # a redelivery of a job whose effects are all stored
            rules_floor = conversation_assessment(messages, job.assessment).urgency_floor
            instruction, failed = _instruct(job, case_id, done.summary, rules_floor, ports, now)
            page = _page(case_id, done.summary, messages, ports, now)
            if failed is not None:
                raise failed
            sent_now = instruction is not None and instruction.startswith("sent:")
            if not sent_now:
                follow_up = _follow_up(job, case_id, done.summary, messages, ports, follow_up_enabled, now)
                return Outcome(
                    case_id=case_id,
                    version=version,
                    urgency=done.urgency.value,
                    producer=done.summary.provenance.producer,
                    new_message=False,
                    report_key=ref.key,
                    follow_up=follow_up,
                    instruction=instruction,
                    page=page,
                )
            # Sent only now (Twilio was down before): store this version's PDF again, so that it lists it.
            resent = (instruction, page)
    outcome = _process(
        job,
        case_id,
        messages,
        version,
        new_message,
        ports,
        now,
        mask_patient,
        mask_profile,
        follow_up_enabled,
        last_attempt,
    )
    return outcome if resent is None else replace(outcome, instruction=resent[0], page=resent[1])


def _process(
    job: TriageJob,
    case_id: str,
    messages: list[ConversationMessage],
    version: int,
    new_message: bool,
    ports: Ports,
    now: Callable[[], datetime],
    mask_patient: Callable[[str], str],
    mask_profile: Callable[[str | None], str | None],
    follow_up_enabled: bool,
    last_attempt: bool,
) -> Outcome:
    """Steps 3-6 for a message of the case: media, summary, instruction, PDF, save, page, follow-up."""
    repository, store = ports.repository, ports.store
    message_sid = job.message.message_sid
    if job.message.media and ports.media is not None:
        if _erased_after(job, ports):  # erasure checks: before every write (issue 13.3)
            return _sweep(case_id, ports, job)
        results = store_media(
            job, case_id, ports.media, store, retry_transient=not last_attempt, thumbnails=True
        )
        if ports.transcriber is not None:
            results = _keep_transcripts(results, messages, message_sid)  # a redelivery does not pay twice
            texts = [m for m in messages if m.body.strip()]
            language = conversation_assessment(texts, job.assessment).language if texts else None
            results = transcribe_voice_notes(
                results,
                language=language,
                transcriber=ports.transcriber,
                on_failure=ports.on_transcription_failed,
            )
        repository.set_media(message_sid, results)
        messages = repository.conversation(case_id)
    conversation = Conversation(
        case_id=case_id,
        messages=messages,
        assessment=conversation_assessment(messages, job.assessment),
    )
    summary = ports.summarizer.summarize(conversation)
    instruction, failed = _instruct(job, case_id, summary, conversation.assessment.urgency_floor, ports, now)

    generated_at = now()
    patient, profile = mask_patient(job.message.sender), mask_profile(job.message.profile_name)
    pdf = render_pdf(
        ReportContext(
            case_id=case_id,
            version=version,
            patient=patient,
            profile=profile,
            messages=messages,
            summary=summary,
            generated_at=generated_at,
            escalations=_history_lines(case_id, ports),
            sent=_sent_to_patient(case_id, ports),
            images=_thumbnails(messages, store),
        )
    )
    if _erased_after(job, ports):  # the erasure may have come while the summarizer ran
        return _sweep(case_id, ports, job)
    stored = store.put(f"triage/{case_id}/report.pdf", pdf, "application/pdf")
    raw = {
        "summary_id": case_id,
        "version": version,
        "messages": [m.model_dump(mode="json") for m in messages],
        "summary": summary.model_dump(mode="json"),
        "generated_at": generated_at.isoformat(),
    }
    if _erased_after(job, ports):
        return _sweep(case_id, ports, job)
    store.put(f"triage/{case_id}/raw.json", json.dumps(raw).encode(), "application/json")
    report = ReportRef(
        version=version,
        key=stored.key,
        s3_version_id=stored.version_id,
        created_at=generated_at,
        urgency=summary.urgency,
    )
    if _erased_after(job, ports):
        return _sweep(case_id, ports, job)
    repository.save_summary(
        case_id=case_id,
        job=job,
        patient=patient,
        profile=profile,
        summary=summary,
        version=version,
        report=report,
        last_message_at=max(m.received_at for m in messages),
        now=generated_at,
    )
    if _erased_after(job, ports):  # erased (and swept) while we wrote: sweep once more
        return _sweep(case_id, ports, job)
    page = _page(case_id, summary, messages, ports, now)
    if failed is not None:
        raise failed  # the instruction was not sent: retry the job (everything else is done and claimed)
    follow_up = _follow_up(job, case_id, summary, messages, ports, follow_up_enabled, now)
    return Outcome(
        case_id=case_id,
        version=version,
        urgency=summary.urgency.value,
        producer=summary.provenance.producer,
        new_message=new_message,
        report_key=stored.key,
        follow_up=follow_up,
        instruction=instruction,
        page=page,
    )


_ERASED = Outcome(
    None, 0, None, None, False, None, skipped="the patient erased their data after this message"
)


def erased_message_id(message_sid: str) -> str:
    """What is kept of an erased message: a hash of its MessageSid, enough to recognise a replay."""
    return hashlib.sha256(f"erased-message:{message_sid}".encode()).hexdigest()


def _erased_after(job: TriageJob, ports: Ports) -> bool:
    """True when the patient asked for erasure after this message arrived (their tombstone is newer), or when
    this message was erased before (a replayed request or a late retry is stamped after the erasure)."""
    erased_at = ports.patients.erased_at(job.patient_key)
    if erased_at is None:
        return False
    if job.received_at <= erased_at:
        return True
    return ports.patients.is_erased_message(job.patient_key, erased_message_id(job.message.message_sid))


def _sweep(case_id: str, ports: Ports, job: TriageJob) -> Outcome:
    """Removes what this job stored before it saw the erasure: the case (its messages) and its S3 objects.

    Messages sent after the erasure belong to a new case number, hence to another case: nothing else is touched.
    """
    ports.patients.remember_erased_messages(job.patient_key, [erased_message_id(job.message.message_sid)])
    ports.repository.erase_case(case_id)
    ports.store.delete_case(case_id)
    return _ERASED


def _instruct(
    job: TriageJob,
    case_id: str,
    summary: TriageSummary,
    rules_floor: Urgency | None,
    ports: Ports,
    now: Callable[[], datetime],
) -> tuple[str | None, MessengerUnavailable | None]:
    """The emergency/urgent instruction to the patient; a Twilio outage is returned, to raise after the page."""
    esc = ports.escalation
    if esc is None or esc.messenger is None or esc.outbound is None:
        return None, None
    try:
        result = escalation.instruct_patient(
            job,
            case_id,
            summary,
            rules_floor=rules_floor,
            messenger=esc.messenger,
            outbound=esc.outbound,
            now=now,
        )
    except MessengerUnavailable as exc:
        return "failed:twilio_unavailable", exc
    return f"{result.status}:{result.reason}", None


def _page(
    case_id: str,
    summary: TriageSummary,
    messages: list[ConversationMessage],
    ports: Ports,
    now: Callable[[], datetime],
) -> str | None:
    """The on-call page for a new or upgraded emergency/urgent case; PagerUnavailable propagates (retry)."""
    if ports.escalation is None:
        return None
    result = escalation.page_case(
        case_id,
        summary,
        first_message_at=min(m.received_at for m in messages),
        ports=ports.escalation,
        now=now,
    )
    return f"{result.status}:{result.reason}"


def _keep_transcripts(
    results: list[StoredMedia], messages: list[ConversationMessage], message_sid: str
) -> list[StoredMedia]:
    """The transcripts a previous delivery of this message already stored, carried over to the same objects."""
    before = {
        m.key: m
        for message in messages
        if message.message_sid == message_sid
        for m in message.stored_media
        if m.transcript_status == "done" and m.key
    }
    fields = ("transcript", "transcript_status", "transcript_language")
    return [
        item.model_copy(update={f: getattr(before[item.key], f) for f in fields})
        if item.key in before
        else item
        for item in results
    ]


def _thumbnails(messages: list[ConversationMessage], store: ObjectStore) -> dict[str, bytes]:
    """The photos' thumbnails for the PDF; one that cannot be read is left out (the report still lists it)."""
    images: dict[str, bytes] = {}
    for message in messages:
        for item in message.stored_media:
            if item.thumbnail_key:
                try:
                    images[item.thumbnail_key] = store.get(item.thumbnail_key, item.thumbnail_version_id)
                except ReportStoreError:
                    continue
    return images


def _sent_to_patient(case_id: str, ports: Ports) -> list[OutboundRecord]:
    """What was sent to the patient so far (doctors' replies, instructions, follow-ups), for the PDF thread."""
    outbound = ports.outbound or (ports.escalation.outbound if ports.escalation is not None else None)
    return [r for r in outbound.history(case_id) if r.state != "sending"] if outbound is not None else []


def _history_lines(case_id: str, ports: Ports) -> list[str]:
    """What escalation did so far, one line each, for the PDF."""
    esc = ports.escalation
    if esc is None:
        return []
    instructions = esc.outbound.history(case_id) if esc.outbound is not None else []
    pages = esc.pages.history(case_id) if esc.pages is not None else []
    return [entry.line() for entry in escalation.history_entries(instructions, pages)]


def _follow_up(
    job: TriageJob,
    case_id: str,
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
        case_id,
        summary,
        enabled=enabled,
        latest_message_sid=messages[-1].message_sid,
        messenger=ports.messenger,
        outbound=ports.outbound,
        now=now,
    )
    return f"{result.status}:{result.reason}" if result.reason else result.status
