"""The whole system in one process, with no AWS account and no Docker.

- API Gateway: fasttriage.local.gateway (REST proxy events into the real handlers in functions/)
- S3: moto's server mode over HTTP (boto3 signs SigV4; moto does not check signatures)
- MongoDB: mongomock through the pymongo API
- RabbitMQ: the real broker at AMQP_URL when one answers; otherwise an in-memory queue with the same
  ack semantics (and the stack says which)
- watsonx: used only when WATSONX_* credentials are set; otherwise the deterministic summarizer
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from fasttriage.local.constants import (
    LOCAL_ACCOUNT_SID,
    LOCAL_AUTH_TOKEN,
    LOCAL_BUCKET,
    LOCAL_PSEUDONYM_KEY,
)

DEFAULT_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def broker_answers(url: str, timeout_s: float = 2.0) -> bool:
    import pika
    from pika.exceptions import AMQPError

    try:
        params = pika.URLParameters(url)
        params.socket_timeout = timeout_s
        params.connection_attempts = 1
        pika.BlockingConnection(params).close()
    except (AMQPError, OSError):
        return False
    return True


_MADE_UP: set[str] = set()  # names stacks in this process made up (and exported as QUEUE_NAME while running)


def own_queue_name() -> str:
    """A job queue of this stack's own: two local stacks on one broker never take each other's jobs."""
    name = f"triage.local.{os.getpid()}.{uuid.uuid4().hex[:8]}"
    _MADE_UP.add(name)
    return name


def given_queue_name(explicit: str | None) -> str | None:
    """The queue a caller chose: the argument, else QUEUE_NAME unless another stack of ours exported it."""
    from_env = os.environ.get("QUEUE_NAME")
    return explicit or (from_env if from_env and from_env not in _MADE_UP else None)


@dataclass
class LocalStack:
    port: int = 3000
    amqp_url: str | None = None
    queue_name: str | None = (
        None  # None: QUEUE_NAME if set, else a name of this stack's own (deleted at stop)
    )
    force_memory_queue: bool = False
    env: dict[str, str] = field(default_factory=dict)
    echo_pages: bool = False  # print pages and patient instructions as they happen (`fasttriage local serve`)
    sweep_interval_s: float | None = 30.0  # the escalation sweep's period; None: no sweep thread
    spool: bool = True  # an SQS spool on moto, drained to the broker (issue 12)

    def start(self) -> LocalStack:
        import logging

        import mongomock
        from moto.server import ThreadedMotoServer

        from fasttriage.adapters.mongo import MongoDoctorsCases
        from fasttriage.adapters.s3 import ReportStore, s3_client
        from fasttriage.local.gateway import LocalGateway
        from fasttriage.local.lambdas import load_function
        from fasttriage.local.settings import LocalStackSettings
        from fasttriage.wiring import DoctorsDependencies, lazy
        from fasttriage.worker import build_runner

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log names S3 keys
        self.port = self.port or free_port()
        moto_port = free_port()
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
        self._moto.start()
        amqp = self.amqp_url or os.environ.get("AMQP_URL") or DEFAULT_AMQP_URL
        given = given_queue_name(self.queue_name)
        self._owns_queue = given is None
        queue = given or own_queue_name()
        self.queue_name = queue
        self.uses_rabbitmq = not self.force_memory_queue and broker_answers(amqp)
        defaults = {
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",  # moto accepts any credentials
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{moto_port}",
            "TWILIO_ACCOUNT_SID": LOCAL_ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": LOCAL_AUTH_TOKEN,
            "PSEUDONYM_KEY": LOCAL_PSEUDONYM_KEY,
            "PUBLIC_WEBHOOK_URL": f"http://127.0.0.1:{self.port}/webhook/twilio",
            "REPLY_STATUS_CALLBACK_URL": f"http://127.0.0.1:{self.port}/webhook/twilio/status",
            "AMQP_URL": amqp,
            "QUEUE_NAME": queue,
            "REPORTS_BUCKET": LOCAL_BUCKET,
            "STAGE": "local",
            "TRANSCRIPTION": "sidecar",  # voice notes: a transcript stored beside the audio (<key>.txt)
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_TRACE_DISABLED": "true",
        }
        # The local stack is its own AWS: it must never pick up a developer's real endpoint or account.
        # The process environment is restored by stop().
        applied = {**defaults, **self.env}
        self._saved_env = {key: os.environ.get(key) for key in applied}
        os.environ.update(applied)
        self.settings = LocalStackSettings.from_env()

        if self.spool:
            from fasttriage.adapters.spool import sqs_client

            self.sqs = sqs_client(os.environ["AWS_ENDPOINT_URL"])
            spool_url = self.sqs.create_queue(
                QueueName=f"spool-{uuid.uuid4().hex[:8]}",
                Attributes={"VisibilityTimeout": "2"},  # a failed drain is retried 2 s later (AWS: 60 s)
            )["QueueUrl"]
            self._saved_env.setdefault("SPOOL_QUEUE_URL", os.environ.get("SPOOL_QUEUE_URL"))
            os.environ["SPOOL_QUEUE_URL"] = spool_url
            self.settings = LocalStackSettings.from_env()

        self.s3 = s3_client(os.environ["AWS_ENDPOINT_URL"])
        self.s3.create_bucket(Bucket=LOCAL_BUCKET)
        self.s3.put_bucket_versioning(Bucket=LOCAL_BUCKET, VersioningConfiguration={"Status": "Enabled"})
        self.mongo: Any = mongomock.MongoClient(tz_aware=True)
        self.db = self.mongo[self.settings.mongo_db_name]

        # No Twilio here: media downloads and follow-up messages are off in the local stack.
        self.runner = build_runner(self.settings, mongo_db=self.db, s3=self.s3, twilio_outbound=False)
        self.webhook: Any = load_function("webhook", fresh=True)
        self.webhook.deps.patients = self.runner.ports.patients
        self.doctors: Any = load_function("presign", fresh=True)
        self.doctors.deps = DoctorsDependencies(
            settings=self.doctors.settings,
            cases=MongoDoctorsCases(self.db),
            links=ReportStore(self.s3, LOCAL_BUCKET),
            outbound=self.runner.ports.outbound,  # type: ignore[arg-type]  # a MongoOutbound: the reply log too
            sender=lazy(lambda: self.escalation.messenger),  # the local messenger, wired just below
        )
        # Escalation without AWS or Twilio: a local notifier and messenger, the keyword stub as the "LLM".
        from fasttriage.local.notifier import wire_local_escalation

        self.escalation = wire_local_escalation(
            self, echo=self.echo_pages, sweep_interval_s=self.sweep_interval_s
        )
        self.drainer: Any = None
        # Doctors' replies go to the same local messenger as the worker's patient messages; Twilio's status
        # callbacks (signed, as Twilio signs them) update the same outbound log.
        self.doctors.deps.outbound = self.runner.ports.outbound
        self.doctors.deps.sender = self.escalation.messenger
        self.webhook.deps.deliveries = self.runner.ports.outbound
        if self.uses_rabbitmq:
            from fasttriage.adapters.consumer import RabbitConsumer

            self.queue: Any = RabbitConsumer(lambda: amqp, queue, self.runner, health_file=None)
            if self.webhook.deps.spool is not None:
                from fasttriage.adapters.rabbitmq import RabbitPublisher
                from fasttriage.adapters.spool import SpoolDrainer

                drain_to = RabbitPublisher(
                    lambda: amqp, queue, confirm_timeout_s=2.0, name="fasttriage-drainer"
                )
                self.drainer = SpoolDrainer(self.webhook.deps.spool, drain_to)
                threading.Thread(target=self.drainer.run, name="drainer", daemon=True).start()
        else:
            from fasttriage.local.memory_queue import MemoryQueue

            self.queue = MemoryQueue(queue)
            self.webhook.deps.publisher = self.queue
            self.webhook.deps.spool = None  # the in-memory queue never refuses a job
        self._worker = threading.Thread(target=self._run_worker, name="worker", daemon=True)
        self._worker.start()
        self.gateway = LocalGateway(self.webhook, self.doctors, port=self.port)
        self.gateway.start()
        if self.uses_rabbitmq and not self.queue.connected.wait(10):
            raise RuntimeError("the worker could not connect to RabbitMQ")
        return self

    def _run_worker(self) -> None:
        if self.uses_rabbitmq:
            self.queue.run()
        else:
            self.queue.run(self.runner)

    @property
    def queue_description(self) -> str:
        if self.uses_rabbitmq:
            return f"RabbitMQ at {_redact(self.settings.amqp_url or '')} (queue {self.queue_name})"
        return "in-memory queue (no RabbitMQ answered at AMQP_URL)"

    def stop(self) -> None:
        self.escalation.stop()
        if self.drainer is not None:
            self.drainer.stop()
        self.queue.stop()
        self._worker.join(timeout=15)
        self.gateway.stop()
        if getattr(self.webhook.deps.publisher, "close", None):
            self.webhook.deps.publisher.close()
        if self.uses_rabbitmq and self._owns_queue:
            delete_topology(self.settings.amqp_url or DEFAULT_AMQP_URL, queue=str(self.queue_name))
        self._moto.stop()
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def delete_topology(url: str, queue: str) -> None:
    """Deletes every queue and exchange of a job queue's topology (a stack's own, at its stop)."""
    import pika
    from pika.exceptions import AMQPError

    from fasttriage.adapters.rabbitmq import Topology

    topology = Topology(queue)
    delays = sorted({topology.delay_for(n) for n in range(1, len(topology.retry_delays_s) + 1)})
    try:
        connection = pika.BlockingConnection(pika.URLParameters(url))
    except (AMQPError, OSError):
        return  # the broker is gone: nothing to tidy
    try:
        channel = connection.channel()
        for name in (topology.queue, topology.emergency, topology.dead, *delays):
            channel.queue_delete(name)
        for name in (topology.dlx, *delays):
            channel.exchange_delete(name)
    except AMQPError:
        pass
    finally:
        if connection.is_open:
            connection.close()


def _redact(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port or 5672}"
