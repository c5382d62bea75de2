"""The webhook's publisher against the real broker: durable, confirmed, bounded in time, self-healing."""

from __future__ import annotations

import re
import subprocess
import threading
from collections.abc import Callable
from datetime import UTC, datetime

import pika
import pytest

from fasttriage.adapters.rabbitmq import RabbitPublisher, Topology, connection_parameters, emergency_queue
from fasttriage.domain.errors import PublishError
from fasttriage.domain.models import Assessment, InboundMessage, Language, RedFlag, TriageJob
from fasttriage.domain.urgency import Urgency
from support import FreezableProxy, event

# A frozen or blocked broker would make publish() hang forever: a call that is still running after this long is
# the failure. The bound proves "an error, not a hang" without timing the call (a loaded machine is slow).
HANG_S = 30.0


def finishes(call: Callable[[], object], within_s: float = HANG_S) -> BaseException | None:
    """Run call in a thread; fail if it is still running after within_s; return what it raised."""
    raised: list[BaseException] = []

    def run() -> None:
        try:
            call()
        except BaseException as exc:
            raised.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(within_s)
    assert not worker.is_alive(), f"still waiting after {within_s} s: a hang, not an error"
    return raised[0] if raised else None


def memory_watermark() -> list[str]:
    """The shared broker's vm_memory_high_watermark as set_vm_memory_high_watermark's arguments."""
    shown = subprocess.run(
        ["rabbitmqctl", "-q", "eval", "vm_memory_monitor:get_vm_memory_high_watermark()."],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    absolute = re.fullmatch(r"\{absolute,\s*(\d+)\}", shown)
    if absolute:
        return ["absolute", absolute.group(1)]
    relative = re.fullmatch(r"(?:\{relative,\s*)?([0-9.]+)\}?", shown)
    assert relative, f"unexpected vm_memory_high_watermark {shown!r}"
    return [relative.group(1)]


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


@pytest.mark.broker
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


@pytest.mark.broker
def test_emergency_job_goes_to_the_emergency_queue(broker_url, queue_name):
    publisher = RabbitPublisher(lambda: broker_url, queue_name)
    publisher.publish(job("2", emergency=True))
    publisher.close()

    assert take(broker_url, queue_name)[0] is None
    assert take(broker_url, emergency_queue(queue_name))[0] is not None


@pytest.mark.broker
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


@pytest.mark.broker
def test_a_silent_broker_ends_in_publish_error_within_the_bound(broker_url, queue_name):
    proxy = FreezableProxy()
    publisher = RabbitPublisher(proxy.url, queue_name, confirm_timeout_s=1.5)
    try:
        publisher.publish(job("5"))
        proxy.frozen.set()
        raised = finishes(lambda: publisher.publish(job("6")))
        assert isinstance(raised, PublishError) and "no broker confirm" in str(raised)
        proxy.frozen.clear()
        proxy.drop_connections()
        publisher.publish(job("7"))  # the next invocation works on a fresh connection
    finally:
        publisher.close()
        proxy.close()


@pytest.mark.broker
def test_a_broker_blocking_publishers_ends_in_publish_error_not_a_hang(broker_url, queue_name):
    publisher = RabbitPublisher(lambda: broker_url, queue_name, confirm_timeout_s=1.5)
    publisher.publish(job("8"))
    before = memory_watermark()  # the shared broker's own setting, restored whatever happens
    subprocess.run(
        ["rabbitmqctl", "-q", "set_vm_memory_high_watermark", "0"], check=True, capture_output=True
    )
    try:
        assert isinstance(finishes(lambda: publisher.publish(job("9"))), PublishError)
    finally:
        subprocess.run(
            ["rabbitmqctl", "-q", "set_vm_memory_high_watermark", *before], check=True, capture_output=True
        )
        publisher.close()
    assert memory_watermark() == before


@pytest.mark.broker
def test_webhook_without_a_spool_answers_503_when_the_broker_does_not_confirm(
    webhook, broker_url, queue_name, lambda_context
):
    proxy = FreezableProxy()
    webhook.deps.publisher = RabbitPublisher(proxy.url, queue_name, confirm_timeout_s=1.5)
    try:
        proxy.frozen.set()
        answers: list[dict] = []
        assert (
            finishes(
                lambda: answers.append(
                    webhook.handler(event("webhook_sore_throat_en_1.json"), lambda_context)
                )
            )
            is None
        )
        assert answers[0]["statusCode"] == 503 and webhook.deps.spool is None
    finally:
        proxy.close()
        webhook.deps.publisher.close()


def test_amqps_endpoint_gets_tls_with_hostname_check():
    params = connection_parameters("amqps://user:pw@b-123.mq.us-east-1.amazonaws.com:5671")
    assert params.port == 5671 and params.ssl_options is not None
    assert params.ssl_options.server_hostname == "b-123.mq.us-east-1.amazonaws.com"
    assert params.ssl_options.context.check_hostname is True


@pytest.mark.broker
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
