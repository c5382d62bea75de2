"""The whole flow against the real RabbitMQ: signed webhook -> queue -> worker -> Mongo + S3 -> report URL."""

from __future__ import annotations

import io
import threading
import time
from datetime import timedelta

import pytest
import requests
from pypdf import PdfReader

from fasttriage.adapters.consumer import Decision, RabbitConsumer
from fasttriage.adapters.rabbitmq import RabbitPublisher
from fasttriage.adapters.s3 import ReportStore
from fasttriage.domain.models import TriageJob
from fasttriage.local.demo import post_signed, sign_in, wait_for_cases
from fasttriage.local.events import fields_of
from fasttriage.local.stack import LocalStack, free_port
from fasttriage.worker import JobRunner
from support import event, webhook_events

pytestmark = pytest.mark.broker


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def stack(broker_url, queue_name):
    stack = LocalStack(port=free_port(), amqp_url=broker_url, queue_name=queue_name).start()
    yield stack
    stack.stop()


def test_signed_messages_become_a_downloadable_pdf_through_the_real_broker(stack):
    assert stack.uses_rabbitmq
    conversation = [p for p in webhook_events() if "sore_throat" in p.name]
    fields = [fields_of(event(p.name)) for p in conversation]
    for form in fields:
        assert post_signed(stack.gateway.url, form).status_code == 200

    first_sid = dict(fields[0])["MessageSid"]
    cases = wait_for_cases(stack, {first_sid: len(fields)}, timeout_s=60)
    case_id = cases[first_sid]
    token = sign_in(stack.gateway.url)
    link = requests.get(
        f"{stack.gateway.url}/summaries/{case_id}/report",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert link.status_code == 200
    assert (
        "X-Amz-Signature=" in link.json()["url"] and "X-Amz-Algorithm=AWS4-HMAC-SHA256" in link.json()["url"]
    )
    pdf = requests.get(link.json()["url"], timeout=10)
    assert pdf.status_code == 200
    text = pdf_text(pdf.content)
    assert "sore throat" in text and "allergic to penicillin" in text  # both messages of the conversation
    assert "whatsapp:***0102" in text
    assert "John Carter" not in text and "+15550100102" not in text  # masked identifiers only
    record = stack.runner.repository.get(case_id)
    assert record.version == 2 and record.message_count == 2


def test_unknown_and_malformed_ids_are_404_and_400_through_the_gateway(stack):
    token = sign_in(stack.gateway.url)
    auth = {"Authorization": f"Bearer {token}"}
    unknown = requests.get(f"{stack.gateway.url}/summaries/{'ab' * 16}/report", headers=auth, timeout=5)
    malformed = requests.get(f"{stack.gateway.url}/summaries/not-an-id/report", headers=auth, timeout=5)
    anonymous = requests.get(f"{stack.gateway.url}/summaries/{'ab' * 16}/report", timeout=5)
    assert (unknown.status_code, malformed.status_code, anonymous.status_code) == (404, 400, 401)
    assert requests.get(f"{stack.gateway.url}/health", timeout=5).status_code == 200


def test_a_job_delivered_twice_yields_one_summary_document(
    broker_url, queue_name, mongo_db, s3, bucket, webhook, publisher, lambda_context
):
    webhook.handler(event("webhook_sore_throat_en_1.json"), lambda_context)
    job: TriageJob = publisher.jobs[0]
    real = RabbitPublisher(lambda: broker_url, queue_name)
    real.publish(job)
    real.publish(job)  # Twilio retried, or the webhook's retry after a lost confirm
    real.close()

    from fasttriage.adapters.mongo import MongoPatients, MongoRepository
    from fasttriage.domain.processing import Ports
    from fasttriage.domain.summarizer import DeterministicSummarizer

    repository = MongoRepository(mongo_db)
    repository.ensure_indexes()
    ports = Ports(repository, MongoPatients(mongo_db), DeterministicSummarizer(), ReportStore(s3, bucket))
    runner = JobRunner(ports=ports, case_idle_timeout=timedelta(hours=4))
    consumer = RabbitConsumer(lambda: broker_url, queue_name, runner)
    worker = threading.Thread(target=consumer.run, daemon=True)
    worker.start()
    deadline = time.monotonic() + 30
    while len(consumer.stats.settled) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    consumer.stop()
    worker.join(10)

    assert [decision for _, decision in consumer.stats.settled] == [Decision.ACK, Decision.ACK]
    assert mongo_db["summaries"].count_documents({}) == 1
    assert mongo_db["messages"].count_documents({}) == 1
    doc = mongo_db["summaries"].find_one({})
    assert doc["version"] == 1 and list(doc["reports"]) == ["1"]
    listed = s3.list_object_versions(Bucket=bucket, Prefix=f"triage/{doc['_id']}/")
    assert {v["Key"] for v in listed["Versions"]} == {
        f"triage/{doc['_id']}/report.pdf",
        f"triage/{doc['_id']}/raw.json",
    }


def test_every_summary_version_keeps_its_own_report(stack):
    conversation = [fields_of(event(p.name)) for p in webhook_events() if "sore_throat" in p.name]
    for form in conversation:
        assert post_signed(stack.gateway.url, form).status_code == 200
    first_sid = dict(conversation[0])["MessageSid"]
    case_id = wait_for_cases(stack, {first_sid: 2}, timeout_s=60)[first_sid]
    token = sign_in(stack.gateway.url)

    def report_text(version: int) -> str:
        link = requests.get(
            f"{stack.gateway.url}/summaries/{case_id}/report?version={version}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert link.status_code == 200 and link.json()["version"] == version
        return pdf_text(requests.get(link.json()["url"], timeout=10).content)

    first, latest = report_text(1), report_text(2)
    assert "sore throat" in first and "allergic to penicillin" not in first  # what was known at version 1
    assert "allergic to penicillin" in latest
