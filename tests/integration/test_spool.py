"""Issue 12 on the real broker and moto's SQS: a job the broker does not confirm is spooled before the
patient is answered, and the drainer moves it to the broker exactly once, deleting it only after the confirm."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pika
import pytest

from fasttriage.adapters.rabbitmq import RabbitPublisher
from fasttriage.adapters.spool import SpoolDrainer, SqsSpool, sqs_client
from fasttriage.domain.errors import PublishError, SpoolError
from fasttriage.local.events import message_sid, signed_webhook_event, twilio_payload
from support import FreezableProxy

pytestmark = pytest.mark.broker


@pytest.fixture
def spool(moto_endpoint: str) -> SqsSpool:
    client = sqs_client(moto_endpoint, "us-east-1")
    url = client.create_queue(
        QueueName=f"spool-{uuid.uuid4().hex[:8]}", Attributes={"VisibilityTimeout": "1"}
    )["QueueUrl"]
    return SqsSpool(lambda: client, url)


def sample_job(seed: str = "1") -> Any:
    from datetime import UTC, datetime

    from fasttriage.adapters.twilio_webhook import FormParams
    from fasttriage.domain.intake import parse_message
    from fasttriage.domain.models import TriageJob
    from fasttriage.domain.redflags import assess

    body = f"sample message {seed}"
    form = FormParams(fields(body, seed))
    return TriageJob(
        job_id=form["MessageSid"],
        received_at=datetime.now(UTC),
        message=parse_message(form, whatsapp_only=True),
        patient_key="b" * 64,
        assessment=assess(body),
    )


def fields(body: str, seed: str) -> list[tuple[str, str]]:
    sender = "whatsapp:+15550106666"
    return twilio_payload(sid=message_sid(body + seed), sender=sender, body=body, profile_name="Pat")


def queued(broker_url: str, queue: str) -> list[dict[str, Any]]:
    """Every job in the queue and its emergency queue (consumed: the test owns these queues)."""
    connection = pika.BlockingConnection(pika.URLParameters(broker_url))
    channel = connection.channel()
    jobs = []
    for name in (queue, f"{queue}.emergency"):
        while True:
            method, _, body = channel.basic_get(name, auto_ack=True)
            if method is None:
                break
            jobs.append(json.loads(body))
    connection.close()
    return jobs


def spooled_count(spool: SqsSpool) -> int:
    attrs = spool.client.get_queue_attributes(
        QueueUrl=spool.queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])


def test_broker_down_the_webhook_spools_and_the_drainer_delivers_each_job_exactly_once(
    webhook, broker_url, queue_name, spool, lambda_context
):
    proxy = FreezableProxy()
    webhook.deps.publisher = RabbitPublisher(proxy.url, queue_name, confirm_timeout_s=1.0)
    webhook.deps.spool = spool
    RabbitPublisher(lambda: broker_url, queue_name).close()  # the topology exists before the outage
    try:
        proxy.frozen.set()  # the broker goes silent: no confirm ever comes
        emergency = webhook.handler(
            signed_webhook_event(fields("I have crushing chest pain going into my left arm", "e")),
            lambda_context,
        )
        plain = webhook.handler(signed_webhook_event(fields("I have a mild headache", "p")), lambda_context)
        assert emergency["statusCode"] == plain["statusCode"] == 200
        assert "This may be an emergency" in emergency["body"]
        assert "We received your message" in plain["body"]
        assert spooled_count(spool) == 2
    finally:
        proxy.close()
        webhook.deps.publisher.close()

    publisher = RabbitPublisher(lambda: broker_url, queue_name)
    drainer = SpoolDrainer(spool, publisher)
    try:
        deadline = time.monotonic() + 10
        while spooled_count(spool) and time.monotonic() < deadline:
            drainer.drain_once()
    finally:
        publisher.close()
    jobs = queued(broker_url, queue_name)
    assert sorted(j["message"]["body"] for j in jobs) == [
        "I have a mild headache",
        "I have crushing chest pain going into my left arm",
    ]
    assert spooled_count(spool) == 0


class _DownPublisher:
    def publish(self, job: Any) -> None:
        raise PublishError("broker unavailable: test")


def test_the_drainer_keeps_a_job_in_the_spool_until_the_broker_confirms_it(
    webhook, broker_url, queue_name, spool, lambda_context
):
    webhook.deps.publisher = _DownPublisher()
    webhook.deps.spool = spool
    assert (
        webhook.handler(signed_webhook_event(fields("my back hurts", "b")), lambda_context)["statusCode"]
        == 200
    )

    down = SpoolDrainer(spool, _DownPublisher())
    result = down.drain_once()
    assert result.failed and not result.moved
    time.sleep(1.2)  # the visibility timeout: the job is offered again
    assert spooled_count(spool) == 1

    publisher = RabbitPublisher(lambda: broker_url, queue_name)
    try:
        assert SpoolDrainer(spool, publisher).drain_once().moved
    finally:
        publisher.close()
    assert [j["message"]["body"] for j in queued(broker_url, queue_name)] == ["my back hurts"]
    assert spooled_count(spool) == 0


def test_a_spool_that_does_not_answer_is_a_spool_error(moto_endpoint):
    spool = SqsSpool(lambda: sqs_client("http://127.0.0.1:9", "us-east-1", timeout_s=0.3), "http://x/q")
    from fasttriage.domain.intake import store_job

    with pytest.raises(SpoolError):
        store_job(sample_job(), _DownPublisher(), spool)


def test_the_drainer_lambda_reports_unconfirmed_jobs_as_batch_item_failures(
    local_env, broker_url, queue_name, lambda_context, monkeypatch
):
    from fasttriage.local.lambdas import load_function

    monkeypatch.setenv("QUEUE_NAME", queue_name)
    drainer = load_function("drainer", fresh=True)
    good, other = sample_job("1"), sample_job("2")
    event = {
        "Records": [
            {"messageId": "m1", "receiptHandle": "r1", "body": good.model_dump_json()},
            {"messageId": "m2", "receiptHandle": "r2", "body": "not a job"},
        ]
    }
    real = drainer.publisher
    declare_queues_as_the_worker_does(broker_url, queue_name)  # the drainer's broker user declares nothing
    try:
        assert drainer.handler(event, lambda_context) == {"batchItemFailures": [{"itemIdentifier": "m2"}]}
        assert [j["job_id"] for j in queued(broker_url, queue_name)] == [good.job_id]

        drainer.publisher = _DownPublisher()
        event["Records"] = [{"messageId": "m3", "receiptHandle": "r3", "body": other.model_dump_json()}]
        assert drainer.handler(event, lambda_context) == {"batchItemFailures": [{"itemIdentifier": "m3"}]}
    finally:
        real.close()


def declare_queues_as_the_worker_does(broker_url: str, queue: str) -> None:
    import pika

    from fasttriage.adapters.rabbitmq import declare_topology

    connection = pika.BlockingConnection(pika.URLParameters(broker_url))
    try:
        declare_topology(connection.channel(), queue)
    finally:
        connection.close()
