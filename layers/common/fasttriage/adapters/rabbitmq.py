"""RabbitMQ (Amazon MQ): the queue topology, a confirmed publisher for the webhook, and the
delivery primitives (retry with delay, dead-letter with a reason) the worker uses.

Topology for a job queue Q (default triage.jobs), declared idempotently by every client at connect:
- Q.emergency, Q         durable quorum queues; the worker drains Q.emergency first.
- Q.delay.<N>s           quorum queues with a TTL that dead-letter back to the job's own queue through the
                         default exchange (the routing key is kept): broker-side retry with growing delays,
                         no sleeping while holding a job.
- Q.dlx -> Q.dead        dead letters: poison jobs and jobs out of attempts, with a reason header.
"""

from __future__ import annotations

import os
import socket
import ssl
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

import pika
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection
from pika.exceptions import AMQPError, ConnectionBlockedTimeout, NackError, UnroutableError

from fasttriage.domain.errors import PublishError
from fasttriage.domain.models import TriageJob

RETRY_DELAYS_S: tuple[float, ...] = (5, 30, 120, 600)
DELIVERY_LIMIT = 20
CONTENT_TYPE = "application/json"


@dataclass(frozen=True)
class Topology:
    """The names and arguments of every queue that serves one job queue."""

    queue: str
    retry_delays_s: tuple[float, ...] = RETRY_DELAYS_S

    @property
    def emergency(self) -> str:
        return f"{self.queue}.emergency"

    @property
    def dlx(self) -> str:
        return f"{self.queue}.dlx"

    @property
    def dead(self) -> str:
        return f"{self.queue}.dead"

    def delay_for(self, attempt: int) -> str:
        """The delay queue for a job that failed its `attempt`-th try: delays grow, then stay at the last."""
        delay = self.retry_delays_s[min(attempt - 1, len(self.retry_delays_s) - 1)]
        return f"{self.queue}.delay.{delay:g}s"

    def declare(self, channel: BlockingChannel) -> None:
        quorum = {"x-queue-type": "quorum"}
        channel.exchange_declare(self.dlx, exchange_type="direct", durable=True)
        channel.queue_declare(self.dead, durable=True, arguments=quorum)
        channel.queue_bind(self.dead, self.dlx, routing_key=self.dead)
        job_args = {
            **quorum,
            "x-dead-letter-exchange": self.dlx,
            "x-dead-letter-routing-key": self.dead,
            "x-delivery-limit": DELIVERY_LIMIT,  # a job that crashes the worker again and again ends up dead
        }
        for name in (self.emergency, self.queue):
            channel.queue_declare(name, durable=True, arguments=job_args)
        for attempt, delay in enumerate(self.retry_delays_s, start=1):
            name = self.delay_for(attempt)
            channel.exchange_declare(name, exchange_type="fanout", durable=True)
            channel.queue_declare(
                name,
                durable=True,
                arguments={
                    **quorum,
                    "x-message-ttl": int(delay * 1000),
                    "x-dead-letter-exchange": "",  # back to the job's own queue: the routing key is kept
                    "x-dead-letter-strategy": "at-least-once",
                    "x-overflow": "reject-publish",
                },
            )
            channel.queue_bind(name, name)


def emergency_queue(queue: str) -> str:
    return Topology(queue).emergency


def declare_topology(channel: BlockingChannel, queue: str) -> None:
    Topology(queue).declare(channel)


def connection_parameters(
    url: str, *, heartbeat_s: int = 30, timeout_s: float = 4.0, name: str = "fasttriage"
) -> pika.URLParameters:
    params = pika.URLParameters(url)
    params.client_properties = {"connection_name": f"{name}@{socket.gethostname()}:{os.getpid()}"}
    params.heartbeat = heartbeat_s
    params.blocked_connection_timeout = timeout_s
    params.socket_timeout = timeout_s
    params.stack_timeout = timeout_s
    params.connection_attempts = 1
    if url.startswith("amqps://"):  # Amazon MQ: TLS on 5671, certificate and host name verified
        context = ssl.create_default_context()
        params.ssl_options = pika.SSLOptions(context, server_hostname=params.host)
    return params


def route_for(job: TriageJob, queue: str) -> str:
    return emergency_queue(queue) if job.assessment.is_emergency else queue


def job_properties(job: TriageJob, headers: dict[str, Any] | None = None) -> pika.BasicProperties:
    return pika.BasicProperties(
        delivery_mode=pika.DeliveryMode.Persistent,
        content_type=CONTENT_TYPE,
        message_id=job.job_id,
        headers=headers or {},
    )


