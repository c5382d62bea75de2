"""The webhook's publisher against the real broker: durable, confirmed, bounded in time, self-healing."""

from __future__ import annotations

import re
import subprocess
import time
from datetime import UTC, datetime

import pika
import pytest

from fasttriage.adapters.rabbitmq import RabbitPublisher, Topology, connection_parameters, emergency_queue
from fasttriage.domain.errors import PublishError
from fasttriage.domain.models import Assessment, InboundMessage, Language, RedFlag, TriageJob
from fasttriage.domain.urgency import Urgency
from support import FreezableProxy, event


def job(sid_digit: str = "1", emergency: bool = False) -> TriageJob:
    sid = "SM" + sid_digit * 32
    flags = (
        [RedFlag(code="cardiac_chest_pain", label="chest pain", floor=Urgency.EMERGENCY)] if emergency else []
    )
    return TriageJob(
        job_id=sid,
        received_at=datetime.now(UTC),
        message=InboundMessage(
            message_sid=sid,
            account_sid="AC" + "0" * 32,
            sender="whatsapp:+15550000000",
            recipient="whatsapp:+1",
        ),
        patient_key="k" * 64,
        assessment=Assessment(
            language=Language.EN,
            red_flags=flags,
            urgency_floor=Urgency.EMERGENCY if emergency else None,
            rules_version="test",
        ),
    )


def take(broker_url: str, queue: str):
    connection = pika.BlockingConnection(pika.URLParameters(broker_url))
    try:
        return connection.channel().basic_get(queue, auto_ack=True)
    finally:
        connection.close()


def queue_types(names: list[str]) -> dict[str, str]:
    out = subprocess.run(
        ["rabbitmqctl", "-q", "list_queues", "name", "type", "arguments"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = [line.split("\t") for line in out.splitlines() if line.strip()]
    return {row[0]: "\t".join(row[1:]) for row in rows if row[0] in names}


def test_job_is_persistent_on_a_durable_quorum_queue_with_dead_lettering(broker_url, queue_name):
    publisher = RabbitPublisher(lambda: broker_url, queue_name)
    publisher.publish(job())
    publisher.close()

    method, properties, body = take(broker_url, queue_name)
    assert method is not None and properties.delivery_mode == 2
    assert properties.message_id == "SM" + "1" * 32
    assert TriageJob.model_validate_json(body).job_id == properties.message_id
    described = queue_types([queue_name])[queue_name]
    assert described.startswith("quorum") and Topology(queue_name).dead in described


def test_emergency_job_goes_to_the_emergency_queue(broker_url, queue_name):
    publisher = RabbitPublisher(lambda: broker_url, queue_name)
    publisher.publish(job("2", emergency=True))
    publisher.close()

    assert take(broker_url, queue_name)[0] is None
    assert take(broker_url, emergency_queue(queue_name))[0] is not None


def test_a_dropped_connection_is_reopened_and_the_job_still_published(broker_url, queue_name):
    proxy = FreezableProxy()
    publisher = RabbitPublisher(proxy.url, queue_name)
    try:
        publisher.publish(job("3"))
        proxy.drop_connections()  # the broker restarted, or the Lambda was frozen past the heartbeat
        publisher.publish(job("4"))
    finally:
        publisher.close()
        proxy.close()
    assert take(broker_url, queue_name)[0] is not None
    assert take(broker_url, queue_name)[0] is not None


def test_a_silent_broker_ends_in_publish_error_within_the_bound(broker_url, queue_name):
    proxy = FreezableProxy()
    publisher = RabbitPublisher(proxy.url, queue_name, confirm_timeout_s=1.5)
    try:
        publisher.publish(job("5"))
        proxy.frozen.set()
        started = time.monotonic()
        with pytest.raises(PublishError, match="no broker confirm"):
            publisher.publish(job("6"))
        assert time.monotonic() - started < 3.0
        proxy.frozen.clear()
        proxy.drop_connections()
        publisher.publish(job("7"))  # the next invocation works on a fresh connection
    finally:
        publisher.close()
        proxy.close()


def test_a_broker_blocking_publishers_ends_in_publish_error_not_a_hang(broker_url, queue_name):
    publisher = RabbitPublisher(lambda: broker_url, queue_name, confirm_timeout_s=1.5)
    publisher.publish(job("8"))
    subprocess.run(
        ["rabbitmqctl", "-q", "set_vm_memory_high_watermark", "0"], check=True, capture_output=True
    )
    try:
        started = time.monotonic()
        with pytest.raises(PublishError):
            publisher.publish(job("9"))
        assert time.monotonic() - started < 3.0
    finally:
        subprocess.run(
            ["rabbitmqctl", "-q", "set_vm_memory_high_watermark", "0.4"], check=True, capture_output=True
        )
        publisher.close()


def test_webhook_without_a_spool_answers_503_when_the_broker_does_not_confirm(
    webhook, broker_url, queue_name, lambda_context
):
    proxy = FreezableProxy()
    webhook.deps.publisher = RabbitPublisher(proxy.url, queue_name, confirm_timeout_s=1.5)
    try:
        proxy.frozen.set()
        started = time.monotonic()
        answer = webhook.handler(event("webhook_sore_throat_en_1.json"), lambda_context)
        assert answer["statusCode"] == 503 and webhook.deps.spool is None
        assert time.monotonic() - started < 3.0
    finally:
        proxy.close()
        webhook.deps.publisher.close()


def test_amqps_endpoint_gets_tls_with_hostname_check():
    params = connection_parameters("amqps://user:pw@b-123.mq.us-east-1.amazonaws.com:5671")
    assert params.port == 5671 and params.ssl_options is not None
    assert params.ssl_options.server_hostname == "b-123.mq.us-east-1.amazonaws.com"
    assert params.ssl_options.context.check_hostname is True


def test_warm_invocations_reuse_one_broker_connection(broker_url, queue_name):
    import os

    def my_connections() -> int:
        out = subprocess.run(
            ["rabbitmqctl", "-q", "list_connections", "client_properties"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return len(re.findall(rf'"connection_name","{queue_name}-publisher@[^"]*:{os.getpid()}"', out))

    publisher = RabbitPublisher(lambda: broker_url, queue_name, name=f"{queue_name}-publisher")
    try:
        for digit in "abc":
            publisher.publish(job(digit))
        assert my_connections() == 1
    finally:
        publisher.close()
    assert my_connections() == 0
