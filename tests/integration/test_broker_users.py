"""Issue 13.10: the broker users custom resource, run against a PRIVATE RabbitMQ node with the management
plugin (started here on free ports; the shared broker is never touched): the webhook's publisher and the
worker's consumer get their own users, and RabbitMQ itself refuses what each must not do."""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pika
import pytest
from pika.exceptions import ChannelClosedByBroker
from private_rabbit import PrivateRabbit

from fasttriage.adapters.broker_users import BrokerAdminError, RabbitAdmin, permissions_for
from fasttriage.adapters.deadletters import ParkedJobs
from fasttriage.adapters.rabbitmq import RabbitPublisher, Topology
from fasttriage.domain.errors import PublishError
from fasttriage.domain.models import Assessment, InboundMessage, Language, TriageJob
from fasttriage.local.lambdas import FakeContext, load_function

QUEUE = "triage.jobs"
PUBLISHER = {"username": "fasttriage-publisher", "password": "Pub1isherPassw0rdXyz"}
CONSUMER = {"username": "fasttriage-consumer", "password": "C0nsumerPassw0rdXyz"}


@pytest.fixture(scope="module")
def rabbit() -> Iterator[PrivateRabbit]:
    base = Path(tempfile.mkdtemp(prefix="ft13-rabbit-"))  # under /tmp: the node runs as the rabbitmq user
    node = PrivateRabbit(base)
    try:
        node.start()
        yield node
    finally:
        node.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def secrets(secretsmanager: Any) -> dict[str, str]:
    def create(name: str, value: dict[str, str]) -> str:
        return str(secretsmanager.create_secret(Name=name, SecretString=json.dumps(value))["ARN"])

    return {
        "AdminSecretArn": create("admin", {"username": "guest", "password": "guest"}),
        "PublisherSecretArn": create("publisher", PUBLISHER),
        "ConsumerSecretArn": create("consumer", CONSUMER),
        "RenamedConsumerSecretArn": create("consumer2", {**CONSUMER, "username": "fasttriage-consumer-2"}),
    }


def cfn_event(
    kind: str, props: dict[str, str], old: dict[str, str] | None = None, url: str = ""
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "RequestType": kind,
        "ResponseURL": url or "http://127.0.0.1:9/unused",
        "StackId": "arn:aws:cloudformation:us-east-1:000000000000:stack/fasttriage-dev/x",
        "RequestId": "r-1",
        "LogicalResourceId": "BrokerUsers",
        "ResourceType": "Custom::BrokerUsers",
        "ResourceProperties": {"AmqpEndpoint": "amqps://unused:5671", "QueueName": QUEUE, **props},
    }
    if old is not None:
        event["OldResourceProperties"] = {"AmqpEndpoint": "amqps://unused:5671", "QueueName": QUEUE, **old}
    return event


def props(secrets: dict[str, str], consumer: str = "ConsumerSecretArn") -> dict[str, str]:
    return {k: secrets[k] for k in ("AdminSecretArn", "PublisherSecretArn")} | {
        "ConsumerSecretArn": secrets[consumer]
    }


def job() -> TriageJob:
    return TriageJob(
        job_id="SM" + "1" * 32,
        received_at=datetime(2026, 11, 30, 8, tzinfo=UTC),
        message=InboundMessage(
            message_sid="SM" + "1" * 32,
            account_sid="AC" + "0" * 32,
            sender="whatsapp:+15550100001",
            recipient="x",
            body="hi",
        ),
        patient_key="ab" * 32,
        assessment=Assessment(language=Language.EN, rules_version="r"),
    )


def refused(url: str, action: Any) -> bool:
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        action(connection.channel())
    except ChannelClosedByBroker as exc:
        return exc.reply_code == 403
    finally:
        if connection.is_open:
            connection.close()
    return False


