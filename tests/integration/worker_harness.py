"""Test harness for the worker: a consumer + runner on the real broker, moto S3 and mongomock, with knobs
for slow or failing steps. Also runnable as a process (`python worker_harness.py`) that patches only what
cannot exist here (a MongoDB server, a slow LLM) and then calls the real entrypoint, fasttriage.worker.main."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fasttriage.adapters.consumer import Delivery, RabbitConsumer, Verdict
from fasttriage.adapters.mongo import MongoPatients, MongoRepository
from fasttriage.adapters.s3 import ReportStore
from fasttriage.domain.models import Conversation, TriageSummary
from fasttriage.domain.processing import Ports
from fasttriage.domain.summarizer import DeterministicSummarizer, SafeSummarizer, Summarizer
from fasttriage.worker import JobRunner


class SlowSummarizer:
    """Takes `seconds` per summary (an LLM call); `started` is set when a summary begins."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.started = threading.Event()
        self.calls = 0

    def summarize(self, conversation: Conversation) -> TriageSummary:
        self.calls += 1
        self.started.set()
        time.sleep(self.seconds)
        return DeterministicSummarizer().summarize(conversation)


def make_runner(mongo_db: Any, s3: Any, bucket: str, summarizer: Summarizer | None = None) -> JobRunner:
    repository = MongoRepository(mongo_db)
    repository.ensure_indexes()
    ports = Ports(
        repository=repository,
        patients=MongoPatients(mongo_db),
        summarizer=summarizer or SafeSummarizer(None, DeterministicSummarizer()),
        store=ReportStore(s3, bucket),
    )
    return JobRunner(ports=ports, case_idle_timeout=timedelta(hours=4))


class RunningWorker:
    """A RabbitConsumer in a thread, stopped cleanly at the end of the test."""

    def __init__(
        self,
        url: Callable[[], str],
        queue: str,
        handler: Callable[[Delivery], Verdict],
        **options: Any,
    ) -> None:
        options.setdefault("retry_delays_s", (0.2, 0.4))
        options.setdefault("backoff_max_s", 0.5)
        self.consumer = RabbitConsumer(url, queue, handler, **options)
        self.thread = threading.Thread(target=self.consumer.run, daemon=True)

    def __enter__(self) -> RabbitConsumer:
        self.thread.start()
        if not self.consumer.connected.wait(10):
            raise RuntimeError("the worker did not connect")
        return self.consumer

    def __exit__(self, *exc: object) -> None:
        self.consumer.stop()
        self.thread.join(15)


def wait_for(predicate: Callable[[], bool], timeout_s: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _main() -> int:
    """The worker process for the SIGTERM test: real entrypoint, mongomock, an optionally slow summary."""
    import mongomock

    import fasttriage.wiring
    import fasttriage.worker

    database: Any = mongomock.MongoClient()["fasttriage"]
    fasttriage.wiring.mongo_database = lambda settings, appname, **_: database  # type: ignore[assignment]  # no MongoDB server here
    delay = float(os.environ.get("HARNESS_SUMMARY_SECONDS", "0"))
    marker = os.environ.get("HARNESS_STARTED_FILE")

    class Marked(SlowSummarizer):
        def summarize(self, conversation: Conversation) -> TriageSummary:
            if marker:
                open(marker, "w").close()
            return super().summarize(conversation)

    fasttriage.worker.build_summarizer = lambda settings: Marked(delay)
    return fasttriage.worker.main([])


if __name__ == "__main__":
    sys.exit(_main())
