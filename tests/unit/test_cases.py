"""The doctors' core on fake ports: cursors, filters, the status rules and the audit of every attempt."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fasttriage.domain import cases
from fasttriage.domain.errors import InvalidRequest, NotFound
from fasttriage.domain.models import CaseRecord, CaseStatus, Language, Provenance, TriageSummary
from fasttriage.domain.urgency import Urgency

ID = "ab" * 16
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
ADA = cases.Doctor(subject="sub-ada", username="dr.ada", request_id="req-1")


def record(status: CaseStatus = CaseStatus.NEW, version: int = 1, assignee: str | None = None) -> CaseRecord:
    summary = TriageSummary(
        chief_complaint="cough",
        urgency=Urgency.SOON,
        recommended_disposition="See a clinician within 48 hours.",
        language=Language.EN,
        provenance=Provenance(producer="llm", rules_version="test"),
    )
    return CaseRecord(
        case_id=ID,
        patient="whatsapp:***0102",
        status=status,
        assignee=assignee,
        urgency=Urgency.SOON,
        version=version,
        summary=summary,
        message_count=version,
        created_at=NOW,
        updated_at=NOW,
        last_message_at=NOW,
    )


class FakeStore:
    """CaseStore + AuditLog in memory, with the same compare-and-set rule as the Mongo adapter."""

    def __init__(self, view: cases.CaseView | None) -> None:
        self.view = view
        self.audit: list[cases.AuditEntry] = []
        self.race = False

    def get(self, case_id):
        return self.view.record if self.view else None

    def get_view(self, case_id):
        return self.view

    def list_queue(self, query):
        return []

    def update_case_status(self, case_id, *, expected_version, expected_revision, status, assignee, by, now):
        assert self.view is not None, "the fake holds no case"
        if self.race:  # another doctor saved between our read and our write
            self.view = cases.CaseView(self.view.record, self.view.revision + 1)
        if (self.view.record.version, self.view.revision) != (expected_version, expected_revision):
            return None
        updated = self.view.record.model_copy(update={"status": status, "assignee": assignee})
        self.view = cases.CaseView(updated, self.view.revision + 1)
        return self.view.revision

    def record_audit(self, entry):
        self.audit.append(entry)


def change(status: str, version: int = 1, revision: int = 0, **extra) -> cases.StatusChange:
    return cases.StatusChange.model_validate(
        {"status": status, "expected_version": version, "expected_revision": revision, **extra}
    )


def apply(store: FakeStore, status: str, **kwargs) -> cases.CaseDetail:
    return cases.change_status(ID, change(status, **kwargs), doctor=ADA, cases=store, audit=store, now=NOW)


def test_cursor_round_trips_and_tampered_cursors_are_rejected():
    key = cases.SortKey(urgency_rank=2, updated_at=NOW, case_id=ID)
    assert cases.decode_cursor(cases.encode_cursor(key)) == key
    for bad in ["", "!!!", "e30", "W10", cases.encode_cursor(key)[:-3], "A" * 201]:
        with pytest.raises(InvalidRequest, match="cursor"):
            cases.decode_cursor(bad)


def test_queue_query_reads_comma_separated_filters_and_rejects_unknown_values():
    query = cases.queue_query(urgency="emergency, urgent", status="new", since=None, limit=10, cursor=None)
    assert query.urgency == [Urgency.EMERGENCY, Urgency.URGENT] and query.status == [CaseStatus.NEW]
    with pytest.raises(InvalidRequest, match="urgency: 'critical'"):
        cases.queue_query(urgency="critical", status=None, since=None, limit=10, cursor=None)
    with pytest.raises(InvalidRequest, match="limit"):
        cases.queue_query(urgency=None, status=None, since=None, limit=101, cursor=None)


def test_start_review_claims_the_case_for_the_caller_and_handing_back_clears_it():
    store = FakeStore(cases.CaseView(record()))
    assert apply(store, "in_review").assignee == "dr.ada"
    assert apply(store, "new", revision=1).assignee is None
    assert apply(store, "in_review", revision=2, assignee="dr.bob").assignee == "dr.bob"


def test_the_transition_table_is_enforced():
    allowed = {(a, b) for a, targets in cases.TRANSITIONS.items() for b in targets}
    assert allowed == {
        (CaseStatus.NEW, CaseStatus.IN_REVIEW),
        (CaseStatus.IN_REVIEW, CaseStatus.CLOSED),
        (CaseStatus.IN_REVIEW, CaseStatus.NEW),
        (CaseStatus.CLOSED, CaseStatus.IN_REVIEW),
    }
    store = FakeStore(cases.CaseView(record(CaseStatus.CLOSED)))
    with pytest.raises(cases.TransitionNotAllowed, match="from closed to new"):
        apply(store, "new")
    assert store.audit[-1].outcome == "transition_not_allowed"


def test_a_lost_race_is_a_version_conflict_and_is_audited():
    store = FakeStore(cases.CaseView(record()))
    store.race = True
    with pytest.raises(cases.VersionConflict):
        apply(store, "in_review")
    entry = store.audit[-1]
    assert (entry.action, entry.outcome, entry.username, entry.request_id) == (
        "update_summary",
        "version_conflict",
        "dr.ada",
        "req-1",
    )


def test_unknown_case_is_not_found_and_nothing_is_written():
    store = FakeStore(None)
    with pytest.raises(NotFound):
        apply(store, "in_review")
    with pytest.raises(NotFound):
        cases.case_detail(ID, doctor=ADA, cases=store, audit=store, now=NOW)
    assert store.audit == []
