"""`make chaos` (`python -m benchmarks.chaos [--messages N]`): signed messages through the local stack while
things break, on a PRIVATE RabbitMQ node this run starts on free ports and always stops (the shared broker
at 5672 is never touched).

Scenarios (each on a fresh local stack, its own queues, its own spool on moto's SQS):
1. broker: the broker is stopped (`rabbitmqctl stop_app`) a quarter of the way in and started again
   (`start_app`) half way: jobs go to the spool meanwhile and the drainer moves them once it is back.
2. mongo: the webhook's MongoDB fails (a fault-injecting wrapper) for the middle half of the run.
3. spool: the spool refuses every write for the whole run while the broker is stopped and started as in 1:
   nothing can store a message during the outage. Emergency and urgent messages still get their instruction
   (and a request to send again); the others get a 503 that Twilio retries (simulated here as the runbook's
   `#rc=3&rp=ct,rt,5xx` would: three retries 0.1 s apart).

For each scenario: sent, answered with the right reply, stored (in MongoDB by the worker), asked to resend
(not stored and the patient was told so), lost (the patient was told it was received but it is not stored),
duplicated (a message counted twice in a case). Writes docs/reliability.md and ends with
`chaos: S scenarios, N messages, lost L, duplicated D, wrong replies W`.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import io
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RABBITMQ_BIN = Path(os.environ.get("RABBITMQ_BIN", "/usr/lib/rabbitmq/bin"))
TWILIO_RETRIES = 3
TWILIO_RETRY_GAP_S = 0.1  # Twilio documents the retry count and total time (tt), not the gap


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivateBroker:
    """A RabbitMQ node of this process's own: its own name, ports, data, logs, Erlang cookie and config (no
    plugins), so that stopping it can never touch the shared broker. Always stopped: stop() is idempotent and
    registered with atexit; use it as a context manager."""

    def __init__(self) -> None:
        self.node = f"chaos-{os.getpid()}-{uuid.uuid4().hex[:4]}@localhost"
        self.port = free_port()
        self.dist_port = free_port()
        self.base = Path(tempfile.mkdtemp(prefix="fasttriage-chaos-"))
        self._process: subprocess.Popen[bytes] | None = None
        self._stopped = False
        home = self.base / "home"
        home.mkdir()
        cookie = home / ".erlang.cookie"  # a cookie of our own: the CLI below and the node share it
        cookie.write_text(uuid.uuid4().hex)
        cookie.chmod(0o400)
        (self.base / "enabled_plugins").write_text("[].\n")
        (self.base / "rabbitmq.conf").write_text(
            f"listeners.tcp.local = 127.0.0.1:{self.port}\nloopback_users = none\n"
        )
        (self.base / "rabbitmq-env.conf").write_text("")
        self.env = {
            **os.environ,
            "HOME": str(home),
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.base / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.base / "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": str(self.base / "rabbitmq"),
            "RABBITMQ_CONF_ENV_FILE": str(self.base / "rabbitmq-env.conf"),
            "RABBITMQ_PID_FILE": str(self.base / "node.pid"),
        }

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/%2F"

    def ctl(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """rabbitmqctl, always with `-n` naming this node (never the shared one)."""
        return subprocess.run(  # noqa: S603 - RabbitMQ's own CLI with fixed arguments
            [str(RABBITMQ_BIN / "rabbitmqctl"), "-n", self.node, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self) -> PrivateBroker:
        atexit.register(self.stop)
        log = (self.base / "server.log").open("wb")
        self._process = subprocess.Popen(  # noqa: S603 - RabbitMQ's own server script
            [str(RABBITMQ_BIN / "rabbitmq-server")], env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"the private RabbitMQ node exited; see {self.base / 'server.log'}")
            if self.ctl("await_startup", "--timeout", "5", timeout=15).returncode == 0 and self.answers():
                return self
            time.sleep(0.5)
        raise RuntimeError("the private RabbitMQ node did not start in 90 s")

    def answers(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        except OSError:
            return False
        return True

    def stop_app(self) -> None:
        result = self.ctl("stop_app")
        if result.returncode != 0:
            raise RuntimeError(f"stop_app failed: {result.stderr.strip()}")

    def start_app(self) -> None:
        result = self.ctl("start_app")
        if result.returncode != 0:
            raise RuntimeError(f"start_app failed: {result.stderr.strip()}")

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        try:
            self.ctl("stop", timeout=60)
        finally:
            if self._process is not None:
                try:
                    self._process.wait(30)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait(10)
            shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self) -> PrivateBroker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class Outcome:
    name: str
    description: str
    sent: int = 0
    right: int = 0
    stored: int = 0
    resend: int = 0
    lost: int = 0
    duplicated: int = 0
    spooled_at_peak: int = 0
    emergencies: int = 0  # messages the red-flag screen rated emergency or urgent
    emergencies_paged: int = 0  # of those, on-call was paged for (at intake, or for their case)
    paged_at_intake: int = 0  # of those, paged by the webhook's or the worker's degraded-intake page
    send_s: float = 0.0  # sending every message (Twilio's side)
    settle_s: float = 0.0  # until every message told "received" is stored
    wrong_examples: list[str] = field(default_factory=list)

    @property
    def wrong(self) -> int:
        return self.sent - self.right


@dataclass
class Sent:
    sid: str
    status: int
    body: str
    expected: str  # the instruction or the receipt the patient must read
    has_instruction: bool
    first_contact: bool
    language: Any


def _expected(body: str) -> tuple[str, bool, Any]:
    from fasttriage.domain import patient_messages, redflags

    assessment = redflags.assess(body)
    instruction = assessment.patient_instruction
    receipt = patient_messages.text_for(patient_messages.RECEIPT, assessment.language)
    return (instruction or receipt), instruction is not None, assessment.language


def _post(base_url: str, fields: list[tuple[str, str]]) -> tuple[int, str]:
    from fasttriage.local.demo import post_signed

    for attempt in range(1 + TWILIO_RETRIES):  # Twilio's retries with #rc=3&rp=ct,rt,5xx
        answer = post_signed(base_url, fields)
        if answer.status_code < 500 or attempt == TWILIO_RETRIES:
            return answer.status_code, answer.text
        time.sleep(TWILIO_RETRY_GAP_S)
    raise AssertionError("unreachable")


def _judge(sent: Sent, stored: bool) -> tuple[bool, str]:
    """(right reply?, what happened: stored | resend | lost)."""
    from html import unescape

    from fasttriage.domain import patient_messages

    text = unescape(sent.body)
    resend_text = patient_messages.text_for(patient_messages.NOT_RECORDED, sent.language)
    notice = patient_messages.text_for(patient_messages.PRIVACY_NOTICE, sent.language)
    if sent.status == 200 and resend_text in text:  # not stored, the patient was told to send again
        right = sent.has_instruction and sent.expected in text
        return right, "stored" if stored else "resend"
    if sent.status == 503:  # Twilio gave up retrying: its fallback URL asks the patient to send again
        return not sent.has_instruction, "stored" if stored else "resend"
    right = sent.status == 200 and sent.expected in text and (notice in text or not sent.first_contact)
    return right, "stored" if stored else "lost"


def run_scenario(
    name: str,
    description: str,
    broker: PrivateBroker,
    messages: int,
    *,
    patients: int,
    at_quarter: Callable[[Any], None],
    at_half: Callable[[Any], None],
    prepare: Callable[[Any], None] = lambda stack: None,
    settle_s: float = 120.0,
) -> Outcome:
    from benchmarks.common import webhook_fields
    from fasttriage.local.stack import LocalStack

    outcome = Outcome(name, description)
    run = uuid.uuid4().hex[:8]
    stack = LocalStack(
        port=free_port(),
        amqp_url=broker.url,
        env={"PUBLISH_COOLDOWN_S": "1", "PUBLISH_CONFIRM_TIMEOUT_S": "2"},
    ).start()
    try:
        prepare(stack)
        seen: set[str] = set()
        results: list[Sent] = []
        started = time.monotonic()
        for i in range(messages):
            if i == messages // 4:
                at_quarter(stack)
            if i == messages // 2:
                at_half(stack)
            fields = webhook_fields(f"{name}{run}", i, patients=patients)
            form = dict(fields)
            expected, has_instruction, language = _expected(form["Body"])
            first = form["From"] not in seen
            seen.add(form["From"])
            status, body = _post(stack.gateway.url, fields)
            results.append(Sent(form["MessageSid"], status, body, expected, has_instruction, first, language))
            if stack.drainer is not None:
                outcome.spooled_at_peak = max(outcome.spooled_at_peak, _spooled(stack))
        outcome.sent = len(results)
        outcome.send_s = time.monotonic() - started
        started = time.monotonic()
        sids = {r.sid for r in results}
        messages_db = stack.db["messages"]
        deadline = time.monotonic() + settle_s
        expected_stored = {r.sid for r in results if _judge(r, False)[1] == "lost"}  # told "received"
        while time.monotonic() < deadline:
            stored_now = {d["_id"] for d in messages_db.find({"_id": {"$in": list(sids)}}, {"_id": 1})}
            if expected_stored <= stored_now and _spooled(stack) == 0:
                break
            time.sleep(0.5)
        outcome.settle_s = time.monotonic() - started
        time.sleep(1.0)  # let late duplicates (a spooled copy of a publish that landed) reach the worker
        stored = {d["_id"] for d in messages_db.find({"_id": {"$in": list(sids)}}, {"_id": 1})}
        outcome.stored = len(stored)
        for sent in results:
            right, what = _judge(sent, sent.sid in stored)
            outcome.right += right
            outcome.resend += what == "resend"
            outcome.lost += what == "lost"
            if not right and len(outcome.wrong_examples) < 3:
                outcome.wrong_examples.append(f"{sent.sid[:10]}: HTTP {sent.status}")
        counted = sum(
            doc.get("message_count", 0) for doc in stack.db["summaries"].find({}, {"message_count": 1})
        )
        per_case = sum(
            len({m["_id"] for m in messages_db.find({"summary_id": doc["_id"]}, {"_id": 1})})
            for doc in stack.db["summaries"].find({}, {"_id": 1})
        )
        outcome.duplicated = max(0, counted - per_case)
        _count_pages(outcome, results, stack)
    finally:
        stack.stop()
    return outcome


def _count_pages(outcome: Outcome, results: list[Sent], stack: Any) -> None:
    """Emergency/urgent messages (by the screen) on-call heard of: a degraded-intake page with the message's
    reference, or a page for the case the message was added to."""
    from fasttriage.domain.escalation import job_reference

    received = stack.escalation.notifier.received
    refs = {page["job_ref"] for page in received if "job_ref" in page}
    cases = {page["summary_id"] for page in received if "summary_id" in page}
    case_of = {
        d["_id"]: d.get("summary_id")
        for d in stack.db["messages"].find({"_id": {"$in": [r.sid for r in results]}}, {"summary_id": 1})
    }
    for sent in results:
        if not sent.has_instruction:
            continue
        outcome.emergencies += 1
        at_intake = job_reference(sent.sid) in refs
        outcome.paged_at_intake += at_intake
        outcome.emergencies_paged += at_intake or case_of.get(sent.sid) in cases


def _spooled(stack: Any) -> int:
    spool = stack.webhook.deps.spool
    inner = getattr(spool, "_spool", spool)
    attrs = inner.client.get_queue_attributes(
        QueueUrl=inner.queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])


def scenarios(broker: PrivateBroker, messages: int, patients: int) -> list[Outcome]:
    from fasttriage.adapters.mongo import MongoPatients
    from fasttriage.local.faults import FaultyDatabase, FaultySpool, Switch

    mongo = Switch()

    def mongo_faults(stack: Any) -> None:
        stack.webhook.deps.patients = MongoPatients(FaultyDatabase(stack.db, mongo))  # type: ignore[arg-type]

    spool_down = Switch()

    def spool_faults(stack: Any) -> None:
        stack.webhook.deps.spool = FaultySpool(stack.webhook.deps.spool, spool_down)
        spool_down.fail()

    out = [
        run_scenario(
            "broker",
            "RabbitMQ stopped (stop_app) at 1/4 of the run, started (start_app) at 1/2",
            broker,
            messages,
            patients=patients,
            at_quarter=lambda stack: broker.stop_app(),
            at_half=lambda stack: broker.start_app(),
        ),
        run_scenario(
            "mongo",
            "the webhook's MongoDB fails (ServerSelectionTimeoutError) from 1/4 to 1/2 of the run",
            broker,
            messages,
            patients=patients,
            at_quarter=lambda stack: mongo.fail(),
            at_half=lambda stack: mongo.heal(),
            prepare=mongo_faults,
        ),
    ]
    try:
        out.append(
            run_scenario(
                "spool",
                "the spool refuses every write; RabbitMQ stopped at 1/4, started at 1/2 (nothing can store)",
                broker,
                messages,
                patients=patients,
                at_quarter=lambda stack: broker.stop_app(),
                at_half=lambda stack: broker.start_app(),
                prepare=spool_faults,
            )
        )
    finally:
        spool_down.heal()
    return out


def summary_line(outcomes: list[Outcome]) -> str:
    return (
        f"chaos: {len(outcomes)} scenarios, {sum(o.sent for o in outcomes)} messages, "
        f"lost {sum(o.lost for o in outcomes)}, duplicated {sum(o.duplicated for o in outcomes)}, "
        f"wrong replies {sum(o.wrong for o in outcomes)}, emergencies paged "
        f"{sum(o.emergencies_paged for o in outcomes)}/{sum(o.emergencies for o in outcomes)}"
    )


def render(outcomes: list[Outcome], messages: int, seconds: float) -> str:
    lines = [
        "# Reliability under faults (`make chaos`)",
        "",
        "Generated by `python -m benchmarks.chaos` (`make chaos`); do not edit by hand.",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {messages} signed messages per scenario through the "
        f"local stack (local API Gateway -> the real webhook handler -> RabbitMQ or the SQS spool on moto -> "
        f"the worker -> mongomock), in {seconds:.0f} s.",
        "- RabbitMQ: a private node started by the run on free ports (its own name, data, cookie; no plugins) "
        "and stopped at the end; the shared broker is never touched.",
        "- A 503 is retried three times 0.1 s apart, as Twilio does with the runbook's "
        "`#rc=3&rp=ct,rt,5xx` override (Twilio documents the count and the total time, not the gap); after that Twilio's fallback URL asks the patient to send again.",
        "",
        "| Scenario | What breaks | Sent | Right reply | Stored | Asked to resend | Lost | Duplicated "
        "| Spooled at peak | Emergencies paged (at intake) | Sent in | All stored after |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for o in outcomes:
        lines.append(
            f"| {o.name} | {o.description} | {o.sent} | {o.right} | {o.stored} | {o.resend} | {o.lost} | "
            f"{o.duplicated} | {o.spooled_at_peak} | {o.emergencies_paged}/{o.emergencies} "
            f"({o.paged_at_intake}) | {o.send_s:.1f} s | {o.settle_s:.1f} s |"
        )
    lines += [
        "",
        "How to read it:",
        "- **Right reply**: the emergency or urgent instruction when the red-flag screen found one, else the "
        "receipt; the privacy notice on a patient's first message (it may repeat while MongoDB is down); when "
        "nothing could store the message, the instruction with a request to send again (emergency/urgent) or "
        "a 503 that Twilio retries and then answers from the fallback URL (the others).",
        "- **Stored**: the worker added the message to a case in MongoDB (spooled jobs included, once the "
        "drainer moved them).",
        "- **Lost**: the patient was told the message was received, yet it is not stored. **Asked to resend**: "
        "nothing stored it and the patient was told so.",
        "- **Duplicated**: a message counted twice in a case (a job that reached the broker twice is "
        "deduplicated by the worker on MessageSid).",
        "- **Emergencies paged**: messages the red-flag screen rated emergency or urgent for which on-call got "
        "a page (local notifier): the case's page from the worker, or a degraded-intake page carrying the "
        "message's reference; in brackets, those paged at intake (the webhook spooled the job or could not "
        "store it). A message stored nowhere (asked to resend) can only be paged at intake.",
        "",
        summary_line(outcomes),
        "",
    ]
    return "\n".join(lines)


QUIET_ENVIRONMENT = {
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "CRITICAL",
}


def quiet_environment() -> None:
    """Before fasttriage is imported: no traces, no metrics, no log lines (each scenario logs thousands)."""
    os.environ.update(QUIET_ENVIRONMENT)


@contextmanager
def quiet() -> Iterator[None]:
    import logging

    names = ("pika", "werkzeug", "botocore", "urllib3", "fasttriage")
    levels = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # the metrics' EMF documents, thousands of them
            yield
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.chaos", description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500, help="signed messages per scenario")
    parser.add_argument("--patients", type=int, default=50)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "reliability.md")
    args = parser.parse_args(argv)
    quiet_environment()
    started = time.monotonic()
    with quiet(), PrivateBroker() as broker:
        print(f"private RabbitMQ node {broker.node} on port {broker.port}", file=sys.stderr, flush=True)
        outcomes = scenarios(broker, args.messages, args.patients)
    seconds = time.monotonic() - started
    for o in outcomes:
        print(
            f"{o.name:>7}: sent {o.sent}, right reply {o.right}, stored {o.stored}, asked to resend {o.resend}, "
            f"lost {o.lost}, duplicated {o.duplicated}, spooled at peak {o.spooled_at_peak} "
            f"(sent in {o.send_s:.1f} s, all stored {o.settle_s:.1f} s later)"
            + (f"; wrong: {', '.join(o.wrong_examples)}" if o.wrong_examples else "")
        )
    args.out.write_text(render(outcomes, args.messages, seconds))
    print(summary_line(outcomes))
    return 0 if all(o.lost == 0 and o.duplicated == 0 and o.wrong == 0 for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