def republished_properties(original: pika.BasicProperties, headers: dict[str, Any]) -> pika.BasicProperties:
    """The properties of a job moved to another queue (retry, dead letter, re-drive): still persistent,
    the same id and content type, the given headers."""
    return pika.BasicProperties(
        delivery_mode=pika.DeliveryMode.Persistent,
        content_type=original.content_type,
        message_id=original.message_id,
        headers=headers,
    )


class _Confined:
    """One connection used from one thread only (pika is not thread-safe). Abandoned whole when it hangs."""

    def __init__(self, open_link: Callable[[], tuple[BlockingConnection, BlockingChannel]]) -> None:
        self._open_link = open_link
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="amqp-publisher")
        self.connection: BlockingConnection | None = None
        self.channel: BlockingChannel | None = None

    def usable_channel(self) -> BlockingChannel:
        if (
            self.connection is None
            or self.connection.is_closed
            or self.channel is None
            or self.channel.is_closed
        ):
            self.close()
            self.connection, self.channel = self._open_link()
        return self.channel

    def close(self) -> None:
        connection, self.connection, self.channel = self.connection, None, None
        if connection is not None and connection.is_open:
            try:
                connection.close()
            except (AMQPError, OSError):
                pass


class RabbitPublisher:
    """Publishes persistent, mandatory, confirmed jobs on one connection reused across invocations.

    A stale or closed connection is detected and reopened, with one retry. The whole publish, reconnect
    included, is bounded by `confirm_timeout_s`: pika blocks without a deadline (a silent broker is only
    noticed by heartbeats), so the connection lives in its own thread and a publish that does not finish in
    time is abandoned with its connection. Past the bound: PublishError, and the caller answers so that
    Twilio retries (a publish that still lands later is deduplicated by the worker on MessageSid).
    """

    def __init__(
        self,
        url: Callable[[], str],
        queue: str,
        *,
        confirm_timeout_s: float = 4.0,
        heartbeat_s: int = 30,
        name: str = "fasttriage-webhook",
        declare_topology: bool = True,
    ) -> None:
        self._url = url
        # False in AWS (webhook, drainer): the publisher's broker user may only write to the default exchange
        # (adapters.broker_users); the worker declares the topology, and a job published before it exists is
        # unroutable (mandatory) -> PublishError -> the spool, drained once the queues are there.
        self._declare = declare_topology
        self._queue = queue
        self._timeout = confirm_timeout_s
        self._heartbeat = heartbeat_s
        self._name = name  # shown by the broker (rabbitmqctl list_connections / the management UI)
        self._lock = threading.Lock()
        self._confined = _Confined(self._open)

    def _open(self) -> tuple[BlockingConnection, BlockingChannel]:
        params = connection_parameters(
            self._url(), heartbeat_s=self._heartbeat, timeout_s=self._timeout, name=self._name
        )
        connection = pika.BlockingConnection(params)
        channel = connection.channel()
        channel.confirm_delivery()
        if self._declare:
            Topology(self._queue).declare(channel)
        return connection, channel

    def _publish_in_thread(self, confined: _Confined, job: TriageJob, body: bytes) -> None:
        for attempt in (1, 2):
            try:
                confined.usable_channel().basic_publish(
                    exchange="",
                    routing_key=route_for(job, self._queue),
                    body=body,
                    properties=job_properties(job),
                    mandatory=True,
                )
                return
            except (UnroutableError, NackError) as exc:
                raise PublishError(f"broker refused the job: {type(exc).__name__}") from exc
            except ConnectionBlockedTimeout as exc:
                confined.close()
                raise PublishError("broker is blocking publishers (resource alarm)") from exc
            except (AMQPError, OSError) as exc:
                confined.close()  # stale or broken: reopen once
                if attempt == 2:
                    raise PublishError(f"broker unavailable: {type(exc).__name__}") from exc

    def publish(self, job: TriageJob) -> None:
        body = job.model_dump_json().encode()
        with self._lock:
            confined = self._confined
            future = confined.executor.submit(self._publish_in_thread, confined, job, body)
            try:
                future.result(timeout=self._timeout)
            except FutureTimeout as exc:
                self._confined = _Confined(self._open)  # the hung thread keeps the old connection
                confined.executor.shutdown(wait=False, cancel_futures=True)
                raise PublishError(f"no broker confirm within {self._timeout:g}s") from exc

    def close(self) -> None:
        with self._lock:
            confined = self._confined
            try:
                confined.executor.submit(confined.close).result(timeout=self._timeout)
            except FutureTimeout:
                pass  # hung: abandoned, its heartbeat will end it
            confined.executor.shutdown(wait=False)
            self._confined = _Confined(self._open)
