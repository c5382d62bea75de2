"""The worker: `python -m fasttriage.worker` (the container's entrypoint), `--health` for the health check.

Wiring happens once here; the loop is adapters.consumer.RabbitConsumer; each job is domain.processing.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError

from fasttriage.adapters.consumer import Decision, Delivery, RabbitConsumer, Verdict
from fasttriage.config import (
    BROKER_REQUIRED,
    MONGO_REQUIRED,
    TWILIO_REQUIRED,
    BrokerSettings,
    ConfigurationError,
    MongoSettings,
    PagerSettings,
    PseudonymSettings,
    ReportsSettings,
    StageSettings,
    TwilioSettings,
    WatsonxSettings,
    is_placeholder,
    one_of,
)
from fasttriage.domain import escalation
from fasttriage.domain.errors import PermanentError
from fasttriage.domain.escalation import EscalationPorts, Pager
from fasttriage.domain.masking import mask_name, mask_phone
from fasttriage.domain.models import JobKind, TriageJob
from fasttriage.domain.processing import ParkedJobs, Ports, erase_patient, process_job, start_new_case
from fasttriage.domain.summarizer import DeterministicSummarizer, Summarizer
from fasttriage.observability import logger, metrics, record_intake_page

HEALTH_MAX_AGE_S = 60


class WorkerSettings(
    StageSettings, BrokerSettings, MongoSettings, ReportsSettings, TwilioSettings, PseudonymSettings,
    WatsonxSettings, PagerSettings,
):  # fmt: skip
    """The worker's settings (template.yaml's WorkerTaskDefinition), read once in main(). The pseudonym key is
    injected by the task definition and validated here (a placeholder stops the worker, as before)."""

    worker_health_file: str = "/tmp/worker-health"  # noqa: S108 - a heartbeat file, not a secret
    follow_up_enabled: bool = False
    transcription: Literal["off", "aws", "sidecar"] = Field(
        default="off",
        description="Voice notes: Amazon Transcribe (aws), sidecar files (local/tests), or off.",
    )
    transcribe_timeout_s: float = Field(default=90.0, gt=0, le=600)
    max_attempts: int = Field(default=5, ge=1)
    session_timeout_minutes: int = Field(default=240, gt=0)

    required_in_aws = (
        BROKER_REQUIRED,
        MONGO_REQUIRED,
        TWILIO_REQUIRED,
        one_of("reports_bucket"),
        one_of("reports_kms_key_id"),
    )


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class JobRunner:
    """Turns one delivery into a verdict: ack, retry later, or dead-letter now."""

    ports: Ports
    case_idle_timeout: timedelta
    now: Callable[[], datetime] = utcnow
    follow_up_enabled: bool = False
    max_attempts: int = 5
    # Pages on-call when an emergency/urgent job's first attempt fails on storage (domain.escalation, duty 4).
    intake_pager: Pager | None = None

    @property
    def repository(self) -> Any:
        return self.ports.repository

    def __call__(self, delivery: Delivery) -> Verdict:
        try:
            return self._run(delivery)
        finally:
            logger.thread_safe_clear_keys()

    def _run(self, delivery: Delivery) -> Verdict:
        started = time.perf_counter()
        try:
            job = TriageJob.model_validate_json(delivery.body)
        except ValidationError as exc:
            where = ", ".join(".".join(str(p) for p in e["loc"]) or "body" for e in exc.errors()[:5])
            logger.error("malformed job", job_id=delivery.message_id, problems=where)
            metrics.add_metric(name="jobs_failed", unit="Count", value=1)
            return Verdict(Decision.DEAD, f"malformed job: {where}")
        # Thread-local keys: the job runs in its own thread, and every line of this job carries them.
        logger.thread_safe_append_keys(
            job_id=job.job_id, message_sid=job.message.message_sid, attempt=delivery.attempt
        )
        try:
            if job.kind is JobKind.ERASE:
                erased = erase_patient(job, self.ports)
                logger.info(
                    "patient data erased",
                    cases=erased.cases,
                    objects=erased.objects,
                    parked_jobs_removed=erased.parked_jobs,
                )
                metrics.add_metric(name="erasures_completed", unit="Count", value=1)
                return Verdict(Decision.ACK)
            if job.kind is JobKind.NEW_CASE:
                logger.info("new case command applied", applied=start_new_case(job, self.ports))
                return Verdict(Decision.ACK)
            outcome = process_job(
                job,
                self.ports,
                now=self.now,
                case_idle_timeout=self.case_idle_timeout,
                mask_patient=mask_phone,
                mask_profile=mask_name,
                follow_up_enabled=self.follow_up_enabled,
                last_attempt=delivery.attempt >= self.max_attempts,
                on_case=lambda case_id: logger.thread_safe_append_keys(case_id=case_id),
            )
        except PermanentError as exc:
            logger.error("job failed permanently", error=type(exc).__name__)
            metrics.add_metric(name="jobs_failed", unit="Count", value=1)
            return Verdict(Decision.DEAD, f"{type(exc).__name__}: {exc}")
        except Exception as exc:
            logger.warning("job failed, will retry", error=type(exc).__name__)
            metrics.add_metric(name="jobs_failed", unit="Count", value=1)
            self._page_first_failure(job, delivery, exc)
            return Verdict(Decision.RETRY, type(exc).__name__)
        elapsed_ms = (time.perf_counter() - started) * 1000
        if outcome.skipped:
            logger.info("job skipped", reason=outcome.skipped)
            return Verdict(Decision.ACK)
        logger.info(
            "job completed",
            version=outcome.version,
            urgency=outcome.urgency,
            producer=outcome.producer,
            new_message=outcome.new_message,
            follow_up=outcome.follow_up,
            instruction=outcome.instruction,
            page=outcome.page,
            duration_ms=round(elapsed_ms, 1),
        )
        metrics.add_metric(name="jobs_completed", unit="Count", value=1)
        metrics.add_metric(name="processing_time", unit="Milliseconds", value=elapsed_ms)
        if outcome.producer == "fallback":
            metrics.add_metric(name="fallback_used", unit="Count", value=1)
        if outcome.page and outcome.page.startswith("paged:"):
            metrics.add_metric(name="pages_published", unit="Count", value=1)
        if outcome.instruction and outcome.instruction.startswith("sent:"):
            metrics.add_metric(name="patient_instructions_sent", unit="Count", value=1)
        return Verdict(Decision.ACK)

    def _page_first_failure(self, job: TriageJob, delivery: Delivery, error: Exception) -> None:
        """Storage is down on the job's first attempt: its case cannot be saved, nor paged, until storage is
        back, so an emergency/urgent job pages on-call now (once: the attempt number travels with the job's
        retries, no MongoDB needed). A failed page is counted; the job retries as before."""
        reason = escalation.first_failure_reason(
            error, attempt=delivery.attempt, redelivered=delivery.redelivered
        )
        try:
            result = escalation.page_intake(job, reason, self.intake_pager, self.now)
        except Exception as exc:  # a page must never keep the job from being retried
            logger.error("intake page raised", error=type(exc).__name__)
            metrics.add_metric(name="intake_pages_failed", unit="Count", value=1)
            return
        record_intake_page(result, "storage down")


def build_summarizer(settings: WatsonxSettings) -> Summarizer:
    """watsonx behind the deterministic fallback; rules only (marked as such) without credentials."""
    from fasttriage.domain.summarizer import SafeSummarizer

    def fallback_used(reason: str, error: Exception | None) -> None:
        logger.warning("llm fallback", reason=reason, error=type(error).__name__ if error else None)

    key, project = settings.watsonx_api_key, settings.watsonx_project_id
    if not (key and project and settings.watsonx_url) or is_placeholder(key) or is_placeholder(project):
        logger.warning("no watsonx credentials: every summary is the deterministic fallback")
        return SafeSummarizer(None, DeterministicSummarizer())
    from fasttriage.adapters.watsonx import WatsonxCredentials, WatsonxSummarizer

    credentials = WatsonxCredentials(
        api_key=SecretStr(key),
        url=settings.watsonx_url,
        project_id=project,
        model_id=settings.watsonx_model_id,
    )
    llm = WatsonxSummarizer(
        credentials,
        on_latency=lambda ms: metrics.add_metric(name="llm_latency", unit="Milliseconds", value=ms),
    )
    return SafeSummarizer(llm, DeterministicSummarizer(), on_fallback=fallback_used)


def build_escalation(
    settings: WorkerSettings, mongo_db: Any, *, messenger: Any = None, outbound: Any = None, pager: Any = None
) -> EscalationPorts:
    """Patient instructions through Twilio (when wired) and pages through SNS (when PAGE_TOPIC_ARN is set,
    or the given pager: the local stack's notifier)."""
    from fasttriage.wiring import count_failed_page

    pages = None
    if pager is None and settings.page_topic_arn:
        from fasttriage.adapters.pager import SnsPager, sns_client

        pager = SnsPager(
            settings.page_topic_arn, settings.escalation_topic_arn, sns_client(settings.aws_endpoint_url)
        )
    if pager is not None:
        from fasttriage.adapters.pages import MongoPageLog

        pages = MongoPageLog(mongo_db)
        pages.ensure_indexes()
    elif settings.stage != "local":
        logger.warning("no PAGE_TOPIC_ARN: emergency and urgent cases page nobody")
    return EscalationPorts(
        messenger=messenger,
        outbound=outbound,
        pager=pager,
        pages=pages,
        console_url=settings.console_url,
        on_page_failed=count_failed_page,
    )


def build_runner(
    settings: WorkerSettings,
    *,
    mongo_db: Any = None,
    s3: Any = None,
    twilio_outbound: bool = True,
    parked: ParkedJobs | None = None,
) -> JobRunner:
    """The production runner. `twilio_outbound=False` (the local stack) turns off media downloads and
    follow-up messages, which need Twilio's API."""
    from fasttriage.adapters.mongo import MongoPatients, MongoRepository
    from fasttriage.adapters.s3 import ReportStore, s3_client
    from fasttriage.wiring import mongo_database

    if mongo_db is None:
        mongo_db = mongo_database(settings, "fasttriage-worker")
    repository = MongoRepository(mongo_db)
    repository.ensure_indexes()
    if not settings.reports_bucket:
        raise SystemExit("REPORTS_BUCKET is not set")
    if settings.stage != "local" and not settings.reports_kms_key_id:
        # The bucket policy refuses any put not encrypted with the stack's key: fail at start, not per job.
        raise ConfigurationError("REPORTS_KMS_KEY_ID is not set: reports must be encrypted with the data key")
    store = ReportStore(
        s3 or s3_client(settings.aws_endpoint_url), settings.reports_bucket, settings.reports_kms_key_id
    )
    media = messenger = outbound = None
    if twilio_outbound:
        from fasttriage.adapters.outbound import MongoOutbound
        from fasttriage.adapters.secrets import Secrets
        from fasttriage.adapters.twilio_rest import TwilioMediaFetcher, TwilioMessenger

        twilio = Secrets(settings).twilio()
        media = TwilioMediaFetcher(twilio.account_sid, twilio.auth_token)
        messenger = TwilioMessenger(twilio.account_sid, twilio.auth_token)
        outbound = MongoOutbound(mongo_db)
        outbound.ensure_indexes()
    escalation_ports = build_escalation(settings, mongo_db, messenger=messenger, outbound=outbound)
    ports = Ports(
        transcriber=build_transcriber(settings, store, s3),
        on_transcription_failed=transcription_failed,
        repository=repository,
        patients=MongoPatients(mongo_db),
        summarizer=build_summarizer(settings),
        store=store,
        media=media,
        messenger=messenger,
        outbound=outbound,
        parked=parked,
        escalation=escalation_ports,
    )
    return JobRunner(
        ports=ports,
        case_idle_timeout=timedelta(minutes=settings.session_timeout_minutes),
        follow_up_enabled=settings.follow_up_enabled,
        max_attempts=settings.max_attempts,
        intake_pager=escalation_ports.pager,  # SNS (or the local notifier) publishes both kinds
    )


def build_transcriber(settings: WorkerSettings, store: Any, s3: Any = None) -> Any:
    """Voice-note transcription: Amazon Transcribe (TRANSCRIPTION=aws), sidecar files (sidecar), or none."""
    if settings.transcription == "sidecar":
        from fasttriage.adapters.transcribe import SidecarTranscriber

        return SidecarTranscriber(store)
    if settings.transcription == "aws":
        from fasttriage.adapters.s3 import s3_client
        from fasttriage.adapters.transcribe import AwsTranscriber, transcribe_client

        return AwsTranscriber(
            transcribe_client(settings.aws_endpoint_url),
            s3 or s3_client(settings.aws_endpoint_url),
            str(settings.reports_bucket),
            settings.reports_kms_key_id,
            timeout_s=settings.transcribe_timeout_s,
        )
    return None


def transcription_failed(reason: str) -> None:
    logger.warning("voice note not transcribed; the case goes on without it", reason=reason)
    metrics.add_metric(name="transcriptions_failed", unit="Count", value=1)


def health_check(path: str, max_age_s: float = HEALTH_MAX_AGE_S) -> int:
    """0 when the loop wrote a heartbeat recently while connected to the broker."""
    try:
        stamp, state = Path(path).read_text().split()
    except (OSError, ValueError):
        print("unhealthy: no heartbeat file", file=sys.stderr)
        return 1
    age = time.time() - float(stamp)
    if state != "connected" or age > max_age_s:
        print(f"unhealthy: {state}, last beat {age:.0f}s ago", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fasttriage.worker", description="FastTriage queue worker")
    parser.add_argument("--health", action="store_true", help="exit 0 if the running worker is healthy")
    args = parser.parse_args(argv)
    try:
        settings = WorkerSettings.from_env()
    except ConfigurationError as exc:
        logger.critical("worker refuses to start", problem=str(exc))
        return 2
    if args.health:
        return health_check(settings.worker_health_file)

    from fasttriage.adapters.deadletters import ParkedJobs as ParkedQueues
    from fasttriage.adapters.secrets import Secrets, amqp_url

    secrets = Secrets(settings)
    try:  # every secret is read once here: a missing or placeholder secret stops the worker at start
        amqp_url(settings, secrets)
        runner = build_runner(
            settings, parked=ParkedQueues(lambda: amqp_url(settings, secrets), settings.queue_name)
        )
    except ConfigurationError as exc:
        logger.critical("worker refuses to start", problem=str(exc))
        return 2

    def settled(delivery: Delivery, verdict: Verdict) -> None:
        """One EMF document per job: what the runner counted plus how the broker side settled it."""
        if verdict.decision is Decision.RETRY:
            metrics.add_metric(name="jobs_retried", unit="Count", value=1)
        elif verdict.decision is Decision.DEAD:
            metrics.add_metric(name="jobs_dead_lettered", unit="Count", value=1)
            logger.error("job dead-lettered", job_id=delivery.message_id, reason=verdict.reason)
        metrics.flush_metrics(raise_on_empty_metrics=False)

    consumer = RabbitConsumer(
        lambda: amqp_url(settings, secrets),
        settings.queue_name,
        runner,
        max_attempts=settings.max_attempts,
        heartbeat_s=settings.heartbeat_s,
        health_file=settings.worker_health_file,
        on_settled=settled,
    )
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: consumer.stop())
    logger.info("worker starting", queue=settings.queue_name)
    consumer.run()
    logger.info("worker stopped", **{k: v for k, v in vars(consumer.stats).items() if k != "settled"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
