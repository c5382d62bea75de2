"""Shared pieces of the escalation tests: a worker with Twilio (recorded through the real SDK), SNS (moto's
server, a topic fanned out to an SQS inbox we can read) and the local keyword stub in the LLM's place."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from test_twilio_followup import RecordingTwilioHttpClient

from fasttriage.adapters.outbound import MongoOutbound
from fasttriage.adapters.pager import SnsPager
from fasttriage.adapters.pages import MongoPageLog
from fasttriage.adapters.twilio_rest import TwilioMessenger
from fasttriage.domain.errors import PagerUnavailable
from fasttriage.domain.escalation import EscalationPorts, IntakePage, Page
from fasttriage.domain.summarizer import DeterministicSummarizer, SafeSummarizer
from fasttriage.local.events import message_sid, signed_webhook_event, twilio_payload
from fasttriage.local.summarizer_stub import KeywordStubSummarizer
from fasttriage.wiring import count_failed_page
from fasttriage.worker import JobRunner
from worker_harness import make_runner

ACCOUNT_SID = "AC" + "7" * 32
CONSOLE = "https://console.example.org/Prod/console"
# The screen does not flag these; the local stub (in the LLM's place) rates them urgent / emergency.
URGENT_TEXT = "My readings have been running high all day and I feel off"
EMERGENCY_TEXT = "My son's trach tube came out an hour ago and we cannot get the spare one back in"
LATER_EMERGENCY_TEXT = "Now his trach tube has come out again and the spare will not go in"


def sns_client(endpoint: str) -> Any:
    import boto3

    return boto3.client(
        "sns",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


@dataclass
class Inbox:
    """An SNS topic subscribed by an SQS queue on moto's server: what the on-call phones would receive."""

    endpoint: str
    topic_arn: str
    queue_url: str

    @classmethod
    def create(cls, endpoint: str, name: str) -> Inbox:
        import boto3

        sns = sns_client(endpoint)
        sqs = boto3.client(
            "sqs",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        suffix = uuid.uuid4().hex[:8]
        topic = sns.create_topic(Name=f"{name}-{suffix}")["TopicArn"]
        queue = sqs.create_queue(QueueName=f"{name}-inbox-{suffix}")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
        return cls(endpoint, topic, queue)

    def received(self) -> list[str]:
        """Every page text received so far (drains the queue into self._seen)."""
        import boto3

        sqs = boto3.client(
            "sqs",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        seen: list[str] = self.__dict__.setdefault("_seen", [])
        while True:
            answer = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10)
            messages = answer.get("Messages", [])
            if not messages:
                return list(seen)
            for message in messages:
                seen.append(json.loads(message["Body"])["Message"])
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])


def inbox_and_pager(endpoint: str) -> tuple[Inbox, SnsPager]:
    """An on-call inbox and the real SnsPager publishing to it."""
    inbox = Inbox.create(endpoint, "pager")
    return inbox, SnsPager(inbox.topic_arn, client=sns_client(endpoint))


class FlakyPager:
    """The real SnsPager, refusing the first `failures` pages like an SNS outage would."""

    def __init__(self, pager: SnsPager, failures: int = 0) -> None:
        self.pager = pager
        self.failures = failures
        self.calls = 0

    def publish(self, page: Page | IntakePage, *, now: datetime) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise PagerUnavailable("SNS refused the page: InternalError")
        return self.pager.publish(page, now=now)


def escalating_runner(
    mongo_db: Any,
    s3: Any,
    bucket: str,
    *,
    twilio: RecordingTwilioHttpClient,
    pager: Any,
    max_attempts: int = 5,
) -> JobRunner:
    runner = make_runner(
        mongo_db, s3, bucket, SafeSummarizer(KeywordStubSummarizer(), DeterministicSummarizer())
    )
    outbound = MongoOutbound(mongo_db)
    outbound.ensure_indexes()
    messenger = TwilioMessenger(ACCOUNT_SID, "escalation-test-token", http_client=twilio)
    runner.ports = replace(
        runner.ports,
        messenger=messenger,
        outbound=outbound,
        escalation=EscalationPorts(
            messenger=messenger,
            outbound=outbound,
            pager=pager,
            pages=MongoPageLog(mongo_db),
            console_url=CONSOLE,
            on_page_failed=count_failed_page,
        ),
    )
    runner.max_attempts = max_attempts
    runner.intake_pager = pager  # as build_runner wires it: the case pager also sends degraded-intake pages
    return runner


def webhook_jobs(webhook: Any, publisher: Any, ctx: Any, sender: str, texts: list[str]) -> list[Any]:
    """Posts each text through the real webhook handler; the jobs it published, in order."""
    start = len(publisher.jobs)
    for i, text in enumerate(texts):
        form = twilio_payload(sid=message_sid(f"{sender}:{text}:{i}"), sender=sender, body=text)
        assert webhook.handler(signed_webhook_event(form), ctx)["statusCode"] == 200
    return list(publisher.jobs[start:])


def twilio_bodies(twilio: RecordingTwilioHttpClient) -> list[str]:
    """The Body of every Messages API request the worker made (attempts included)."""
    from urllib.parse import parse_qs

    return [parse_qs(str(request.body))["Body"][0] for request, _ in twilio.sent]
