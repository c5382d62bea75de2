"""The worker through every failure, on the real broker: exactly one effect per message."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pika
import pytest

from fasttriage.adapters.consumer import ATTEMPT_HEADER, REASON_HEADER, Decision, Verdict
from fasttriage.adapters.rabbitmq import RabbitPublisher, Topology
from fasttriage.domain.errors import SummarizerUnavailable
from fasttriage.domain.models import TriageJob
from fasttriage.domain.summarizer import DeterministicSummarizer, SafeSummarizer
from fasttriage.local.events import message_sid, twilio_payload
from support import FreezableProxy
from worker_harness import RunningWorker, SlowSummarizer, make_runner, wait_for

HERE = Path(__file__).parent


def jobs_from_webhook(webhook, publisher, ctx, texts: list[str], sender_base: int = 100) -> list[TriageJob]:
    from fasttriage.local.events import signed_webhook_event

    for i, text in enumerate(texts):
        form = twilio_payload(
            sid=message_sid(f"{text}:{i}"), sender=f"whatsapp:+1555010{sender_base + i:04d}", body=text
        )
        assert webhook.handler(signed_webhook_event(form), ctx)["statusCode"] == 200
    return list(publisher.jobs)


def publish(broker_url, queue, jobs):
    publisher = RabbitPublisher(lambda: broker_url, queue)
    for job in jobs:
        publisher.publish(job)
    publisher.close()


def queue_messages(broker_url, queue):
    connection = pika.BlockingConnection(pika.URLParameters(broker_url))
    channel = connection.channel()
    out = []
    while True:
        method, properties, body = channel.basic_get(queue, auto_ack=True)
        if method is None:
            break
        out.append((properties, body))
    connection.close()
    return out


@pytest.mark.broker
def test_connection_closed_mid_job_completes_exactly_once_after_reconnect(
    broker_url, queue_name, mongo_db, s3, bucket, webhook, publisher, lambda_context
):
    [job] = jobs_from_webhook(webhook, publisher, lambda_context, ["I have had a cough for a week"])
    slow = SlowSummarizer(1.0)
    runner = make_runner(mongo_db, s3, bucket, slow)
    proxy = FreezableProxy()
    try:
        with RunningWorker(proxy.url, queue_name, runner) as consumer:
            publish(broker_url, queue_name, [job])
            assert slow.started.wait(10)
            proxy.drop_connections()  # the broker restarted / the network dropped, mid-job
            assert wait_for(lambda: consumer.stats.acked >= 1, 30)
            assert consumer.stats.reconnects >= 1
    finally:
        proxy.close()
    assert mongo_db["messages"].count_documents({}) == 1
    [case] = list(mongo_db["summaries"].find({}))
    assert case["version"] == 1 and list(case["reports"]) == ["1"]
    assert queue_messages(broker_url, queue_name) == []


@pytest.mark.broker
def test_crash_between_the_writes_and_the_ack_is_not_applied_twice(
    broker_url, queue_name, mongo_db, s3, bucket, webhook, publisher, lambda_context
):
    [job] = jobs_from_webhook(webhook, publisher, lambda_context, ["my ankle is swollen after a fall"])
    runner = make_runner(mongo_db, s3, bucket)
    proxy = FreezableProxy()

    def crash_before_ack(delivery):
        verdict = runner(delivery)  # Mongo and S3 written...
        proxy.drop_connections()  # ...then the process dies before its ack reaches the broker
        return verdict

    try:
        with RunningWorker(proxy.url, queue_name, crash_before_ack) as first:
            publish(broker_url, queue_name, [job])
            assert wait_for(lambda: first.stats.reconnects >= 1, 20)
            first.stop()
    finally:
        proxy.close()
    with RunningWorker(lambda: broker_url, queue_name, runner) as second:  # the replacement task
        assert wait_for(lambda: second.stats.acked >= 1, 20)
    assert mongo_db["messages"].count_documents({}) == 1
    [case] = list(mongo_db["summaries"].find({}))
    assert case["version"] == 1
    versions = s3.list_object_versions(Bucket=bucket, Prefix=f"triage/{case['_id']}/report.pdf")["Versions"]
    assert len(versions) == 1  # the redelivery found every effect stored and rendered nothing again


@pytest.mark.broker
def test_poison_job_is_dead_lettered_after_n_attempts_and_the_jobs_behind_it_still_run(
    broker_url, queue_name, mongo_db, s3, bucket, webhook, publisher, lambda_context
):
    poison, good = jobs_from_webhook(
        webhook, publisher, lambda_context, ["poison", "a sore knee since Monday"]
    )
    runner = make_runner(mongo_db, s3, bucket)

    def handler(delivery):
        if delivery.message_id == poison.job_id:
            return Verdict(Decision.RETRY, "RepositoryError")  # fails every time, e.g. a bad document
        return runner(delivery)

    with RunningWorker(lambda: broker_url, queue_name, handler, max_attempts=3) as consumer:
        publish(broker_url, queue_name, [poison, good])
        assert wait_for(lambda: consumer.stats.dead_lettered == 1 and consumer.stats.acked == 1, 30)
        assert consumer.stats.retried == 2
    [(properties, _)] = queue_messages(broker_url, Topology(queue_name).dead)
    assert properties.message_id == poison.job_id
    assert properties.headers[ATTEMPT_HEADER] == 3
    assert "out of attempts: RepositoryError" in properties.headers[REASON_HEADER]
    assert mongo_db["messages"].find_one({"_id": good.job_id}) is not None


@pytest.mark.broker
def test_malformed_job_is_dead_lettered_at_once_with_the_reason(broker_url, queue_name, mongo_db, s3, bucket):
    runner = make_runner(mongo_db, s3, bucket)
    with RunningWorker(lambda: broker_url, queue_name, runner) as consumer:
        connection = pika.BlockingConnection(pika.URLParameters(broker_url))
        channel = connection.channel()
        channel.basic_publish(
            "", queue_name, b'{"not": "a job"}', pika.BasicProperties(message_id="junk", delivery_mode=2)
        )
        connection.close()
        assert wait_for(lambda: consumer.stats.dead_lettered == 1, 20)
        assert consumer.stats.retried == 0
    [(properties, _)] = queue_messages(broker_url, Topology(queue_name).dead)
    assert properties.headers[REASON_HEADER].startswith("malformed job:")
    assert properties.headers[ATTEMPT_HEADER] == 1


@pytest.mark.broker
def test_llm_down_for_a_whole_run_every_job_still_gets_a_fallback_summary_and_a_pdf(
    broker_url, queue_name, mongo_db, s3, bucket, webhook, publisher, lambda_context
):
    class DownLLM:
        def summarize(self, conversation):
            raise SummarizerUnavailable("503 from watsonx")

    texts = ["crushing chest pain in my left arm", "mild rash on my leg", "headache for two days"]
    jobs = jobs_from_webhook(webhook, publisher, lambda_context, texts)
    runner = make_runner(mongo_db, s3, bucket, SafeSummarizer(DownLLM(), DeterministicSummarizer()))
    with RunningWorker(lambda: broker_url, queue_name, runner) as consumer:
        publish(broker_url, queue_name, jobs)
        assert wait_for(lambda: consumer.stats.acked == 3, 30)
    cases = list(mongo_db["summaries"].find({}))
    assert len(cases) == 3
    for case in cases:
        assert case["summary"]["provenance"]["producer"] == "fallback"
        assert case["summary"]["provenance"]["fallback_reason"] == "llm_unavailable"
        head = s3.head_object(Bucket=bucket, Key=case["reports"]["1"]["key"])
        assert head["ContentType"] == "application/pdf"
    assert {c["urgency"] for c in cases} >= {"emergency"}


@pytest.mark.broker
def test_emergencies_waiting_behind_routine_jobs_are_taken_before_them(
    broker_url, queue_name, mongo_db, s3, bucket, webhook, publisher, lambda_context
):
    texts = [
        "routine one: a wart",
        "routine two: dry skin",
        "routine three: earwax",
        "I can't breathe, lips turning blue",
        "crushing chest pain into my left arm",
        "my father collapsed and is not responding",
    ]
    jobs = jobs_from_webhook(webhook, publisher, lambda_context, texts)
    emergencies = {j.job_id for j in jobs if j.assessment.is_emergency}
    assert len(emergencies) == 3
    publish(broker_url, queue_name, jobs)  # a backlog: all waiting before the worker starts
    order = []
    runner = make_runner(mongo_db, s3, bucket)

    def handler(delivery):
        order.append(delivery.message_id)
        return runner(delivery)

    with RunningWorker(lambda: broker_url, queue_name, handler) as consumer:
        assert wait_for(lambda: consumer.stats.acked == 6, 30)
    # Before each routine job the worker looks for a waiting emergency; at most the one routine job that was
    # already delivered when the worker started can run before the last emergency.
    last_emergency = max(order.index(job_id) for job_id in emergencies)
    assert last_emergency <= 3, order


@pytest.mark.broker
def test_sigterm_finishes_the_running_job_then_exits_zero(
    broker_url, queue_name, moto_endpoint, s3, bucket, tmp_path, webhook, publisher, lambda_context
):
    [job] = jobs_from_webhook(webhook, publisher, lambda_context, ["back pain after lifting boxes"])
    health, started = tmp_path / "health", tmp_path / "started"
    env = {
        **os.environ,
        "AMQP_URL": broker_url,
        "QUEUE_NAME": queue_name,
        "REPORTS_BUCKET": bucket,
        "AWS_ENDPOINT_URL": moto_endpoint,
        "WORKER_HEALTH_FILE": str(health),
        "HARNESS_SUMMARY_SECONDS": "2",
        "HARNESS_STARTED_FILE": str(started),
        "POWERTOOLS_METRICS_DISABLED": "true",
    }
    process = subprocess.Popen(
        [sys.executable, str(HERE / "worker_harness.py")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        check = [sys.executable, "-m", "fasttriage.worker", "--health"]
        assert wait_for(lambda: subprocess.run(check, env=env, capture_output=True).returncode == 0, 30)
        publish(broker_url, queue_name, [job])
        assert wait_for(started.exists, 20)
        process.send_signal(signal.SIGTERM)  # ECS replaces the task mid-job
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert process.stdout is not None
    output = process.stdout.read()
    assert '"job completed"' in output and '"worker stopped"' in output
    assert queue_messages(broker_url, queue_name) == []  # acked, not requeued
    assert subprocess.run(check, env=env, capture_output=True).returncode == 1  # no longer healthy


def test_dockerfile_names_an_entrypoint_and_health_check_that_exist():
    dockerfile = (HERE.parents[1] / "worker" / "Dockerfile").read_text()
    entry = next(line for line in dockerfile.splitlines() if line.startswith("ENTRYPOINT"))
    assert json.loads(entry.removeprefix("ENTRYPOINT").strip()) == ["python", "-m", "fasttriage.worker"]
    assert '"fasttriage.worker", "--health"' in dockerfile and "USER 10001" in dockerfile
    helped = subprocess.run(
        [sys.executable, "-m", "fasttriage.worker", "--help"], capture_output=True, text=True
    )
    assert helped.returncode == 0 and "--health" in helped.stdout


@pytest.mark.broker
def test_dead_letters_are_listed_without_loss_and_redriven_by_the_documented_command(
    broker_url, queue_name, mongo_db, s3, bucket
):
    runner = make_runner(mongo_db, s3, bucket)
    with RunningWorker(lambda: broker_url, queue_name, runner) as consumer:
        connection = pika.BlockingConnection(pika.URLParameters(broker_url))
        connection.channel().basic_publish(
            "", queue_name, b"{}", pika.BasicProperties(message_id="junk-1", delivery_mode=2)
        )
        connection.close()
        assert wait_for(lambda: consumer.stats.dead_lettered == 1, 20)
    env = {**os.environ, "AMQP_URL": broker_url, "QUEUE_NAME": queue_name}
    cli = [sys.executable, "-m", "fasttriage.dlq"]  # what the admin task runs in the worker image
    listed = subprocess.run([*cli, "list"], env=env, capture_output=True, text=True, check=True).stdout
    assert "1 dead letter(s)" in listed and "junk-1" in listed and "malformed job" in listed
    again = subprocess.run([*cli, "list"], env=env, capture_output=True, text=True, check=True).stdout
    assert "1 dead letter(s)" in again  # listing consumed nothing
    moved = subprocess.run(
        [*cli, "redrive", "--id", "junk-1"], env=env, capture_output=True, text=True, check=True
    )
    assert f"junk-1 -> {queue_name}" in moved.stdout
    [(properties, body)] = queue_messages(broker_url, queue_name)
    assert body == b"{}" and properties.message_id == "junk-1"
    assert queue_messages(broker_url, Topology(queue_name).dead) == []
