"""Shared fixtures: a LambdaContext, the real RabbitMQ (never skipped), moto's S3 server, mongomock.

Suites (pyproject's markers; `make unit` runs tests/unit alone, `make test` runs everything):
- tests/unit runs with sockets disabled (pytest-socket): a unit test that reaches for the network fails.
- elsewhere, a test that connects to the broker's port without the `broker` marker fails, and so does a
  test in tests/e2e without `e2e` or a test using the browser or the infrastructure tools without its marker
  (pytest_collection_modifyitems), so `-m "not broker"` really leaves the broker alone.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import urllib3.util.connection  # noqa: F401  # opens a socket at import (IPv6 probe): before unit tests block them

from fasttriage.local.lambdas import FakeContext
from fasttriage.local.stack import broker_answers, free_port

AMQP_URL = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
BROKER_PORT = urlsplit(AMQP_URL).port or 5672
TESTS = Path(__file__).resolve().parent
SUITE_MARKERS = ("broker", "infra", "browser", "e2e")
# Fixtures that mean "this test needs ...": a test using one must carry the marker.
NEEDS_MARKER = {"broker_url": "broker", "queue_name": "broker", "driver": "browser", "browser": "browser"}

os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "FastTriage")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture
def lambda_context() -> FakeContext:
    return FakeContext()


def _suite(item: pytest.Item) -> str:
    try:
        return Path(str(item.path)).resolve().relative_to(TESTS).parts[0]
    except ValueError:
        return ""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test that needs the broker, a browser or the infrastructure tools says so with its marker."""
    missing = []
    for item in items:
        marks = {mark.name for mark in item.iter_markers()}
        suite = _suite(item)
        wanted = {NEEDS_MARKER[name] for name in getattr(item, "fixturenames", ()) if name in NEEDS_MARKER}
        if suite == "e2e":
            wanted.add("e2e")
        if suite == "unit" and marks & set(SUITE_MARKERS):
            missing.append(f"{item.nodeid}: a unit test runs offline; move it out of tests/unit")
        missing.extend(f"{item.nodeid}: needs @pytest.mark.{name}" for name in sorted(wanted - marks))
    if missing:
        raise pytest.UsageError("suite markers missing:\n  " + "\n  ".join(missing))


@pytest.fixture(autouse=True)
def _suite_guard(request: pytest.FixtureRequest) -> Iterator[None]:
    """tests/unit: no sockets at all. Elsewhere: the broker's port only for tests marked `broker`."""
    if _suite(request.node) == "unit":
        import pytest_socket

        pytest_socket.disable_socket(allow_unix_socket=True)
        try:
            yield
        finally:
            pytest_socket.enable_socket()
        return
    if request.node.get_closest_marker("broker") is not None:
        yield
        return
    original = socket.socket.connect

    def guarded_connect(self: socket.socket, address: Any) -> None:
        if isinstance(address, tuple) and len(address) >= 2 and address[1] == BROKER_PORT:
            raise AssertionError(
                f"{request.node.nodeid} connects to the broker (port {BROKER_PORT}) without @pytest.mark.broker"
            )
        return original(self, address)

    socket.socket.connect = guarded_connect  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        socket.socket.connect = original  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _clear_metrics() -> Iterator[None]:
    """Powertools' testing pattern: each test starts as a cold start with no metrics, no default dimensions."""
    from aws_lambda_powertools.metrics.provider import cold_start

    from fasttriage.observability import metrics

    metrics.clear_metrics()
    metrics.clear_default_dimensions()
    cold_start.reset_cold_start_flag()
    yield
    metrics.clear_metrics()
    metrics.clear_default_dimensions()


@pytest.fixture(scope="session")
def broker_url() -> str:
    """The real broker. No broker is a failure with instructions, never a skip."""
    if not broker_answers(AMQP_URL):
        pytest.fail(
            f"RabbitMQ does not answer at {AMQP_URL}. Start it with `rabbitmq-server -detached` "
            "(or `make broker`), or set AMQP_URL to a reachable broker.",
            pytrace=False,
        )
    return AMQP_URL


@pytest.fixture
def queue_name(broker_url: str) -> Iterator[str]:
    """A job queue of this test's own; it and every queue derived from it are deleted afterwards."""
    import subprocess

    import pika

    name = f"test.{uuid.uuid4().hex[:10]}"
    yield name
    listed = subprocess.run(["rabbitmqctl", "-q", "list_queues", "name"], capture_output=True, text=True)
    mine = [q for q in listed.stdout.split() if q == name or q.startswith(name + ".")]
    connection = pika.BlockingConnection(pika.URLParameters(broker_url))
    channel = connection.channel()
    for q in mine:
        channel.queue_delete(q)
    for suffix in (".dlx",):
        channel.exchange_delete(name + suffix)
    connection.close()


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(moto_endpoint: str) -> Any:
    from fasttriage.adapters.s3 import s3_client

    return s3_client(moto_endpoint, "us-east-1")


@pytest.fixture
def bucket(s3: Any) -> str:
    name = f"reports-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


@pytest.fixture
def secretsmanager(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Secrets Manager in moto (in process); Powertools' secret cache cleared before and after."""
    import boto3
    from aws_lambda_powertools.utilities import parameters
    from moto import mock_aws

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    parameters.clear_caches()
    with mock_aws():
        yield boto3.client("secretsmanager", region_name="us-east-1")
    parameters.clear_caches()


@pytest.fixture
def mongo_db() -> Any:
    import mongomock

    return mongomock.MongoClient()["fasttriage"]


class RecordingPublisher:
    """A JobPublisher fake: records what would have been published, or fails like an unconfirmed publish."""

    def __init__(self, fail: bool = False) -> None:
        self.jobs: list[Any] = []
        self.fail = fail

    def publish(self, job: Any) -> None:
        if self.fail:
            from fasttriage.domain.errors import PublishError

            raise PublishError("broker unavailable: test")
        self.jobs.append(job)


LOCAL_ENV = {
    "TWILIO_ACCOUNT_SID": "AC" + "fa57".ljust(32, "0"),
    "TWILIO_AUTH_TOKEN": "fasttriage-local-test-auth-token",
    "PSEUDONYM_KEY": "fasttriage-local-pseudonym-key",
    "AMQP_URL": AMQP_URL,
    "REPORTS_BUCKET": "unused-in-unit-tests",
    "MONGO_URI": "mongodb://unused-in-unit-tests",
}


@pytest.fixture
def local_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for key, value in LOCAL_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("PUBLIC_WEBHOOK_URL", raising=False)
    return LOCAL_ENV


@pytest.fixture
def publisher() -> RecordingPublisher:
    return RecordingPublisher()


@pytest.fixture
def webhook(local_env: dict[str, str], publisher: RecordingPublisher, mongo_db: Any) -> Any:
    """functions/webhook/app.py freshly imported (a cold start): a recording publisher, mongomock patients."""
    from fasttriage.adapters.mongo import MongoPatients
    from fasttriage.local.lambdas import load_function

    module = load_function("webhook", fresh=True)
    module.deps.publisher = publisher
    module.deps.patients = MongoPatients(mongo_db)
    return module


@pytest.fixture
def service_log() -> Iterator[Any]:
    """Every line the service logger writes, formatted exactly as CloudWatch would receive it."""
    import io
    import logging

    from fasttriage.observability import logger

    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)
    yield buffer
    logger.removeHandler(handler)  # type: ignore[attr-defined]  # Powertools' Logger forwards to logging's
