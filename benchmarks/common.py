"""What every benchmark shares: the figures model, percentiles, the local broker, moto's S3 server, a workload.

Nothing here times anything; the benchmark modules do, always beside a floor measured in the same run.
"""

from __future__ import annotations

import math
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"


def amqp_url() -> str:
    return os.environ.get("AMQP_URL") or DEFAULT_AMQP_URL


# --- figures ------------------------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of a benchmark table. `passed` is None for a context figure that carries no goal."""

    figure: str
    value: float
    unit: str = "ms"
    floor: float | None = None
    comparison: str = ""  # "+0.84 ms" or "1.12 x"; empty without a floor
    goal: str = ""
    passed: bool | None = None

    @property
    def verdict(self) -> str:
        return "" if self.passed is None else ("PASS" if self.passed else "MISS")


@dataclass
class Section:
    key: str  # webhook | worker | scaling
    title: str
    rows: list[Row]
    params: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0  # wall time of the benchmark itself

    @property
    def goals(self) -> list[Row]:
        return [row for row in self.rows if row.passed is not None]


def fmt(value: float, unit: str) -> str:
    if unit in ("ms", "s"):
        return f"{value:.2f} {unit}" if abs(value) < 100 else f"{value:.0f} {unit}"
    if unit == "jobs/s":
        return f"{value:.1f} {unit}"
    if unit == "x":
        return f"{value:.2f} x"
    return f"{value:g} {unit}".strip()


# --- statistics ---------------------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default); q in [0, 100]."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def ms(seconds: Sequence[float]) -> list[float]:
    return [s * 1000 for s in seconds]


def median(values: Sequence[float]) -> float:
    return percentile(values, 50)


# --- environment --------------------------------------------------------------------------------------------


def configure_environment(queue: str) -> dict[str, str]:
    """The webhook's settings for a benchmark run (Settings are read at import) and quiet observability."""
    from fasttriage.local.constants import LOCAL_ACCOUNT_SID, LOCAL_AUTH_TOKEN, LOCAL_PSEUDONYM_KEY

    env = {
        "TWILIO_ACCOUNT_SID": LOCAL_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": LOCAL_AUTH_TOKEN,
        "PSEUDONYM_KEY": LOCAL_PSEUDONYM_KEY,
        "AMQP_URL": amqp_url(),
        "QUEUE_NAME": queue,
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",  # moto accepts any credentials
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    os.environ.update(env)
    os.environ.pop("PUBLIC_WEBHOOK_URL", None)
    quiet_logs()
    return env


def quiet_logs() -> None:
    import logging

    from fasttriage.observability import logger

    logger.setLevel("WARNING")
    for name in ("werkzeug", "pika", "botocore", "urllib3"):
        logging.getLogger(name).setLevel(logging.ERROR)


def machine_info() -> dict[str, str]:
    import platform

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": f"{cpu} ({os.cpu_count()} cores)",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
    }
    try:
        import pika

        info["pika"] = pika.__version__
    except ImportError:
        pass
    version = rabbitmq_version()
    if version:
        info["rabbitmq"] = version
    return info


# --- broker -------------------------------------------------------------------------------------------------


def unique_queue() -> str:
    return f"bench.{uuid.uuid4().hex[:10]}"


def connect() -> Any:
    import pika

    return pika.BlockingConnection(pika.URLParameters(amqp_url()))


def rabbitmq_version() -> str | None:
    try:
        connection = connect()
    except Exception:
        return None
    try:
        props = connection._impl.server_properties  # what the broker announced at connect
        version = props.get("version", b"")
        return version.decode() if isinstance(version, bytes) else str(version)
    except Exception:
        return None
    finally:
        connection.close()


def run_topology(name: str) -> tuple[list[str], list[str]]:
    """The queues and exchanges a run's queue brings with it: <name>, <name>.emergency and, where the
    topology is per queue, its dead-letter and delay queues and exchanges (shared names are never listed)."""
    from fasttriage.adapters import rabbitmq

    queues, exchanges = [name, rabbitmq.emergency_queue(name)], []
    topology_class = getattr(rabbitmq, "Topology", None)
    if topology_class is not None:
        topology = topology_class(name)
        delays = [topology.delay_for(i) for i in range(1, len(topology.retry_delays_s) + 1)]
        queues += [topology.dead, *delays]
        exchanges += [topology.dlx, *delays]
    own = [q for q in queues if q.startswith(name)], [e for e in exchanges if e.startswith(name)]
    return own


def delete_queues(name: str) -> None:
    """Deletes the run's own queues (and per-queue exchanges); shared topology names stay."""
    from pika.exceptions import ChannelClosed

    queues, exchanges = run_topology(name)
    connection = connect()
    try:
        channel = connection.channel()
        for queue in queues:
            try:
                channel.queue_delete(queue)
            except ChannelClosed:
                channel = connection.channel()
        for exchange in exchanges:
            try:
                channel.exchange_delete(exchange)
            except ChannelClosed:
                channel = connection.channel()
    finally:
        connection.close()


