"""The worker's RabbitMQ side: one job at a time, heartbeats while it runs, settle after it ends.

The job runs in a thread so the connection thread keeps answering heartbeats during a long LLM call;
its outcome comes back through `add_callback_threadsafe`. Emergency jobs are taken before routine ones.
Retries go through the delay queues (no sleeping while holding a job); dead letters carry a reason.
Connection loss: reconnect with backoff; an unacked job is redelivered and re-applied idempotently.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import pika
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection
from pika.exceptions import AMQPError

from fasttriage.adapters.rabbitmq import (
    RETRY_DELAYS_S,
    Topology,
    connection_parameters,
    republished_properties,
)

ATTEMPT_HEADER = "x-fasttriage-attempt"
REASON_HEADER = "x-fasttriage-reason"
ORIGIN_HEADER = "x-fasttriage-queue"


class Decision(str, Enum):
    ACK = "ack"
    RETRY = "retry"
    DEAD = "dead"


@dataclass(frozen=True)
class Verdict:
    decision: Decision
    reason: str = ""


@dataclass(frozen=True)
class Delivery:
    body: bytes
    queue: str
    attempt: int
    redelivered: bool
    message_id: str | None


Handler = Callable[[Delivery], Verdict]


@dataclass
class _Pending:
    channel: BlockingChannel
    method: Any
    properties: pika.BasicProperties
    body: bytes


@dataclass
class WorkerStats:
    acked: int = 0
    retried: int = 0
    dead_lettered: int = 0
    reconnects: int = 0
    settled: list[tuple[str, Decision]] = field(default_factory=list)


class RabbitConsumer:
    def __init__(
        self,
        url: Callable[[], str],
        queue: str,
        handler: Handler,
        *,
        max_attempts: int = 5,
        heartbeat_s: int = 30,
        health_file: str | None = None,
        stop_grace_s: float = 100.0,
        backoff_max_s: float = 30.0,
        on_settled: Callable[[Delivery, Verdict], None] | None = None,
        retry_delays_s: tuple[float, ...] = RETRY_DELAYS_S,
    ) -> None:
        self._url = url
        self.topology = Topology(queue, retry_delays_s)
        self._queues = (self.topology.emergency, queue)
        self._handler = handler
        self._max_attempts = max_attempts
        self._heartbeat_s = heartbeat_s
        self._health = Path(health_file) if health_file else None
        self._stop_grace_s = stop_grace_s
        self._backoff_max_s = backoff_max_s
        self._on_settled = on_settled
        self._stop = threading.Event()
        self._buffer: list[_Pending] = []
        self._last_was_emergency = False
        self._job: threading.Thread | None = None
        self._connection: BlockingConnection | None = None
        self.stats = WorkerStats()
        self.connected = threading.Event()

    # --- lifecycle -------------------------------------------------------------------------------------

    def stop(self) -> None:
        """Asks the loop to finish the current job (or leave it to be redelivered) and return."""
        self._stop.set()

    def run(self) -> None:
        backoff = 0.5
        while not self._stop.is_set():
            try:
                self._serve()
                backoff = 0.5
            except (AMQPError, OSError):
                self.connected.clear()
                self._beat(False)
                self._abandon()
                if self._stop.is_set():
                    break
                self.stats.reconnects += 1
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self._backoff_max_s)
        self._beat(False)

    def _serve(self) -> None:
        params = connection_parameters(self._url(), heartbeat_s=self._heartbeat_s, name="fasttriage-worker")
        connection = pika.BlockingConnection(params)
        self._connection = connection
        try:
            channel = connection.channel()
            channel.confirm_delivery()
            self.topology.declare(channel)
            channel.basic_qos(prefetch_count=1)
            tags = [channel.basic_consume(q, self._on_message, auto_ack=False) for q in self._queues]
            self.connected.set()
            while not self._stop.is_set():
                self._start_next()
                connection.process_data_events(time_limit=0.2)
                self._beat(True)
            for tag in tags:
                channel.basic_cancel(tag)
            self._drain_on_stop(connection, channel)
        finally:
            self.connected.clear()
            self._connection = None
            if connection.is_open:
                try:
                    connection.close()
                except (AMQPError, OSError):
                    pass

    def _drain_on_stop(self, connection: BlockingConnection, channel: BlockingChannel) -> None:
        for pending in self._buffer:  # delivered but never started: back to the queue at once
            channel.basic_nack(pending.method.delivery_tag, requeue=True)
        self._buffer.clear()
        deadline = time.monotonic() + self._stop_grace_s
        while self._job is not None and self._job.is_alive() and time.monotonic() < deadline:
            connection.process_data_events(time_limit=0.2)
        connection.process_data_events(time_limit=0)  # run the finished job's settle callback

    def _abandon(self) -> None:
        """After a connection loss: the deliveries are void (the broker redelivers them); wait for the job."""
        self._buffer.clear()
        if self._job is not None:
            self._job.join()
            self._job = None

    # --- deliveries ------------------------------------------------------------------------------------

    def _on_message(self, channel: BlockingChannel, method: Any, properties: Any, body: bytes) -> None:
        self._buffer.append(_Pending(channel, method, properties, body))

    def _start_next(self) -> None:
        if self._stop.is_set() or (self._job is not None and self._job.is_alive()) or not self._buffer:
            return
        self._buffer.sort(key=lambda p: 0 if p.method.routing_key == self._queues[0] else 1)
        pending = self._buffer[0]
        if pending.method.routing_key != self._queues[0] and self._last_was_emergency:
            # Only routine work is buffered, right after an emergency: more emergencies may be waiting behind
            # the one the emergency consumer held (prefetch 1), not yet delivered. One quick look keeps them
            # first under a backlog; after a routine job the idle emergency consumer would have one already.
            waiting = pending.channel.basic_get(self._queues[0], auto_ack=False)
            if waiting[0] is not None:
                self._buffer.insert(0, _Pending(pending.channel, *waiting))
        pending = self._buffer.pop(0)
        self._last_was_emergency = pending.method.routing_key == self._queues[0]
        headers = pending.properties.headers or {}
        delivery = Delivery(
            body=pending.body,
            queue=pending.method.routing_key,
            attempt=int(headers.get(ATTEMPT_HEADER, 1)),
            redelivered=bool(pending.method.redelivered),
            message_id=pending.properties.message_id,
        )
        connection = self._connection
        assert connection is not None

        def work() -> None:
            verdict = self._handler(delivery)
            try:
                connection.add_callback_threadsafe(lambda: self._settle(pending, delivery, verdict))
            except (AMQPError, OSError):
                pass  # the connection is gone: the broker will redeliver, the effects are idempotent

        self._job = threading.Thread(target=work, name="job", daemon=True)
        self._job.start()

    def _settle(self, pending: _Pending, delivery: Delivery, verdict: Verdict) -> None:
        channel, tag = pending.channel, pending.method.delivery_tag
        if channel.is_closed:
            return
        decision = verdict.decision
        if decision is Decision.RETRY and delivery.attempt >= self._max_attempts:
            decision, verdict = Decision.DEAD, Verdict(Decision.DEAD, f"out of attempts: {verdict.reason}")
        if decision is Decision.RETRY:
            delay_exchange = self.topology.delay_for(delivery.attempt)
            self._republish(channel, pending, delay_exchange, delivery.queue, delivery.attempt + 1, verdict)
            self.stats.retried += 1
        elif decision is Decision.DEAD:
            self._republish(
                channel, pending, self.topology.dlx, self.topology.dead, delivery.attempt, verdict
            )
            self.stats.dead_lettered += 1
        else:
            self.stats.acked += 1
        channel.basic_ack(tag)  # only after a confirmed re-publish: a job is never lost in between
        if self._job is not None:
            self._job.join()  # it has handed over its verdict and is returning: start the next job now
            self._job = None
        self.stats.settled.append((delivery.message_id or "", decision))
        if self._on_settled:
            self._on_settled(delivery, Verdict(decision, verdict.reason))
        self._start_next()

    def _republish(
        self,
        channel: BlockingChannel,
        pending: _Pending,
        exchange: str,
        routing_key: str,
        attempt: int,
        verdict: Verdict,
    ) -> None:
        props = pending.properties
        headers = dict(props.headers or {})
        headers.update({ATTEMPT_HEADER: attempt, REASON_HEADER: verdict.reason[:500]})
        headers.setdefault(ORIGIN_HEADER, pending.method.routing_key)
        channel.basic_publish(
            exchange=exchange,
            routing_key=routing_key,
            body=pending.body,
            properties=republished_properties(props, headers),
            mandatory=True,
        )

    def _beat(self, connected: bool) -> None:
        if self._health is not None:
            try:
                self._health.write_text(f"{time.time():.0f} {'connected' if connected else 'disconnected'}\n")
            except OSError:
                pass
