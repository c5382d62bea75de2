"""Dead letters: list them without consuming, and re-drive them to the queue they came from.

`fasttriage dlq list` / `fasttriage dlq redrive --id <MessageSid> | --all`. Nothing is lost: a dead letter is
acked only after its re-publish is confirmed. Bodies (patient data) are never printed.
"""

from __future__ import annotations

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
