"""Issue 12, item 5: each local stack (demo, serve, tests) has a job queue of its own unless one is given, so
two stacks on one broker never take each other's jobs; a name it made up is deleted with the stack."""

from __future__ import annotations

import pika
import pytest

from fasttriage.local.stack import LocalStack, free_port

pytestmark = pytest.mark.broker


def exists(broker_url: str, queue: str) -> bool:
    connection = pika.BlockingConnection(pika.URLParameters(broker_url))
    try:
        connection.channel().queue_declare(queue, passive=True)
        return True
    except pika.exceptions.ChannelClosedByBroker:
        return False
    finally:
        if connection.is_open:
            connection.close()


def test_two_stacks_on_one_broker_get_two_queues_and_each_deletes_its_own(broker_url, monkeypatch):
    monkeypatch.delenv("QUEUE_NAME", raising=False)
    first = LocalStack(port=free_port(), amqp_url=broker_url).start()
    second = LocalStack(port=free_port(), amqp_url=broker_url).start()
    names = (first.queue_name, second.queue_name)
    try:
        assert names[0] != names[1]
        assert all(name and name.startswith("triage.local.") for name in names)
        assert all(exists(broker_url, str(name)) for name in names)
    finally:
        second.stop()
        first.stop()
    assert not any(exists(broker_url, str(name)) for name in names)


def test_a_given_queue_name_is_used_and_kept(broker_url, queue_name, monkeypatch):
    monkeypatch.setenv("QUEUE_NAME", queue_name)
    stack = LocalStack(port=free_port(), amqp_url=broker_url).start()
    try:
        assert stack.queue_name == queue_name
    finally:
        stack.stop()
    assert exists(broker_url, queue_name)  # not ours to delete (the fixture does)
