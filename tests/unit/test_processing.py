"""The worker's core with in-memory ports: cases, sessions and versions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import mongomock
import pytest

from fasttriage.adapters.mongo import MongoPatients, MongoRepository
from fasttriage.domain.masking import mask_name, mask_phone
from fasttriage.domain.models import Assessment, InboundMessage, Language, TriageJob
from fasttriage.domain.processing import Ports, process_job
from fasttriage.domain.summarizer import DeterministicSummarizer, SafeSummarizer

T0 = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)


class MemoryStore:
    def __init__(self):
        self.objects: dict[str, list[bytes]] = {}

    def put(self, key, body, content_type):
        from fasttriage.adapters.s3 import StoredObject

        self.objects.setdefault(key, []).append(body)
        return StoredObject(key=key, version_id=f"v{len(self.objects[key])}")

    def get(self, key, version_id=None):
        return self.objects[key][-1]

    def delete_case(self, case_id):
        return 0


@pytest.fixture
def ports():
    db: Any = mongomock.MongoClient()["t"]
    return Ports(
        MongoRepository(db), MongoPatients(db), SafeSummarizer(None, DeterministicSummarizer()), MemoryStore()
    )


def job(
    n: int, at: datetime, sender: str = "whatsapp:+15550100001", case_number: int | None = 0
) -> TriageJob:
    sid = f"SM{n:032x}"
    return TriageJob(
        job_id=sid,
        received_at=at,
        message=InboundMessage(
            message_sid=sid, account_sid="AC" + "0" * 32, sender=sender, recipient="x", body=f"message {n}"
        ),
        patient_key=sender[-4:] * 16,
        case_number=case_number,
        assessment=Assessment(language=Language.EN, rules_version="r"),
    )


def run(j, ports, timeout=timedelta(hours=4)):
    return process_job(
        j,
        ports,
        now=lambda: j.received_at,
        case_idle_timeout=timeout,
        mask_patient=mask_phone,
        mask_profile=mask_name,
    )


def test_messages_within_the_case_idle_timeout_join_one_case_with_growing_versions(ports):
    first = run(job(1, T0), ports)
    second = run(job(2, T0 + timedelta(hours=1)), ports)
    assert first.case_id == second.case_id
    assert (first.version, second.version) == (1, 2)


def test_a_message_after_the_case_idle_timeout_opens_a_new_case(ports):
    first = run(job(1, T0), ports, timeout=timedelta(minutes=30))
    later = run(job(2, T0 + timedelta(minutes=31)), ports, timeout=timedelta(minutes=30))
    assert first.case_id != later.case_id and later.version == 1


def test_a_new_case_number_opens_a_new_case_even_within_the_timeout(ports):
    first = run(job(1, T0, case_number=0), ports)
    after_new = run(job(2, T0 + timedelta(minutes=5), case_number=1), ports)
    assert first.case_id != after_new.case_id


def test_different_patients_never_share_a_case(ports):
    a = run(job(1, T0, sender="whatsapp:+15550100001"), ports)
    b = run(job(2, T0, sender="whatsapp:+15550100002"), ports)
    assert a.case_id != b.case_id


def test_a_message_queued_before_an_erasure_is_not_stored(ports):
    ports.patients.request_erasure(job(1, T0).patient_key, T0 + timedelta(seconds=1))
    outcome = run(job(1, T0), ports)
    assert outcome.skipped and outcome.case_id is None
    assert ports.store.objects == {}
