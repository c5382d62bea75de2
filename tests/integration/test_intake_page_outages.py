"""On-call hears of an emergency while the broker or MongoDB is down (domain.escalation, duty 4): the webhook
pages when the job went to the spool, the worker when MongoDB fails on the job's first attempt. The real
broker (behind a proxy that goes silent), the real SQS spool and SNS topic on moto's server, mongomock."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from escalation_support import CONSOLE, escalating_runner, inbox_and_pager, twilio_bodies
from test_twilio_followup import RecordingTwilioHttpClient
from test_worker_faults import publish
from test_worker_outbound import delivery

from fasttriage.adapters.consumer import Decision
from fasttriage.adapters.pager import LazySnsPager, sns_client
from fasttriage.adapters.rabbitmq import RabbitPublisher
from fasttriage.adapters.spool import SqsSpool, sqs_client
from fasttriage.domain.escalation import job_reference
from fasttriage.local.events import message_sid, signed_webhook_event, twilio_payload
from fasttriage.local.faults import FaultyDatabase, SilentServer, Switch
from support import FreezableProxy
from worker_harness import RunningWorker, wait_for

EMERGENCY_TEXT = "I have crushing chest pain going into my left arm"
URGENT_TEXT = "my urine burns and I have a fever and back pain"
ROUTINE_TEXT = "I have a mild headache"
PROFILE = "Zelda Quintero"


def form(text: str, sender: str, seed: str = "") -> list[tuple[str, str]]:
    return twilio_payload(
        sid=message_sid(f"{sender}:{text}:{seed}"), sender=sender, body=text, profile_name=PROFILE
    )


def no_patient_data(page: str, *secrets: str) -> None:
    for secret in ("crushing", "left arm", "urine burns", "headache", PROFILE, "Zelda", *secrets):
        assert secret not in page, secret


@pytest.fixture
def spool(moto_endpoint: str) -> SqsSpool:
    client = sqs_client(moto_endpoint, "us-east-1")
    url = client.create_queue(QueueName=f"spool-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    return SqsSpool(lambda: client, url)


@pytest.mark.broker
def test_broker_down_the_webhook_pages_once_per_emergency_and_never_for_routine_messages(
    webhook, broker_url, queue_name, moto_endpoint, spool, lambda_context
):
    inbox, _ = inbox_and_pager(moto_endpoint)
    webhook.deps.pager = LazySnsPager(
        inbox.topic_arn, lambda: sns_client(moto_endpoint, timeout_s=1.0, total_attempts=1)
    )
    proxy = FreezableProxy()
    webhook.deps.publisher = RabbitPublisher(proxy.url, queue_name, confirm_timeout_s=1.0)
    webhook.deps.spool = spool
    RabbitPublisher(lambda: broker_url, queue_name).close()  # the topology exists before the outage
    sender = "whatsapp:+15550107777"
    messages = [(EMERGENCY_TEXT, "1"), (ROUTINE_TEXT, "2"), (URGENT_TEXT, "3"), (ROUTINE_TEXT, "4")]
    try:
        proxy.frozen.set()  # the broker goes silent: no confirm ever comes
        answers = [
            webhook.handler(signed_webhook_event(form(t, sender, s)), lambda_context) for t, s in messages
        ]
    finally:
        proxy.close()
        webhook.deps.publisher.close()

    assert [a["statusCode"] for a in answers] == [200] * 4
    assert "This may be an emergency" in answers[0]["body"]
    assert wait_for(lambda: len(inbox.received()) >= 2), inbox.received()
    time.sleep(0.3)  # nothing more arrives
    pages = inbox.received()
    assert len(pages) == 2
    emergency, urgent = sorted(pages, key=lambda page: "URGENT" in page)
    sids = [message_sid(f"{sender}:{t}:{s}") for t, s in messages]
    assert "EMERGENCY" in emergency and "cardiac_chest_pain" in emergency
    assert f"Ref {job_reference(sids[0])}" in emergency
    assert "message queue unavailable" in emergency and "will appear in the console" in emergency
    assert "URGENT" in urgent and f"Ref {job_reference(sids[2])}" in urgent
    for page in pages:
        no_patient_data(page, "15550107777", "7777", *sids)


class RecordingSpool:
    def __init__(self) -> None:
        self.jobs: list[Any] = []

    def put(self, job: Any) -> None:
        self.jobs.append(job)


def test_sns_hanging_costs_the_reply_one_timeout_and_changes_nothing_in_it(
    webhook, lambda_context, service_log
):
    from conftest import RecordingPublisher

    silent = SilentServer()
    topic = "arn:aws:sns:us-east-1:000000000000:pages"
    try:
        webhook.deps.publisher = RecordingPublisher(fail=True)
        webhook.deps.spool = RecordingSpool()
        webhook.deps.pager = None
        expected = webhook.handler(
            signed_webhook_event(form(EMERGENCY_TEXT, "whatsapp:+15550108881")), lambda_context
        )
        webhook.deps.pager = LazySnsPager(
            topic, lambda: sns_client(silent.url, timeout_s=0.5, total_attempts=1)
        )
        _ = webhook.deps.pager.pager  # built (the background warm-up does this after the first answer)
        started = time.perf_counter()
        answer = webhook.handler(
            signed_webhook_event(form(EMERGENCY_TEXT, "whatsapp:+15550108882")), lambda_context
        )
        elapsed = time.perf_counter() - started
    finally:
        silent.close()

    assert (answer["statusCode"], answer["body"]) == (expected["statusCode"], expected["body"])
    assert elapsed < 2.0, f"the reply waited {elapsed:.2f} s for a 0.5 s page timeout"
    assert "intake page not sent" in service_log.getvalue() and "ReadTimeoutError" in service_log.getvalue()


# --- the worker: MongoDB down on the first attempt ----------------------------------------------------------


def webhook_job(webhook: Any, publisher: Any, ctx: Any, text: str, sender: str) -> Any:
    assert webhook.handler(signed_webhook_event(form(text, sender)), ctx)["statusCode"] == 200
    return publisher.jobs[-1]


@pytest.mark.broker
def test_mongo_down_an_emergency_job_pages_once_over_its_retries_then_its_case_pages_when_mongo_is_back(
    broker_url, queue_name, moto_endpoint, mongo_db, s3, bucket, webhook, publisher, lambda_context
):
    inbox, pager = inbox_and_pager(moto_endpoint)
    switch = Switch()
    runner = escalating_runner(
        FaultyDatabase(mongo_db, switch), s3, bucket, twilio=RecordingTwilioHttpClient(), pager=pager
    )
    job = webhook_job(webhook, publisher, lambda_context, EMERGENCY_TEXT, "whatsapp:+15550106661")
    switch.fail()
    with RunningWorker(lambda: broker_url, queue_name, runner, max_attempts=10) as consumer:
        publish(broker_url, queue_name, [job])
        assert wait_for(lambda: consumer.stats.retried >= 3)  # attempts 1, 2 and 3 failed on MongoDB
        assert wait_for(lambda: len(inbox.received()) >= 1)
        time.sleep(0.3)
        [intake] = inbox.received()
        switch.heal()
        assert wait_for(lambda: consumer.stats.acked >= 1)
    assert wait_for(lambda: len(inbox.received()) >= 2)
    intake, case_page = inbox.received()
    assert "database unavailable" in intake and f"Ref {job_reference(job.job_id)}" in intake
    assert "EMERGENCY" in intake and "cardiac_chest_pain" in intake
    no_patient_data(intake, "15550106661", "6661", job.job_id)
    case_id = mongo_db["summaries"].find_one({})["_id"]
    assert f"{CONSOLE}#case={case_id}" in case_page  # the case's own page still follows, with its link


def test_mongo_down_a_routine_job_pages_nobody(
    mongo_db, moto_endpoint, s3, bucket, webhook, publisher, lambda_context
):
    inbox, pager = inbox_and_pager(moto_endpoint)
    switch = Switch()
    twilio = RecordingTwilioHttpClient()
    runner = escalating_runner(FaultyDatabase(mongo_db, switch), s3, bucket, twilio=twilio, pager=pager)
    job = webhook_job(webhook, publisher, lambda_context, ROUTINE_TEXT, "whatsapp:+15550106662")
    switch.fail()
    assert [runner(delivery(job, attempt=n)).decision for n in (1, 2, 3)] == [Decision.RETRY] * 3
    time.sleep(0.3)
    assert inbox.received() == [] and twilio_bodies(twilio) == []


def test_a_storage_failure_on_a_redelivered_first_attempt_does_not_page_again(
    mongo_db, moto_endpoint, s3, bucket, webhook, publisher, lambda_context
):
    """The broker redelivers a first attempt after a lost connection (the page may have gone out): no
    second page. The delay-queue retries carry attempt >= 2 and do not page either."""
    from fasttriage.adapters.consumer import Delivery

    inbox, pager = inbox_and_pager(moto_endpoint)
    switch = Switch()
    runner = escalating_runner(
        FaultyDatabase(mongo_db, switch), s3, bucket, twilio=RecordingTwilioHttpClient(), pager=pager
    )
    job = webhook_job(webhook, publisher, lambda_context, URGENT_TEXT, "whatsapp:+15550106663")
    switch.fail()
    body = job.model_dump_json().encode()
    first = Delivery(body, "triage.jobs", 1, False, job.job_id)
    redelivered = Delivery(body, "triage.jobs", 1, True, job.job_id)
    assert runner(first).decision is runner(redelivered).decision is Decision.RETRY
    assert runner(delivery(job, attempt=2)).decision is Decision.RETRY
    assert wait_for(lambda: len(inbox.received()) >= 1)
    time.sleep(0.3)
    [page] = inbox.received()
    assert "URGENT" in page and "database unavailable" in page