@contextmanager
def bench_queue() -> Iterator[str]:
    """A queue name of this run's own, declared with the production topology, deleted afterwards."""
    from fasttriage.adapters.rabbitmq import declare_topology

    name = unique_queue()
    connection = connect()
    try:
        declare_topology(connection.channel(), name)
    finally:
        connection.close()
    try:
        yield name
    finally:
        delete_queues(name)


def queue_depth(name: str) -> int:
    from fasttriage.adapters.rabbitmq import emergency_queue

    connection = connect()
    try:
        channel = connection.channel()
        return sum(
            channel.queue_declare(q, passive=True).method.message_count for q in (name, emergency_queue(name))
        )
    finally:
        connection.close()


def publish_all(queue: str, jobs: Sequence[Any]) -> None:
    """Loads jobs into the queue the way the webhook does (persistent, mandatory, confirmed). Not timed."""
    from fasttriage.adapters.rabbitmq import job_properties, route_for

    connection = connect()
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        for job in jobs:
            channel.basic_publish(
                exchange="",
                routing_key=route_for(job, queue),
                body=job.model_dump_json().encode(),
                properties=job_properties(job),
                mandatory=True,
            )
    finally:
        connection.close()


# --- S3 (moto's server) -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


_MOTO_SCRIPT = (
    "import logging, sys\n"
    "logging.getLogger('werkzeug').setLevel(logging.ERROR)\n"
    "from moto.server import ThreadedMotoServer\n"
    "server = ThreadedMotoServer(ip_address='127.0.0.1', port=int(sys.argv[1]), verbose=False)\n"
    "server.start()\n"
    "print('ready', flush=True)\n"
    "sys.stdin.read()\n"
    "server.stop()\n"
)


@contextmanager
def moto_s3() -> Iterator[str]:
    """moto's ThreadedMotoServer on 127.0.0.1 in a process of its own (S3 is remote in production, so its
    CPU must not compete with the worker's threads for this process's GIL); yields the endpoint URL."""
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - our own interpreter running a fixed script
        [sys.executable, "-c", _MOTO_SCRIPT, str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        if process.stdout.readline().strip() != "ready":
            raise RuntimeError("moto's S3 server did not start")
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def new_bucket(s3: Any) -> str:
    name = f"bench-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


# --- workload -----------------------------------------------------------------------------------------------


def sample_messages() -> list[tuple[str, list[tuple[str, str]] | None]]:
    """The sample patients' texts (English, Spanish, Portuguese; one emergency, one with a photo)."""
    from fasttriage.local.samples import SAMPLE_CONVERSATIONS

    out = []
    for conv in SAMPLE_CONVERSATIONS:
        for i, text in enumerate(conv["messages"], start=1):
            out.append((text, conv.get("media") if i == 1 else None))
    return out


def webhook_fields(run: str, i: int, *, patients: int, first_patient: int = 0) -> list[tuple[str, str]]:
    """Twilio form fields for request i of a run: a distinct MessageSid, one of `patients` senders
    (numbered from `first_patient`)."""
    from fasttriage.local.events import message_sid, twilio_payload

    messages = sample_messages()
    text, media = messages[i % len(messages)]
    sid = message_sid(f"{run}:{i}")
    if media:
        sid = "MM" + sid[2:]
    return twilio_payload(
        sid=sid,
        sender=f"whatsapp:+1555{first_patient + i % patients:07d}",
        body=text,
        profile_name=f"Patient {first_patient + i % patients}",
        media=media,
    )


class _Recorder:
    def __init__(self) -> None:
        self.jobs: list[Any] = []

    def publish(self, job: Any) -> None:
        self.jobs.append(job)


class _NewPatients:
    def lookup(self, patient_key: str) -> tuple[bool, int]:
        return (True, 0)

    def register(self, patient_key: str, now: datetime) -> tuple[bool, int]:
        return (True, 0)

    def start_new_case(self, patient_key: str, now: datetime) -> int:
        return 1

    def request_erasure(self, patient_key: str, now: datetime) -> None:
        return None


def make_job(fields: list[tuple[str, str]]) -> Any:
    """The TriageJob the webhook would publish for these fields (the real intake code, no I/O)."""
    from fasttriage.adapters.twilio_webhook import FormParams
    from fasttriage.domain import intake
    from fasttriage.local.constants import LOCAL_ACCOUNT_SID, LOCAL_PSEUDONYM_KEY

    recorder = _Recorder()
    form: Any = FormParams(fields)
    intake.accept(
        form,
        account_sid=LOCAL_ACCOUNT_SID,
        whatsapp_only=True,
        pseudonym_key=LOCAL_PSEUDONYM_KEY.encode(),
        publisher=recorder,
        patients=_NewPatients(),
        now=lambda: datetime.now(UTC),
    )
    return recorder.jobs[0]


def make_jobs(count: int, *, first_patient: int = 0) -> list[Any]:
    """`count` jobs, each from its own patient (numbered from `first_patient`, so each opens a new case),
    with distinct MessageSids."""
    run = uuid.uuid4().hex
    return [
        make_job(webhook_fields(run, i, patients=count, first_patient=first_patient)) for i in range(count)
    ]
