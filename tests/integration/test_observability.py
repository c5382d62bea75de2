"""What operators see: structured, correlated log lines and EMF metrics, never patient data."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from fasttriage.adapters.consumer import Delivery
from fasttriage.observability import logger, metrics
from support import event


@pytest.fixture
def log_records(service_log):
    return lambda: [json.loads(line) for line in service_log.getvalue().splitlines() if line.startswith("{")]


def test_every_log_line_of_a_job_carries_job_message_and_case_ids(
    webhook, publisher, lambda_context, mongo_db, s3, bucket, log_records
):
    from worker_harness import make_runner

    webhook.handler(event("webhook_sore_throat_en_1.json"), lambda_context)
    [job] = publisher.jobs

    class DownLLM:
        def summarize(self, conversation):
            from fasttriage.domain.errors import SummarizerUnavailable

            raise SummarizerUnavailable("503")

    from fasttriage.domain.summarizer import DeterministicSummarizer, SafeSummarizer

    def fallback_logged(reason, error):
        logger.warning("llm fallback", reason=reason)

    runner = make_runner(
        mongo_db,
        s3,
        bucket,
        SafeSummarizer(DownLLM(), DeterministicSummarizer(), on_fallback=fallback_logged),
    )
    runner.case_idle_timeout = timedelta(hours=4)
    runner(Delivery(job.model_dump_json().encode(), "triage.jobs", 1, False, job.job_id))

    job_lines = [r for r in log_records() if r["message"] in ("llm fallback", "job completed")]
    assert [r["message"] for r in job_lines] == ["llm fallback", "job completed"]
    case_id = mongo_db["summaries"].find_one({})["_id"]
    for line in job_lines:
        assert (line["job_id"], line["message_sid"], line["case_id"]) == (
            job.job_id,
            job.job_id,
            case_id,
        )


def test_webhook_emits_emf_metrics_by_outcome(webhook, lambda_context, capsys):
    webhook.handler(event("webhook_emergency_chest_pain_pt_1.json"), lambda_context)
    webhook.handler(event("webhook_forged_signature.json"), lambda_context)
    documents = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    names = [{m["Name"] for m in doc["_aws"]["CloudWatchMetrics"][0]["Metrics"]} for doc in documents]
    assert {"messages_received", "jobs_published", "emergency_flags"} <= names[0]
    assert {"messages_received", "rejected_bad_signature"} <= names[1]
    assert all(doc["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "FastTriage" for doc in documents)
    metrics.clear_metrics()
