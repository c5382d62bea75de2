"""Issue 12, the worker's side: commands that travelled as jobs because the webhook's registry was down
("new", "delete my data") are applied exactly once, and a message stamped without a case epoch joins the
patient's current one. mongomock, an in-memory object store, no broker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fasttriage.adapters.consumer import Decision, Delivery
from fasttriage.adapters.mongo import MongoPatients, MongoRepository
from fasttriage.adapters.s3 import StoredObject
from fasttriage.domain.models import JobKind, TriageJob
from fasttriage.domain.processing import Ports
from fasttriage.domain.redflags import assess
from fasttriage.domain.summarizer import DeterministicSummarizer, SafeSummarizer
from fasttriage.local.events import message_sid, twilio_payload
from fasttriage.worker import JobRunner

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
KEY = "a" * 64


class MemoryStore:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def put(self, key: str, body: bytes, content_type: str) -> StoredObject:
        self.objects[key] = body
        return StoredObject(key, None)

    def get(self, key: str, version_id: str | None = None) -> bytes:
        return self.objects[key]

    def delete_case(self, case_id: str) -> int:
        gone = [k for k in self.objects if k.startswith(f"triage/{case_id}/")]
        for k in gone:
            del self.objects[k]
        return len(gone)


def runner(mongo_db: Any) -> JobRunner:
    repository = MongoRepository(mongo_db)
    repository.ensure_indexes()
    ports = Ports(
        repository=repository,
        patients=MongoPatients(mongo_db),
        summarizer=SafeSummarizer(None, DeterministicSummarizer()),
        store=MemoryStore(),
    )
    return JobRunner(ports=ports, case_idle_timeout=timedelta(hours=4), now=lambda: T0)


def job(
    body: str, at: datetime, *, kind: JobKind = JobKind.MESSAGE, case_number: int | None = None
) -> TriageJob:
    from fasttriage.adapters.twilio_webhook import FormParams
    from fasttriage.domain.intake import parse_message

    sid = message_sid(body + at.isoformat())
    form = FormParams(twilio_payload(sid=sid, sender="whatsapp:+15550107777", body=body))
    return TriageJob(
        job_id=sid,
        kind=kind,
        received_at=at,
        message=parse_message(form, whatsapp_only=True),
        patient_key=KEY,
        case_number=case_number,
        assessment=assess(body),
    )


def deliver(run: JobRunner, j: TriageJob) -> Decision:
    return run(Delivery(j.model_dump_json().encode(), "q", 1, False, j.job_id)).decision


def test_a_queued_new_starts_exactly_one_new_case_even_when_redelivered(mongo_db):
    run = runner(mongo_db)
    first = job("my knee hurts", T0)
    new = job("new", T0 + timedelta(minutes=1), kind=JobKind.NEW_CASE)
    second = job("now my ear hurts", T0 + timedelta(minutes=2))

    assert deliver(run, first) is Decision.ACK
    assert deliver(run, new) is Decision.ACK
    assert deliver(run, new) is Decision.ACK  # a duplicate from the spool or a redelivery
    assert deliver(run, second) is Decision.ACK

    assert mongo_db["patients"].find_one({"_id": KEY})["epoch"] == 1
    cases = {doc["summary_id"] for doc in mongo_db["messages"].find({"patient_key": KEY})}
    assert len(cases) == 2  # the knee and the ear are two cases


def test_a_message_without_a_case_number_joins_the_patients_current_case(mongo_db):
    run = runner(mongo_db)
    deliver(run, job("my knee hurts", T0, case_number=0))
    deliver(run, job("it is swollen", T0 + timedelta(minutes=1), case_number=None))

    cases = {doc["summary_id"] for doc in mongo_db["messages"].find({"patient_key": KEY})}
    assert len(cases) == 1


def test_a_queued_erasure_records_the_tombstone_once_and_erases(mongo_db):
    run = runner(mongo_db)
    deliver(run, job("my knee hurts", T0, case_number=0))
    erase = job("delete my data", T0 + timedelta(minutes=1), kind=JobKind.ERASE)

    assert deliver(run, erase) is Decision.ACK
    assert deliver(run, erase) is Decision.ACK  # spooled and published twice: harmless
    patient = mongo_db["patients"].find_one({"_id": KEY})
    assert patient["erased_at"].replace(tzinfo=UTC) == erase.received_at
    assert patient["epoch"] == 1
    assert mongo_db["messages"].count_documents({"patient_key": KEY}) == 0


def test_an_erasure_the_webhook_already_recorded_is_not_recorded_again(mongo_db):
    patients = MongoPatients(mongo_db)
    at = T0 + timedelta(minutes=1)
    patients.request_erasure(KEY, at)
    run = runner(mongo_db)
    deliver(run, job("delete my data", at, kind=JobKind.ERASE))
    assert mongo_db["patients"].find_one({"_id": KEY})["epoch"] == 1
