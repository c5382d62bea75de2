"""The spool: an SQS queue (SSE-KMS) holding jobs the broker did not confirm, until the drainer moves them.

The webhook writes a job here only after a failed or timed-out confirmed publish, and answers the patient
only once SQS has acknowledged the write. The drainer (functions/drainer, an SQS event source mapping; or
`SpoolDrainer` in the local stack) publishes each spooled job to the broker with a confirm and lets the
message be deleted only after that confirm. A job may therefore reach the broker twice (a publish that timed
out but landed, a drain retried after a lost delete): the worker dedupes on MessageSid.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from fasttriage.domain.errors import PublishError, SpoolError
from fasttriage.domain.intake import JobPublisher
from fasttriage.domain.models import TriageJob


def _sdk_errors() -> tuple[type[Exception], ...]:
    """botocore's errors, imported on the fallback path only (not in the webhook's cold start)."""
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError)


def sqs_client(
    endpoint_url: str | None = None,
    region: str | None = None,
    *,
    timeout_s: float = 1.0,
    total_attempts: int = 2,
) -> Any:
    """An SQS client with short timeouts and at most `total_attempts` tries (botocore's `total_max_attempts`,
    the first try included): the spool is on the patient's critical path when it is used, and the whole
    answer must fit the webhook's time budget (tests/infra/test_webhook_time_budget.py)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "sqs",
        endpoint_url=endpoint_url,
        region_name=region,
        config=Config(
            connect_timeout=timeout_s,
            read_timeout=timeout_s,
            retries={"total_max_attempts": total_attempts, "mode": "standard"},
        ),
    )


@dataclass(frozen=True)
class SpooledJob:
    """One message read from the spool: its body (a TriageJob as JSON) and what deletes it."""

    message_id: str
    receipt: str
    body: str


class SqsSpool:
    """put() for the webhook; receive()/delete() for the local drainer (the Lambda gets records instead)."""

    def __init__(self, client: Callable[[], Any], queue_url: str) -> None:
        self._make_client = client  # built on first use (or by warm()), not at import: boto3 is slow to load
        self._client: Any = None
        self._warming: threading.Thread | None = None
        self._lock = threading.Lock()
        self.queue_url = queue_url

    @property
    def client(self) -> Any:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    failures: tuple[type[Exception], ...] = (*_sdk_errors(), ValueError)
                    try:
                        self._client = self._make_client()
                    except failures as exc:
                        raise SpoolError(f"spool client failed: {type(exc).__name__}") from exc
        return self._client

    def warm(self) -> None:
        """Builds the client ahead of need, in a background thread (once): importing boto3 costs ~200 ms
        that no request should wait for, least of all the first one of a broker outage."""
        if self._client is not None or self._warming is not None:
            return
        self._warming = threading.Thread(target=self._build_quietly, name="spool-warmup", daemon=True)
        self._warming.start()

    def _build_quietly(self) -> None:
        try:
            _ = self.client
        except Exception:  # a broken configuration surfaces on first use, as a SpoolError
            return

    def put(self, job: TriageJob) -> None:
        try:
            self.client.send_message(
                QueueUrl=self.queue_url,
                MessageBody=job.model_dump_json(),
                MessageAttributes={"job_id": {"DataType": "String", "StringValue": job.job_id}},
            )
        except _sdk_errors() as exc:
            raise SpoolError(f"spool write failed: {type(exc).__name__}") from exc

    def receive(self, max_messages: int = 10, wait_s: int = 0) -> list[SpooledJob]:
        try:
            answer = self.client.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=max_messages, WaitTimeSeconds=wait_s
            )
        except _sdk_errors() as exc:
            raise SpoolError(f"spool read failed: {type(exc).__name__}") from exc
        return [SpooledJob(m["MessageId"], m["ReceiptHandle"], m["Body"]) for m in answer.get("Messages", [])]

    def delete(self, receipt: str) -> None:
        try:
            self.client.delete_message(QueueUrl=self.queue_url, ReceiptHandle=receipt)
        except _sdk_errors() as exc:
            raise SpoolError(f"spool delete failed: {type(exc).__name__}") from exc


@dataclass(frozen=True)
class DrainResult:
    moved: list[str]  # message ids published with a confirm
    failed: list[str]  # message ids left in the spool (broker down) for a later attempt
    malformed: list[str]  # message ids that are not jobs: left for the spool's dead-letter queue


def drain(spooled: Iterable[SpooledJob], publisher: JobPublisher) -> DrainResult:
    """Publishes each spooled job with a confirm. Deleting is the caller's: only the `moved` ones.

    Stops publishing at the first broker failure (the rest would fail the same way) and reports them failed.
    """
    moved: list[str] = []
    failed: list[str] = []
    malformed: list[str] = []
    broker_down = False
    for item in spooled:
        if broker_down:
            failed.append(item.message_id)
            continue
        try:
            job = TriageJob.model_validate_json(item.body)
        except ValueError:
            malformed.append(item.message_id)
            continue
        try:
            publisher.publish(job)
        except PublishError:
            broker_down = True
            failed.append(item.message_id)
            continue
        moved.append(item.message_id)
    return DrainResult(moved=moved, failed=failed, malformed=malformed)


class SpoolDrainer:
    """The local stack's drainer: polls the spool, publishes with confirms, deletes each job after its
    confirm. In AWS the same `drain` runs in functions/drainer behind an SQS event source mapping."""

    def __init__(self, spool: SqsSpool, publisher: JobPublisher, *, idle_s: float = 0.2) -> None:
        self._spool = spool
        self._publisher = publisher
        self._idle_s = idle_s
        self._stop = threading.Event()
        self.moved = 0

    def drain_once(self) -> DrainResult:
        batch = self._spool.receive(max_messages=10)
        result = drain(batch, self._publisher)
        receipts = {item.message_id: item.receipt for item in batch}
        for message_id in result.moved:
            self._spool.delete(receipts[message_id])
            self.moved += 1
        return result

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                result = self.drain_once()
                busy = bool(result.moved)
            except SpoolError:
                busy = False
            if not busy:
                self._stop.wait(self._idle_s)

    def stop(self) -> None:
        self._stop.set()
