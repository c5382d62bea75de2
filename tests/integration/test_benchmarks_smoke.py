"""The benchmarks run end to end at tiny sizes and return well-formed figures. No timing is asserted here:
speed is judged by `make bench` beside floors measured in the same run, never by a test."""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Iterator

import pytest

pytestmark = pytest.mark.broker


@pytest.fixture(autouse=True)
def _restore_process_state() -> Iterator[None]:
    """The benchmarks set the webhook's environment and quiet the loggers: give all of it back afterwards."""
    from fasttriage.observability import logger

    names = ("werkzeug", "pika", "botocore", "urllib3")
    environ, level = dict(os.environ), logger.log_level
    levels = {name: logging.getLogger(name).level for name in names}
    yield
    os.environ.clear()
    os.environ.update(environ)
    logger.setLevel(level or logging.INFO)
    for name, value in levels.items():
        logging.getLogger(name).setLevel(value)


def assert_well_formed(section, *, goals: int) -> None:
    from benchmarks.report import render_section

    assert section.rows, section.key
    for row in section.rows:
        assert row.figure.strip() and row.unit is not None
        assert math.isfinite(row.value) and row.value >= 0, row
        if row.floor is not None:
            assert math.isfinite(row.floor) and row.floor > 0, row
            assert row.comparison, row
    assert len(section.goals) == goals
    assert all(row.goal and row.verdict in ("PASS", "MISS") for row in section.goals)
    text = render_section(section, {"date": "today"})
    assert text.startswith(f"<!-- bench:{section.key}:start -->")
    assert text.count("**PASS**") + text.count("**MISS**") == goals


def test_webhook_benchmark_measures_handler_floor_and_cold_start(broker_url):
    from benchmarks import webhook

    warm = webhook.warm(12, warmup=3, block=4, patients=3)
    cold = webhook.cold(1)
    fallback = webhook.fallback(6, warmup=2)

    assert len(warm["handler"]) == len(warm["floor"]) == len(warm["publisher"]) == 12
    assert cold["samples"][0]["first_request_ms"] > 0 and cold["heaviest_packages"]
    assert cold["samples"][0]["registry_loaded"] and not cold["samples"][0]["pymongo_at_import"]
    assert len(fallback["handler"]) == len(fallback["send"]) == len(fallback["s3_put"]) == 6
    assert_well_formed(webhook.build_section(warm, cold, 1.0, fallback), goals=2)


def test_worker_benchmark_processes_every_job_and_measures_each_floor(broker_url):
    from benchmarks import worker

    measured = worker.measure(4, warmup=1, rounds=2)

    assert len(measured["processing"]) == 4
    assert set(measured["floors"]) == {"consume", "render", "put", "upsert"}
    assert_well_formed(worker.build_section(measured, 1.0), goals=1)


def test_scaling_benchmark_records_which_worker_ran_each_job(broker_url):
    from benchmarks import scaling

    results = scaling.measure(4, counts=(1, 2), delay_s=0.01)

    assert [r["workers"] for r in results] == [1, 2]
    assert all(r["shared"] == 0 and r["missing"] == 0 and r["cases"] == 4 for r in results)
    assert sum(results[1]["per_worker"]) == 4
    assert [r["processes"] for r in results] == [1, 2]  # each worker a process of its own, as a Fargate task
    assert_well_formed(scaling.build_section(results, 0.01, 1.0), goals=2)


def test_escalation_benchmark_times_each_page_from_the_message_and_the_job(broker_url):
    from benchmarks import escalation

    measured = escalation.measure(2, warmup=1)

    assert len(measured["latency"]) == len(measured["job"]) == 2 and measured["pages"] == 3
    assert all(latency > job for latency, job in zip(measured["latency"], measured["job"], strict=True))
    assert_well_formed(escalation.build_section(measured, 1.0), goals=1)


def test_report_replaces_only_the_sections_it_ran(tmp_path):
    from benchmarks.common import Row, Section
    from benchmarks.report import write

    path = tmp_path / "benchmarks.md"
    first = [
        Section(
            "webhook", "Webhook", [Row("a", 1.0, floor=0.5, comparison="+0.5 ms", goal="g", passed=True)]
        ),
        Section("worker", "Worker", [Row("b", 2.0)]),
    ]
    write(path, first, {"date": "d1"}, 1.0)
    write(path, [Section("webhook", "Webhook", [Row("c", 3.0)])], {"date": "d2"}, 1.0)

    text = path.read_text()
    assert "| c |" in text and "| a |" not in text  # replaced
    assert "| b |" in text  # kept from the earlier run
    assert "Sections kept from an earlier run: worker" in text


def test_percentile_interpolates_between_ranks():
    from benchmarks.common import percentile

    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([5.0], 99) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 100) == 5.0
