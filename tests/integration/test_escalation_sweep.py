"""The escalation sweep (functions/escalation) over cases the worker paged on the real broker: an emergency
nobody acknowledges is paged again after the configured minutes, then the escalation contact; an acknowledged
one (the console's Acknowledge = PATCH status in_review) is not. The clock is injected."""

from __future__ import annotations

from datetime import timedelta

import pytest
from escalation_support import (
    EMERGENCY_TEXT,
    URGENT_TEXT,
    Inbox,
    escalating_runner,
    sns_client,
    webhook_jobs,
)
from test_twilio_followup import RecordingTwilioHttpClient
from test_worker_faults import publish

from fasttriage.adapters.mongo import MongoDoctorsCases, MongoRepository
from fasttriage.adapters.pager import SnsPager
from fasttriage.adapters.pages import MongoOpenCases, MongoPageLog
from fasttriage.domain import cases
from fasttriage.domain.escalation import EscalationPorts, SweepPolicy
from fasttriage.domain.models import CaseStatus
from fasttriage.wiring import EscalationDependencies
from worker_harness import RunningWorker, wait_for

pytestmark = pytest.mark.broker

DOCTOR = cases.Doctor(subject="s-2", username="dr.grace")
POLICY = SweepPolicy.from_minutes(emergency=(5, 5, 2), urgent=(30, 30, 1), escalation_pages=1)


@pytest.fixture
def paged_cases(
    broker_url, queue_name, moto_endpoint, mongo_db, s3, bucket, webhook, publisher, lambda_context
):
    """Three cases the worker paged once each: two emergencies and one urgent."""
    oncall, escalation = Inbox.create(moto_endpoint, "oncall"), Inbox.create(moto_endpoint, "escalation")
    pager = SnsPager(oncall.topic_arn, escalation.topic_arn, client=sns_client(moto_endpoint))
    runner = escalating_runner(mongo_db, s3, bucket, twilio=RecordingTwilioHttpClient(), pager=pager)
    jobs = [
        *webhook_jobs(webhook, publisher, lambda_context, "whatsapp:+15550100301", [EMERGENCY_TEXT]),
        *webhook_jobs(webhook, publisher, lambda_context, "whatsapp:+15550100302", [EMERGENCY_TEXT]),
        *webhook_jobs(webhook, publisher, lambda_context, "whatsapp:+15550100303", [URGENT_TEXT]),
    ]
    with RunningWorker(lambda: broker_url, queue_name, runner) as consumer:
        publish(broker_url, queue_name, jobs)
        assert wait_for(lambda: consumer.stats.acked >= 3)
    assert wait_for(lambda: len(oncall.received()) == 3)
    ids = {
        job.message.sender: MongoRepository(mongo_db).case_of_message(job.message.message_sid) for job in jobs
    }
    first_paged = min(p.created_at for p in MongoPageLog(mongo_db).all())
    return oncall, escalation, pager, ids, first_paged


def acknowledge(mongo_db, case_id):
    """What the console's Acknowledge button does: PATCH the case to in_review (audited)."""
    repo = MongoDoctorsCases(mongo_db)
    view = repo.get_view(case_id)
    assert view is not None, case_id
    from datetime import UTC, datetime

    cases.change_status(
        case_id,
        cases.StatusChange(
            status=CaseStatus.IN_REVIEW, expected_version=view.record.version, expected_revision=view.revision
        ),
        doctor=DOCTOR,
        cases=repo,
        audit=repo,
        now=datetime.now(UTC),
    )


def test_unacknowledged_emergency_is_repaged_after_the_minutes_then_escalated_and_an_acknowledged_one_is_not(
    paged_cases, mongo_db, monkeypatch
):
    oncall, escalation, pager, ids, t0 = paged_cases
    ignored, acknowledged = ids["whatsapp:+15550100301"], ids["whatsapp:+15550100302"]
    acknowledge(mongo_db, acknowledged)
    assert mongo_db["audit"].count_documents({"action": "update_summary", "summary_id": acknowledged}) == 1

    # The deployed handler, with its clock, cases and pager swapped for the test's.
    monkeypatch.setenv("PAGE_TOPIC_ARN", oncall.topic_arn)
    monkeypatch.setenv("MONGO_URI", "mongodb://unused-in-tests")
    from fasttriage.local.lambdas import FakeContext, load_function

    sweep_fn = load_function("escalation", fresh=True)
    clock = {"now": t0}
    sweep_fn.deps = EscalationDependencies(
        settings=sweep_fn.settings,
        cases=MongoOpenCases(mongo_db),
        ports=EscalationPorts(
            pager=pager, pages=MongoPageLog(mongo_db), console_url="https://c.example/console"
        ),
        policy=POLICY,
        clock=lambda: clock["now"],
    )

    def sweep_at(minutes: float) -> dict:
        clock["now"] = t0 + timedelta(minutes=minutes)
        return sweep_fn.handler({"source": "aws.scheduler"}, FakeContext())

    assert sweep_at(4.9)["paged"] == 0  # not yet: EmergencyAckMinutes is 5
    assert sweep_at(5.1) == {
        "checked": 2,
        "paged": 1,
        "failed": 0,
    }  # the ignored emergency and the urgent one
    assert sweep_at(5.2)["paged"] == 0  # a second sweep in the same round pages nobody again
    assert sweep_at(10.1)["paged"] == 1  # every 5 minutes...
    assert sweep_at(15.1)["paged"] == 1  # ...after the 2 on-call re-pages: the escalation contact
    assert sweep_at(40)["paged"] == 1  # the urgent case's own minutes (30): its one on-call re-page
    assert sweep_at(60.5)["paged"] == 1  # then its escalation
    assert sweep_at(200)["paged"] == 0  # every limit reached: nothing more

    assert wait_for(lambda: len(oncall.received()) == 3 + 3)
    repages = oncall.received()[3:]
    assert all(ignored in text for text in repages[:2]) and "still not acknowledged" in repages[0]
    assert "URGENT" in repages[2]
    assert not any(acknowledged in text for text in repages)
    assert wait_for(lambda: len(escalation.received()) == 2)
    escalated = escalation.received()
    assert ignored in escalated[0] and "escalated" in escalated[0]
    assert not any(acknowledged in text for text in escalated)
    history = [
        e.who
        for e in cases.case_detail(
            ignored,
            doctor=DOCTOR,
            cases=MongoDoctorsCases(mongo_db),
            audit=MongoDoctorsCases(mongo_db),
            now=t0,
        ).escalations
    ]
    assert history == ["patient", "on-call", "on-call", "on-call", "escalation contact"]