def test_publisher_and_consumer_get_their_own_least_privileged_users(rabbit, secrets):
    app = load_function("broker_users", fresh=True)
    assert app.apply(cfn_event("Create", props(secrets)), admin_url=rabbit.http) == [
        PUBLISHER["username"],
        CONSUMER["username"],
    ]
    publisher_url = rabbit.amqp_url(PUBLISHER["username"], PUBLISHER["password"])
    consumer_url = rabbit.amqp_url(CONSUMER["username"], CONSUMER["password"])

    topology = Topology(QUEUE)
    # Before the worker has declared the queues, the webhook's publish-only user cannot create them: the job is
    # unroutable and the webhook spools it (PublishError), as in production.
    early = RabbitPublisher(lambda: publisher_url, QUEUE, declare_topology=False)
    with pytest.raises(PublishError):
        early.publish(job())
    early.close()
    # The worker's consumer declares the topology at start; then the publisher publishes, with confirms.
    connection = pika.BlockingConnection(pika.URLParameters(consumer_url))
    topology.declare(connection.channel())
    connection.close()
    publisher = RabbitPublisher(lambda: publisher_url, QUEUE, declare_topology=False)
    publisher.publish(job())
    publisher.close()
    # ... and can do nothing else: read no queue (not even its own jobs), declare or configure nothing.
    for queue in (QUEUE, topology.emergency, topology.dead, "elsewhere"):
        assert refused(publisher_url, lambda ch, q=queue: ch.basic_get(q)), queue
    assert refused(publisher_url, lambda ch: ch.queue_declare("elsewhere", durable=True))
    assert refused(publisher_url, lambda ch: ch.queue_delete(QUEUE))

    def publish_to_dead_letters(ch: Any) -> None:
        ch.confirm_delivery()  # the refusal closes the channel; a confirm waits for it
        ch.basic_publish(topology.dlx, topology.dead, b"{}")

    assert refused(publisher_url, publish_to_dead_letters)
    # The worker's consumer reads the job; it cannot declare or read outside the family either.
    connection = pika.BlockingConnection(pika.URLParameters(consumer_url))
    method, _props, body = connection.channel().basic_get(QUEUE, auto_ack=True)
    connection.close()
    assert method is not None and json.loads(body)["job_id"] == job().job_id
    assert refused(consumer_url, lambda ch: ch.queue_declare("elsewhere", durable=True))
    # It declares the topology, parks a retry and a dead letter, and erasure can clear them, as the worker does.
    connection = pika.BlockingConnection(pika.URLParameters(consumer_url))
    channel = connection.channel()
    topology.declare(channel)
    channel.confirm_delivery()
    channel.basic_publish(topology.delay_for(4), QUEUE, job().model_dump_json().encode())
    channel.basic_publish(topology.dlx, topology.dead, job().model_dump_json().encode())
    connection.close()
    assert ParkedJobs(lambda: consumer_url, QUEUE).remove_patient(job().patient_key) == 2
    # Neither is an administrator of the broker.
    for user in (PUBLISHER, CONSUMER):
        assert rabbit.api("GET", "/api/users", (user["username"], user["password"]))[0] == 401


def test_an_update_retires_a_renamed_user_and_a_delete_removes_both(rabbit, secrets):
    app = load_function("broker_users", fresh=True)
    app.apply(cfn_event("Create", props(secrets)), admin_url=rabbit.http)
    update = cfn_event("Update", props(secrets, "RenamedConsumerSecretArn"), old=props(secrets))
    app.apply(update, admin_url=rabbit.http)
    admin = ("guest", "guest")
    assert rabbit.api("GET", "/api/users/fasttriage-consumer", admin)[0] == 404
    assert rabbit.api("GET", "/api/users/fasttriage-consumer-2", admin)[0] == 200
    app.apply(cfn_event("Delete", props(secrets, "RenamedConsumerSecretArn")), admin_url=rabbit.http)
    for name in ("fasttriage-publisher", "fasttriage-consumer-2"):
        assert rabbit.api("GET", f"/api/users/{name}", admin)[0] == 404


def test_the_handler_always_answers_cloudformation(rabbit, secrets, monkeypatch):
    received: list[dict[str, Any]] = []

    class Recorder(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/response"
    app = load_function("broker_users", fresh=True)
    monkeypatch.setattr(app, "management_url", lambda endpoint: rabbit.http)
    try:
        app.handler(cfn_event("Create", props(secrets), url=url), FakeContext())
        wrong_admin = {
            **props(secrets),
            "AdminSecretArn": secrets["PublisherSecretArn"],
        }  # not an administrator
        app.handler(cfn_event("Create", wrong_admin, url=url), FakeContext())
        app.handler(cfn_event("Delete", wrong_admin, url=url), FakeContext())
    finally:
        server.shutdown()
    assert [r["Status"] for r in received] == ["SUCCESS", "FAILED", "SUCCESS"]
    assert "HTTP 401" in received[1]["Reason"] and PUBLISHER["password"] not in json.dumps(received)
    assert received[0]["PhysicalResourceId"] == f"broker-users-{QUEUE}"


def test_permissions_never_reach_beyond_the_queue_family():
    import re

    for role in ("publisher", "consumer"):
        p = permissions_for(role, QUEUE)  # type: ignore[arg-type]
        for name in ("other", "triage.jobsX", "triage.jobs.evil", "amq.topic", "xtriage.jobs"):
            assert not any(re.search(rx, name) for rx in (p.configure, p.write, p.read)), (role, name)
    publisher = permissions_for("publisher", QUEUE)
    assert (publisher.configure, publisher.read) == ("^$", "^$")  # publish-only: no queue can be read
    assert re.fullmatch(publisher.write, "amq.default") and not re.search(publisher.write, QUEUE)


def test_the_admin_client_refuses_plain_urls_to_a_broker():
    with pytest.raises(BrokerAdminError):
        RabbitAdmin("ftp://broker", "u", "p")
