"""The local stack's escalation: a notifier in SNS's place, a messenger in Twilio's, and a sweep thread.

- LocalNotifier (domain.escalation.Pager): keeps every page it receives and, for `fasttriage local serve`, prints
  it as it happens. Pages hold no patient data, so printing them is safe.
- LocalMessenger (domain.followup.Messenger): sends nothing anywhere; returns a made-up message SID. What it
  "sent" is in the outbound log (Mongo), with the case id and the time.
- LocalSweep: runs domain.escalation.sweep every `interval_s` on the real clock, as the scheduled function does.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fasttriage.domain.escalation import EscalationPorts, IntakePage, Page, SweepPolicy, sweep
from fasttriage.domain.replies import SentReply


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class LocalNotifier:
    echo: bool = False
    received: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def publish(self, page: Page | IntakePage, *, now: datetime) -> str:
        message_id = str(uuid.uuid4())
        record = {
            **page.document(now),
            "time": now.astimezone(UTC).isoformat(),
            "subject": page.subject(),
            "text": page.text(now),
            "message_id": message_id,
        }
        with self._lock:
            self.received.append(record)
        if self.echo:
            print(f"  PAGE {record['time'][11:19]} {page.subject()}", flush=True)
            if page.link:
                print(f"       {page.link}", flush=True)
        return message_id


class LocalMessenger:
    """Stands in for TwilioMessenger; counts what it was asked to send."""

    def __init__(self, echo: bool = False) -> None:
        self.echo = echo
        self.sent = 0
        self.replies: list[dict[str, Any]] = []  # what doctors' replies asked Twilio to send (local only)

    def send(self, *, from_: str, to: str, body: str) -> str:
        self.sent += 1
        if self.echo:
            print(f"  PATIENT told (worker -> WhatsApp): {body[:70]}...", flush=True)
        return "SM" + uuid.uuid4().hex

    def send_reply(
        self, *, from_: str, to: str, body: str | None, content_sid: str | None, status_callback: str | None
    ) -> SentReply:
        """A doctor's reply: recorded, not sent; Twilio's first status for it is 'queued'."""
        sid = "SM" + uuid.uuid4().hex
        self.sent += 1
        self.replies.append(
            {
                "sid": sid,
                "to": to,
                "body": body,
                "content_sid": content_sid,
                "status_callback": status_callback,
            }
        )
        if self.echo:
            print(
                f"  PATIENT told (doctor's {'template' if content_sid else 'reply'} -> WhatsApp)", flush=True
            )
        return SentReply(sid=sid, status="queued")


class LocalSweep:
    def __init__(
        self,
        cases: Any,
        ports: EscalationPorts,
        policy: SweepPolicy,
        interval_s: float = 30.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._cases, self._ports, self._policy, self._clock = cases, ports, policy, clock
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="escalation-sweep", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            sweep(self._cases, self._ports, now=self._clock(), policy=self._policy)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


@dataclass
class LocalEscalation:
    notifier: LocalNotifier
    messenger: LocalMessenger
    sweeper: LocalSweep | None

    def stop(self) -> None:
        if self.sweeper is not None:
            self.sweeper.stop()


def wire_local_escalation(
    stack: Any, *, echo: bool = False, sweep_interval_s: float | None = 30.0
) -> LocalEscalation:
    """Gives the local stack's worker a notifier, a messenger and (without watsonx) the keyword stub in the
    LLM's place, and starts the sweep. Call after build_runner, before the worker starts."""
    from fasttriage.adapters.outbound import MongoOutbound
    from fasttriage.adapters.pages import MongoOpenCases
    from fasttriage.domain.summarizer import DeterministicSummarizer, SafeSummarizer
    from fasttriage.local.summarizer_stub import KeywordStubSummarizer
    from fasttriage.wiring import sweep_policy
    from fasttriage.worker import build_escalation

    settings = stack.settings
    notifier, messenger = LocalNotifier(echo=echo), LocalMessenger(echo=echo)
    outbound = MongoOutbound(stack.db)
    outbound.ensure_indexes()
    settings = settings.model_copy(
        update={"console_url": settings.console_url or f"http://127.0.0.1:{stack.port}/console"}
    )
    escalation = build_escalation(settings, stack.db, messenger=messenger, outbound=outbound, pager=notifier)
    ports = stack.runner.ports
    summarizer = ports.summarizer
    if not settings.watsonx_api_key:
        summarizer = SafeSummarizer(KeywordStubSummarizer(), DeterministicSummarizer())
    stack.runner.ports = replace(
        ports, summarizer=summarizer, messenger=messenger, outbound=outbound, escalation=escalation
    )
    # Degraded-intake pages (broker down at the webhook, MongoDB down at a job's first attempt) go to the same
    # notifier, as in AWS they go to the same topic.
    stack.runner.intake_pager = notifier
    stack.webhook.deps.pager = notifier
    sweeper = None
    if sweep_interval_s:
        sweeper = LocalSweep(MongoOpenCases(stack.db), escalation, sweep_policy(settings), sweep_interval_s)
        sweeper.start()
    return LocalEscalation(notifier, messenger, sweeper)


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row, ensure_ascii=False, default=str) + "\n" for row in rows))


def outbound_rows(db: Any) -> list[dict[str, Any]]:
    """Every message the worker sent a patient (not the webhook's own replies): case, urgency, text, time."""
    rows = []
    for doc in db["outbound"].find({"by": {"$ne": "webhook/rules"}}, sort=[("created_at", 1)]):
        kind = str(doc.get("kind", ""))
        rows.append(
            {
                "summary_id": doc["summary_id"],
                "urgency": kind.partition(":")[2] or None,
                "kind": kind.partition(":")[0],
                "text": doc["body"],
                "state": doc["state"],
                "by": doc.get("by"),
                "time": doc["created_at"].isoformat() if doc.get("created_at") else None,
            }
        )
    return rows
