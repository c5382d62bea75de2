"""Dead letters: list them without consuming, and re-drive them to the queue they came from.

`fasttriage dlq list` / `fasttriage dlq redrive --id <MessageSid> | --all`. Nothing is lost: a dead letter is
acked only after its re-publish is confirmed. Bodies (patient data) are never printed.

ParkedJobs removes one patient's jobs from the dead-letter and delay queues when they erase their data.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pika

from fasttriage.adapters.consumer import ATTEMPT_HEADER, ORIGIN_HEADER, REASON_HEADER
from fasttriage.adapters.rabbitmq import Topology, connection_parameters, republished_properties


@dataclass(frozen=True)
class DeadLetter:
    message_id: str
    reason: str
    attempts: int
    origin: str
    size: int


def _describe(properties: pika.BasicProperties, body: bytes, default_origin: str) -> DeadLetter:
    headers = properties.headers or {}
    return DeadLetter(
        message_id=str(properties.message_id or "?"),
        reason=str(headers.get(REASON_HEADER, "rejected by the broker (delivery limit)")),
        attempts=int(headers.get(ATTEMPT_HEADER, 0)),
        origin=str(headers.get(ORIGIN_HEADER, default_origin)),
        size=len(body),
    )


def list_dead(url: str, queue: str, limit: int = 100) -> list[DeadLetter]:
    """Reads up to `limit` dead letters without acking: closing the channel returns them all."""
    topology = Topology(queue)
    connection = pika.BlockingConnection(connection_parameters(url))
    try:
        channel = connection.channel()
        topology.declare(channel)
        seen: list[DeadLetter] = []
        while len(seen) < limit:
            method, properties, body = channel.basic_get(topology.dead, auto_ack=False)
            if method is None:
                break
            seen.append(_describe(properties, body, queue))
        channel.close()  # unacked: every message goes back to the dead-letter queue
        return seen
    finally:
        connection.close()


def redrive(url: str, queue: str, message_ids: set[str] | None = None) -> list[DeadLetter]:
    """Moves dead letters (all, or those with the given ids) back to their queue with a fresh attempt count."""
    topology = Topology(queue)
    connection = pika.BlockingConnection(connection_parameters(url))
    moved: list[DeadLetter] = []
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        topology.declare(channel)
        total = channel.queue_declare(topology.dead, passive=True).method.message_count
        for _ in range(total):
            method, properties, body = channel.basic_get(topology.dead, auto_ack=False)
            if method is None:
                break
            letter = _describe(properties, body, queue)
            if message_ids is not None and letter.message_id not in message_ids:
                continue  # left unacked: returned when the channel closes
            headers = {
                k: v
                for k, v in (properties.headers or {}).items()
                if k not in (ATTEMPT_HEADER, REASON_HEADER)
            }
            headers["x-fasttriage-redriven-from"] = letter.reason[:200]
            channel.basic_publish(
                exchange="",
                routing_key=letter.origin,
                body=body,
                properties=republished_properties(properties, headers),
                mandatory=True,
            )
            channel.basic_ack(method.delivery_tag)  # only after the confirmed re-publish
            moved.append(letter)
        channel.close()
        return moved
    finally:
        connection.close()


def _patient_of(body: bytes) -> str | None:
    try:
        job = json.loads(body)
    except ValueError:
        return None
    return job.get("patient_key") if isinstance(job, dict) else None


class ParkedJobs:
    """The jobs parked outside the job queues (dead letters, delayed retries); satisfies
    domain.processing.ParkedJobs. Opens its own connection per erasure (rare), never the consumer's."""

    def __init__(self, url: Callable[[], str], queue: str) -> None:
        self._url = url
        self._topology = Topology(queue)

    def queues(self) -> list[str]:
        t = self._topology
        return [t.dead, *dict.fromkeys(t.delay_for(n) for n in range(1, len(t.retry_delays_s) + 1))]

    def remove_patient(self, patient_key: str) -> int:
        """Acks (deletes) every parked job of the patient; every other message goes back untouched when the
        channel closes. Returns how many were removed."""
        connection = pika.BlockingConnection(connection_parameters(self._url(), name="fasttriage-erasure"))
        removed = 0
        try:
            channel = connection.channel()
            self._topology.declare(channel)
            for name in self.queues():
                waiting = channel.queue_declare(name, passive=True).method.message_count
                for _ in range(waiting):
                    method, _properties, body = channel.basic_get(name, auto_ack=False)
                    if method is None:
                        break
                    if _patient_of(body) == patient_key:
                        channel.basic_ack(method.delivery_tag)
                        removed += 1
            channel.close()  # unacked messages of other patients return to their queues
            return removed
        finally:
            if connection.is_open:
                connection.close()
