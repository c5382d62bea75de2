"""Emergency escalation through the worker on the real broker: the patient is told to act and on-call
clinicians are paged, each exactly once per case and level, whatever is redelivered, retried or down."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from escalation_support import (
    CONSOLE,
    EMERGENCY_TEXT,
    LATER_EMERGENCY_TEXT,
    URGENT_TEXT,
    FlakyPager,
    escalating_runner,
    inbox_and_pager,
    sns_client,
    twilio_bodies,
    webhook_jobs,
)
from pypdf import PdfReader
from test_twilio_followup import RecordingTwilioHttpClient, refused_connection
from test_worker_faults import publish
from test_worker_outbound import delivery

from fasttriage.adapters.consumer import Decision
from fasttriage.adapters.mongo import MongoDoctorsCases
from fasttriage.adapters.pager import SnsPager
from fasttriage.domain import cases
from fasttriage.domain.models import Language
from fasttriage.domain.patient_messages import EMERGENCY, URGENT, text_for
from fasttriage.domain.redflags import assess
from fasttriage.observability import metrics
from worker_harness import RunningWorker, wait_for

DOCTOR = cases.Doctor(subject="s-1", username="dr.ada")


def detail(mongo_db, case_id):
    repo = MongoDoctorsCases(mongo_db)
    return cases.case_detail(case_id, doctor=DOCTOR, cases=repo, audit=repo, now=datetime.now(UTC))


def pdf_text(s3, bucket, case) -> str:
    key = case["reports"][str(case["version"])]["key"]
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def test_the_samples_are_missed_by_the_screen():
    """The premise of these tests: the red-flag screen does not flag them (the summarizer does)."""
    for text in (URGENT_TEXT, EMERGENCY_TEXT, LATER_EMERGENCY_TEXT):
        assert assess(text).urgency_floor is None


@pytest.mark.broker
def test_emergency_the_screen_misses_gets_one_instruction_and_one_page_however_often_the_job_runs(
    broker_url, queue_name, moto_endpoint, mongo_db, s3, bucket, webhook, publisher, lambda_context
):
    inbox, pager = inbox_and_pager(moto_endpoint)
    twilio = RecordingTwilioHttpClient()
    runner = escalating_runner(mongo_db, s3, bucket, twilio=twilio, pager=pager)
    [job] = webhook_jobs(webhook, publisher, lambda_context, "whatsapp:+15550100201", [EMERGENCY_TEXT])
    assert job.assessment.urgency_floor is None  # the webhook only said "a clinician will review it"

    with RunningWorker(lambda: broker_url, queue_name, runner) as consumer:
        publish(broker_url, queue_name, [job])
        assert wait_for(lambda: consumer.stats.acked >= 1)
        publish(broker_url, queue_name, [job])  # the same job redelivered (a lost ack, a re-publish)
        assert wait_for(lambda: consumer.stats.acked >= 2)
    assert runner(delivery(job, attempt=2)).decision is Decision.ACK  # and retried once more

    assert twilio_bodies(twilio) == [text_for(EMERGENCY, Language.EN)]
    assert wait_for(lambda: len(inbox.received()) >= 1), "no page arrived"
    [page] = inbox.received()
    case = mongo_db["summaries"].find_one({})
    case_id = case["_id"]
    assert case["urgency"] == "emergency"
    assert f"Case {case_id}" in page and "EMERGENCY" in page and f"{CONSOLE}#case={case_id}" in page
    assert "insulin" not in page and "+1555" not in page  # no patient data in a page
    [told, paged] = detail(mongo_db, case_id).escalations
    assert (told.who, told.urgency.value, told.by, told.state) == (
        "patient",
        "emergency",
        "worker/LLM",
        "sent",
    )
    assert (paged.who, paged.urgency.value) == ("on-call", "emergency")
    assert "patient told to call emergency services at" in pdf_text(s3, bucket, case)
    assert "by: worker/LLM" in pdf_text(s3, bucket, case)
    instruction = mongo_db["outbound"].find_one({"kind": "instruction:emergency"})
    assert instruction["state"] == "sent" and instruction["provider_id"].startswith("SM")


@pytest.mark.broker
def test_upgrade_from_urgent_to_emergency_tells_and_pages_once_more(
    broker_url, queue_name, moto_endpoint, mongo_db, s3, bucket, webhook, publisher, lambda_context
):
    inbox, pager = inbox_and_pager(moto_endpoint)
    twilio = RecordingTwilioHttpClient()
    runner = escalating_runner(mongo_db, s3, bucket, twilio=twilio, pager=pager)
    sender = "whatsapp:+15550100202"
    first, second = webhook_jobs(
        webhook, publisher, lambda_context, sender, [URGENT_TEXT, LATER_EMERGENCY_TEXT]
    )

    with RunningWorker(lambda: broker_url, queue_name, runner) as consumer:
        publish(broker_url, queue_name, [first])
        assert wait_for(lambda: consumer.stats.acked >= 1)
        assert mongo_db["summaries"].find_one({})["urgency"] == "urgent"
        publish(broker_url, queue_name, [second, second])  # the upgrade, delivered twice
        assert wait_for(lambda: consumer.stats.acked >= 3)

    assert twilio_bodies(twilio) == [text_for(URGENT, Language.EN), text_for(EMERGENCY, Language.EN)]
    assert wait_for(lambda: len(inbox.received()) >= 2)
    pages = inbox.received()
    assert len(pages) == 2
    assert "URGENT - new case" in pages[0] and "EMERGENCY - case upgraded" in pages[1]
    assert mongo_db["summaries"].count_documents({}) == 1


@pytest.mark.broker
def test_an_instruction_the_webhook_already_gave_is_not_sent_again_but_the_case_is_paged(
    broker_url, queue_name, moto_endpoint, mongo_db, s3, bucket, webhook, publisher, lambda_context
):
    inbox, pager = inbox_and_pager(moto_endpoint)
    twilio = RecordingTwilioHttpClient()
    runner = escalating_runner(mongo_db, s3, bucket, twilio=twilio, pager=pager)
    text = (
        "Estou com uma dor no peito muito forte, apertando, e vai para o braço esquerdo. Estou suando frio."
    )
    [job] = webhook_jobs(webhook, publisher, lambda_context, "whatsapp:+15550100203", [text])
    assert job.assessment.urgency_floor is not None and job.assessment.urgency_floor.value == "emergency"
    with RunningWorker(lambda: broker_url, queue_name, runner) as consumer:
        publish(broker_url, queue_name, [job])
        assert wait_for(lambda: consumer.stats.acked >= 1)
    assert twilio.sent == []  # the webhook's reply was the instruction
    assert wait_for(lambda: len(inbox.received()) == 1)
    [told, _paged] = detail(mongo_db, mongo_db["summaries"].find_one({})["_id"]).escalations
    assert told.by == "webhook/rules"
    assert abs((told.at - job.received_at).total_seconds()) < 0.001  # when the webhook replied (Mongo: ms)


@pytest.mark.broker
def test_twilio_down_retries_the_instruction_without_paging_twice(
    broker_url, queue_name, moto_endpoint, mongo_db, s3, bucket, webhook, publisher, lambda_context
):
    inbox, pager = inbox_and_pager(moto_endpoint)
    twilio = RecordingTwilioHttpClient(refused_connection(), refused_connection())
    runner = escalating_runner(mongo_db, s3, bucket, twilio=twilio, pager=pager)
    [job] = webhook_jobs(webhook, publisher, lambda_context, "whatsapp:+15550100204", [EMERGENCY_TEXT])
    with RunningWorker(lambda: broker_url, queue_name, runner) as consumer:
        publish(broker_url, queue_name, [job])
        assert wait_for(lambda: consumer.stats.acked >= 1)
        assert consumer.stats.retried == 2
    assert len(twilio.sent) == 3  # refused, refused, sent
    assert mongo_db["outbound"].count_documents({"kind": "instruction:emergency", "state": "sent"}) == 1
    case = mongo_db["summaries"].find_one({})
    assert "patient told to call emergency services at" in pdf_text(s3, bucket, case)  # stored again
    assert wait_for(lambda: len(inbox.received()) >= 1)
    assert len(inbox.received()) == 1  # the page went out on the first attempt, and only then


@pytest.mark.broker
def test_sns_down_is_retried_counted_and_pages_once_when_it_is_back(
    broker_url, queue_name, moto_endpoint, mongo_db, s3, bucket, webhook, publisher, lambda_context
):
    inbox, sns = inbox_and_pager(moto_endpoint)
    twilio = RecordingTwilioHttpClient()
    pager = FlakyPager(sns, failures=2)
    runner = escalating_runner(mongo_db, s3, bucket, twilio=twilio, pager=pager)
    [job] = webhook_jobs(webhook, publisher, lambda_context, "whatsapp:+15550100205", [EMERGENCY_TEXT])
    metrics.clear_metrics()
    with RunningWorker(lambda: broker_url, queue_name, runner) as consumer:
        publish(broker_url, queue_name, [job])
        assert wait_for(lambda: consumer.stats.acked >= 1)
        assert consumer.stats.retried == 2
    assert metrics.metric_set["pages_failed"]["Value"] == [1.0, 1.0]  # what the PagesFailing alarm watches
    assert pager.calls == 3
    assert wait_for(lambda: len(inbox.received()) >= 1)
    assert len(inbox.received()) == 1
    assert len(twilio.sent) == 1  # the patient was told on the first attempt, once


@pytest.mark.broker
def test_sns_unreachable_is_a_pager_error_the_job_retries(
    broker_url, queue_name, mongo_db, s3, bucket, webhook, publisher, lambda_context
):
    from fasttriage.local.stack import free_port

    dead = sns_client(f"http://127.0.0.1:{free_port()}")  # nothing listens there
    topic = "arn:aws:sns:us-east-1:000000000000:pager"
    runner = escalating_runner(
        mongo_db, s3, bucket, twilio=RecordingTwilioHttpClient(), pager=SnsPager(topic, client=dead)
    )
    [job] = webhook_jobs(webhook, publisher, lambda_context, "whatsapp:+15550100206", [EMERGENCY_TEXT])
    assert runner(delivery(job)).decision is Decision.RETRY
    assert mongo_db["pages"].count_documents({}) == 0  # the claim was released: the retry pages


def test_a_page_sns_refuses_is_a_pager_error_and_a_published_one_has_sms_and_email_texts(moto_endpoint):
    import json
    from datetime import UTC, datetime

    import pytest

    from fasttriage.domain.errors import PagerUnavailable
    from fasttriage.domain.escalation import Page
    from fasttriage.domain.urgency import Urgency

    page = Page(
        "a" * 32, Urgency.EMERGENCY, "new_case", 0, "oncall", ("overdose",), Language.PT, datetime.now(UTC)
    )
    missing = SnsPager("arn:aws:sns:us-east-1:123456789012:no-such-topic", client=sns_client(moto_endpoint))
    with pytest.raises(PagerUnavailable, match="SNS refused the page"):
        missing.publish(page, now=datetime.now(UTC))

    class Recording:
        def publish(self, **kwargs):
            self.kwargs = kwargs
            return {"MessageId": "m-1"}

    client = Recording()
    assert SnsPager("arn:topic", client=client).publish(page, now=datetime.now(UTC)) == "m-1"
    message = json.loads(client.kwargs["Message"])
    assert client.kwargs["MessageStructure"] == "json" and set(message) == {"default", "email", "sms"}
    assert len(message["sms"].encode()) <= 1600 and "overdose" in message["sms"]
    assert client.kwargs["Subject"].startswith("FastTriage EMERGENCY case aaaaaaaa")
