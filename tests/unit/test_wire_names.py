"""The code says "case"; the wire keeps its names (issue 14, items 5 and 9): the doctors' API's JSON, the stored
documents and the queued jobs read and write exactly what they did before the rename."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from fasttriage.domain.cases import AuditEntry, QueueItem, ReportLink
from fasttriage.domain.models import InboundMessage, TriageJob
from fasttriage.domain.redflags import assess
from fasttriage.domain.replies import PhoneReveal

CASE = "0123456789abcdef0123456789abcdef"
AT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _job(**extra: object) -> dict:
    sid = "SM" + "a" * 32
    message = InboundMessage(
        message_sid=sid,
        account_sid="AC" + "b" * 32,
        sender="whatsapp:+15550107777",
        recipient="whatsapp:+15550100000",
        body="my knee hurts",
    )
    return {
        "job_id": sid,
        "received_at": AT.isoformat(),
        "message": message.model_dump(mode="json"),
        "patient_key": "k" * 64,
        "assessment": assess("my knee hurts").model_dump(mode="json"),
        **extra,
    }


def test_a_job_queued_before_the_rename_is_read_with_its_case_number() -> None:
    job = TriageJob.model_validate_json(json.dumps(_job(case_epoch=3)))
    assert job.case_number == 3


def test_a_job_is_queued_with_the_wire_name_an_older_worker_reads() -> None:
    job = TriageJob.model_validate(_job(case_number=2))
    wire = json.loads(job.model_dump_json())
    assert wire["case_epoch"] == 2 and "case_number" not in wire


def test_the_doctors_api_answers_keep_summary_id() -> None:
    item = QueueItem(
        case_id=CASE,
        patient="whatsapp:***4567",
        urgency="routine",
        status="new",
        chief_complaint="knee pain",
        version=1,
        updated_at=AT,
        producer="llm",
    )
    link = ReportLink(case_id=CASE, version=1, url="https://x", expires_at=AT, filename="r.pdf")
    reveal = PhoneReveal(case_id=CASE, phone="+447700900123", channel="whatsapp")
    for answer in (item, link, reveal):
        dumped = answer.model_dump(mode="json")
        assert dumped["summary_id"] == CASE and "case_id" not in dumped


def test_audit_entries_are_stored_and_read_under_their_old_keys() -> None:
    entry = AuditEntry(at=AT, subject="s", username="u", action="list_summaries", case_ids=[CASE])
    stored = entry.model_dump()
    assert stored["summary_ids"] == [CASE] and stored["summary_id"] is None
    assert AuditEntry.model_validate(stored).case_ids == [CASE]
