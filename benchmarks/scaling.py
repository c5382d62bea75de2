"""Scaling (issue #5): N workers on one queue with an LLM that answers after 200 ms.

For N = 1, 2, 4: N RabbitConsumer threads (each its own connection, prefetch 1) share one queue, one mongomock
database and one S3 bucket. They connect to an empty queue; the clock starts as the jobs are published and
stops at the last settle. The floor is N x the throughput of one worker measured in the same run. From the
ledger of what each worker ran, no MessageSid may have been processed by two workers.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from benchmarks.common import (
    Row,
    Section,
    bench_queue,
    configure_environment,
    make_jobs,
    moto_s3,
    new_bucket,
    publish_all,
)
from benchmarks.worker import Workers, build_ports, warm_up

SCALING_GOAL = 0.9
LLM_DELAY_S = 0.2


class SlowLLM:
    """A Summarizer stub: answers after `delay_s` (an LLM call) with the deterministic summary."""

    def __init__(self, delay_s: float = LLM_DELAY_S) -> None:
        from fasttriage.domain.summarizer import DeterministicSummarizer

        self._delay_s = delay_s
        self._rules = DeterministicSummarizer()

    def summarize(self, conversation: Any) -> Any:
        time.sleep(self._delay_s)
        return self._rules.summarize(conversation)


def one_count(s3: Any, bucket: str, workers: int, jobs: int, delay_s: float) -> dict[str, Any]:
    """`jobs` jobs through `workers` workers on a fresh queue; throughput and who processed what."""
    import mongomock
    from fasttriage.domain.summarizer import DeterministicSummarizer, SafeSummarizer
    from fasttriage.worker import JobRunner

    db = mongomock.MongoClient()[f"scaling{workers}"]
    summarizer = SafeSummarizer(SlowLLM(delay_s), DeterministicSummarizer())
    runner = JobRunner(ports=build_ports(db, s3, bucket, summarizer), session_timeout=timedelta(hours=4))
    warm_up(runner, make_jobs(1, first_patient=1_000_000))
    batch = make_jobs(jobs)
    with bench_queue() as queue:
        pool = Workers(queue, runner, workers)
        pool.start()
        try:
            started = time.perf_counter()
            publish_all(queue, batch)
            pool.wait_for(jobs, timeout_s=30 + jobs * (delay_s + 0.5))
        finally:
            pool.stop()
    ledger = pool.ledger
    finished = max(at for *_, at in ledger.settled)
    by_sid: dict[str, set[int]] = defaultdict(set)
    runs: dict[str, int] = defaultdict(int)
    for worker, sid, _, _ in ledger.runs:
        by_sid[sid].add(worker)
        runs[sid] += 1
    per_worker: dict[int, int] = defaultdict(int)
    for worker, _, _, _ in ledger.runs:
        per_worker[worker] += 1
    expected = {job.job_id for job in batch}
    return {
        "workers": workers,
        "jobs": jobs,
        "seconds": finished - started,
        "throughput": jobs / (finished - started),
        "shared": sum(1 for ws in by_sid.values() if len(ws) > 1),
        "repeated": sum(1 for n in runs.values() if n > 1),
        "missing": len(expected - set(by_sid)),
        "cases": db["summaries"].count_documents({}) - 1,  # minus the warm-up case
        "per_worker": [per_worker[i] for i in range(workers)],
    }


def measure(jobs: int = 40, counts: Sequence[int] = (1, 2, 4), delay_s: float = LLM_DELAY_S) -> list[dict]:
    from fasttriage.adapters.s3 import s3_client

    results = []
    with moto_s3() as endpoint, bench_queue() as queue:
        configure_environment(queue)
        s3 = s3_client(endpoint, "us-east-1")
        bucket = new_bucket(s3)
        for n in counts:
            results.append(one_count(s3, bucket, n, jobs, delay_s))
    return results


def run(*, quick: bool = False) -> Section:
    started = time.perf_counter()
    results = measure(8 if quick else 40, delay_s=LLM_DELAY_S)
    return build_section(results, LLM_DELAY_S, time.perf_counter() - started)


def build_section(results: list[dict], delay_s: float, seconds: float) -> Section:
    one = next(r for r in results if r["workers"] == 1)["throughput"]
    rows = []
    for r in results:
        n = r["workers"]
        ratio = r["throughput"] / (n * one)
        rows.append(
            Row(
                f"{n} worker{'s' if n > 1 else ''}: throughput",
                r["throughput"],
                unit="jobs/s",
                floor=n * one,
                comparison=f"{ratio:.2f} x",
                goal=f">= {SCALING_GOAL:g} x N x one worker" if n > 1 else "",
                passed=(ratio >= SCALING_GOAL) if n > 1 else None,
            )
        )
    shared = sum(r["shared"] for r in results)
    rows.append(
        Row(
            "Jobs processed by more than one worker (all runs)",
            shared,
            unit="jobs",
            goal="0",
            passed=shared == 0,
        )
    )
    repeated = sum(r["repeated"] for r in results)
    missing = sum(r["missing"] for r in results)
    rows.append(Row("Jobs run more than once / never run (all runs)", repeated + missing, unit="jobs"))
    stub_bound = ", ".join(f"N={r['workers']}: {r['workers'] / delay_s:.0f}" for r in results)
    notes = [
        f"{results[0]['jobs']} jobs per worker count, each a new patient with a distinct MessageSid; the LLM "
        f"stub sleeps {delay_s * 1000:.0f} ms then returns the deterministic summary (behind SafeSummarizer, "
        f"as in production). The stub alone caps throughput at N / {delay_s:g} s ({stub_bound} jobs/s).",
        "Workers are threads in one process (the stub sleeps, so the GIL is free while it waits); they share "
        "one mongomock database and one S3 bucket (moto's server, in a process of its own).",
        "Jobs per worker: "
        + "; ".join(f"N={r['workers']}: {r['per_worker']}" for r in results)
        + ". Cases stored: "
        + ", ".join(f"N={r['workers']}: {r['cases']}" for r in results)
        + ".",
        "The floor of N workers is N x the one-worker throughput of this run; the ratio column is the "
        "scaling efficiency.",
    ]
    return Section(
        key="scaling",
        title="Scaling (issue #5)",
        rows=rows,
        params={"jobs": results[0]["jobs"], "counts": [r["workers"] for r in results]},
        notes=notes,
        seconds=seconds,
    )
