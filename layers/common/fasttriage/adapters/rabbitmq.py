"""RabbitMQ (Amazon MQ): the queue topology, a confirmed publisher for the webhook, and the
delivery primitives (retry with delay, dead-letter with a reason) the worker uses.

Topology (declared idempotently by every client at connect):
- triage.jobs.emergency, triage.jobs  durable quorum queues; the worker drains emergency first.
- triage.delay.<N>s                    quorum queues with a TTL that dead-letter back to the job's own queue
                                       through the default exchange (the routing key is kept): broker-side retry
                                       with growing delays, no sleeping while holding a job.
- triage.dlx -> triage.dead            dead letters: poison jobs and jobs out of attempts, with a reason header.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pika
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection
from pika.exceptions import AMQPError, NackError, UnroutableError

from fasttriage.domain.errors import PublishError
from fasttriage.domain.models import TriageJob

DLX = "triage.dlx"
DEAD_QUEUE = "triage.dead"
RETRY_DELAYS_S = (5, 30, 120, 600)
DELIVERY_LIMIT = 20
CONTENT_TYPE = "application/json"


def emergency_queue(queue: str) -> str:
    return f"{queue}.emergency"


def delay_queue(delay_s: int) -> str:
    return f"triage.delay.{delay_s}s"


def connection_parameters(url: str, *, heartbeat_s: int = 30, timeout_s: float = 4.0) -> pika.URLParameters:
    params = pika.URLParameters(url)
    params.heartbeat = heartbeat_s
    params.blocked_connection_timeout = timeout_s * 5
    params.socket_timeout = timeout_s
    params.stack_timeout = timeout_s * 2
    params.connection_attempts = 1
    if url.startswith("amqps://") and params.ssl_options is None:
        context = ssl.create_default_context()
        params.ssl_options = pika.SSLOptions(context, server_hostname=params.host)
    return params


def declare_topology(channel: BlockingChannel, queue: str) -> None:
    quorum = {"x-queue-type": "quorum"}
    channel.exchange_declare(DLX, exchange_type="direct", durable=True)
    channel.queue_declare(DEAD_QUEUE, durable=True, arguments=quorum)
    channel.queue_bind(DEAD_QUEUE, DLX, routing_key=DEAD_QUEUE)
    job_args = {
        **quorum,
        "x-dead-letter-exchange": DLX,
        "x-dead-letter-routing-key": DEAD_QUEUE,
        "x-delivery-limit": DELIVERY_LIMIT,  # a job that crashes the worker again and again ends up dead
    }
    for name in (emergency_queue(queue), queue):
        channel.queue_declare(name, durable=True, arguments=job_args)
    for delay in RETRY_DELAYS_S:
        name = delay_queue(delay)
        channel.exchange_declare(name, exchange_type="fanout", durable=True)
        channel.queue_declare(
            name,
            durable=True,
            arguments={
                **quorum,
                "x-message-ttl": delay * 1000,
                "x-dead-letter-exchange": "",  # back to the job's own queue: the routing key is kept
                "x-dead-letter-strategy": "at-least-once",
                "x-overflow": "reject-publish",
            },
        )
        channel.queue_bind(name, name)


def route_for(job: TriageJob, queue: str) -> str:
    return emergency_queue(queue) if job.assessment.is_emergency else queue


def job_properties(job: TriageJob, headers: dict[str, Any] | None = None) -> pika.BasicProperties:
    return pika.BasicProperties(
        delivery_mode=pika.DeliveryMode.Persistent,
        content_type=CONTENT_TYPE,
        message_id=job.job_id,
        headers=headers or {},
    )


class PublishTimeout(AMQPError):
    """The broker did not confirm within the bound."""


@dataclass
class _Link:
    connection: BlockingConnection
    channel: BlockingChannel


class RabbitPublisher:
    """Publishes persistent, mandatory, confirmed jobs on one connection reused across invocations.

    A stale or closed connection is detected and reopened, with one retry. If the broker does not confirm
    within `confirm_timeout_s`, PublishError: the caller must answer so that Twilio retries.
    """

    def __init__(
        self, url: Callable[[], str], queue: str, *, confirm_timeout_s: float = 4.0, heartbeat_s: int = 30
    ) -> None:
        self._url = url
        self._queue = queue
        self._timeout = confirm_timeout_s
        self._heartbeat = heartbeat_s
        self._link: _Link | None = None
        self._lock = threading.Lock()

    def _open(self) -> _Link:
        params = connection_parameters(self._url(), heartbeat_s=self._heartbeat, timeout_s=self._timeout)
        connection = pika.BlockingConnection(params)
        channel = connection.channel()
        channel.confirm_delivery()
        declare_topology(channel, self._queue)
        return _Link(connection, channel)

    def _usable(self) -> _Link:
        link = self._link
        if link is None or link.connection.is_closed or link.channel.is_closed:
            self.close()
            link = self._link = self._open()
        return link

    def _publish_once(self, job: TriageJob, body: bytes) -> None:
        link = self._usable()

        def expire() -> None:
            raise PublishTimeout(f"no confirm within {self._timeout}s")

        timer = link.connection.call_later(self._timeout, expire)
        try:
            link.channel.basic_publish(
                exchange="",
                routing_key=route_for(job, self._queue),
                body=body,
                properties=job_properties(job),
                mandatory=True,
            )
        finally:
            if link.connection.is_open:
                link.connection.remove_timeout(timer)

    def publish(self, job: TriageJob) -> None:
        body = job.model_dump_json().encode()
        with self._lock:
            try:
                try:
                    self._publish_once(job, body)
                except (UnroutableError, NackError):
                    raise
                except (AMQPError, OSError):
                    self.close()  # stale or broken: reopen once and try again
                    self._publish_once(job, body)
            except (UnroutableError, NackError) as exc:
                raise PublishError(f"broker refused the job: {type(exc).__name__}") from exc
            except (AMQPError, OSError) as exc:
                self.close()
                raise PublishError(f"broker unavailable: {type(exc).__name__}") from exc

    def close(self) -> None:
        link, self._link = self._link, None
        if link is not None and link.connection.is_open:
            try:
                link.connection.close()
            except (AMQPError, OSError):
                pass
