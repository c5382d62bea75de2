"""Production wiring for the two Lambdas, built once per cold start. Nothing here touches the network
until first use, so importing a handler stays cheap; the local stack and tests swap these objects."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, cast

from fasttriage.adapters.rabbitmq import RabbitPublisher
from fasttriage.adapters.registry import GuardedPublisher, GuardedRegistry
from fasttriage.adapters.secrets import Secrets, TwilioCredentials, amqp_url
from fasttriage.adapters.twilio_webhook import SignatureVerifier
from fasttriage.config import (
    ConfigurationError,
    DoctorsApiSettings,
    EscalationSweepSettings,
    MongoSettings,
    ReportsSettings,
    SpoolSettings,
    SweepSettings,
    TwilioSettings,
    WebhookSettings,
)
from fasttriage.domain.intake import JobPublisher, PatientRegistry, Spool

if TYPE_CHECKING:  # typing only: the handlers import these lazily, off the cold start
    from pymongo.database import Database

    from fasttriage.domain.cases import DoctorsCases, DoctorsReports
    from fasttriage.domain.escalation import EscalationPorts, Pager, SweepPolicy, UnacknowledgedCases
    from fasttriage.domain.replies import ReplyLog, ReplySender


def lazy[T](factory: Callable[[], T]) -> T:
    """factory() built on first attribute access, typed as what it builds (the port), so a cold start that
    serves no request does no I/O (Secrets Manager, MongoDB, S3 clients) and callers still see the port."""
    return cast(T, _Lazy(factory))


class _Lazy:
    def __init__(self, factory: Callable[[], object]) -> None:
        self._factory = factory

    @cached_property
    def _target(self) -> object:
        return self._factory()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)


@dataclass
class WebhookDependencies:
    settings: WebhookSettings
    secrets: Secrets[WebhookSettings]
    publisher: JobPublisher
    patients: PatientRegistry
    spool: Spool | None = None
    pager: Pager | None = None  # the degraded-intake page (PAGE_TOPIC_ARN); None: off

    @classmethod
    def from_settings(cls, settings: WebhookSettings) -> WebhookDependencies:
        secrets = Secrets(settings)
        publisher = RabbitPublisher(
            lambda: amqp_url(settings, secrets),
            settings.queue_name,
            confirm_timeout_s=settings.publish_confirm_timeout_s,
            heartbeat_s=settings.heartbeat_s,
            declare_topology=False,  # publish-only broker user: the worker declares the queues
        )
        return cls(
            settings=settings,
            secrets=secrets,
            publisher=GuardedPublisher(publisher, cooldown_s=settings.publish_cooldown_s),
            patients=GuardedRegistry(
                lambda: _mongo_patients(settings), cooldown_s=settings.registry_cooldown_s
            ),
            spool=_spool(settings),
            pager=_intake_pager(settings),
        )

    def warm(self) -> None:
        """After a request is answered: load what the fallback paths need (pymongo, the SQS and SNS clients)
        in the background, so that neither a cold start nor a broker outage waits for an import."""
        for part in (self.patients, self.spool, self.pager):
            warm = getattr(part, "warm", None)
            if warm is not None:
                warm()

    def twilio(self) -> TwilioCredentials:
        return self.secrets.twilio()

    @cached_property
    def verifier(self) -> SignatureVerifier:
        return SignatureVerifier(lambda: self.twilio().auth_tokens, lambda: self.twilio().webhook_shared_keys)

    def pseudonym_key(self) -> bytes:
        return self.secrets.pseudonym_key()

    @cached_property
    def deliveries(self) -> Any:
        """MongoOutbound (domain.replies.ReplyLog.record_delivery) for Twilio's status callbacks (never on
        the patient's message path: a failure here only delays a delivery tick in the console)."""
        from fasttriage.adapters.outbound import MongoOutbound

        timeout = self.settings.registry_timeout_ms
        db = mongo_database(
            self.settings, "fasttriage-webhook", timeout_ms=timeout, socket_timeout_ms=timeout
        )
        return MongoOutbound(db)


def _mongo_patients(settings: WebhookSettings) -> PatientRegistry:
    from fasttriage.adapters.mongo import MongoPatients

    timeout = settings.registry_timeout_ms
    db = mongo_database(settings, "fasttriage-webhook", timeout_ms=timeout, socket_timeout_ms=timeout)
    return MongoPatients(db)


def _intake_pager(settings: WebhookSettings) -> Pager | None:
    """SNS for the degraded-intake page: one attempt, INTAKE_PAGE_TIMEOUT_S to connect and to read."""
    if not settings.page_topic_arn:
        return None
    from fasttriage.adapters.pager import LazySnsPager, sns_client

    return LazySnsPager(
        settings.page_topic_arn,
        lambda: sns_client(
            settings.aws_endpoint_url, timeout_s=settings.intake_page_timeout_s, total_attempts=1
        ),
    )


def _spool(settings: SpoolSettings) -> Spool | None:
    if not settings.spool_queue_url:
        return None
    from fasttriage.adapters.spool import SqsSpool, sqs_client

    return SqsSpool(
        lambda: sqs_client(settings.aws_endpoint_url, timeout_s=settings.spool_timeout_s),
        settings.spool_queue_url,
    )


@dataclass
class DoctorsDependencies:
    settings: DoctorsApiSettings
    cases: DoctorsCases
    links: DoctorsReports
    outbound: ReplyLog
    sender: ReplySender

    @classmethod
    def from_settings(cls, settings: DoctorsApiSettings) -> DoctorsDependencies:
        return cls(
            settings=settings,
            cases=lazy(lambda: _doctors_cases(settings)),
            links=lazy(lambda: _report_links(settings)),
            outbound=lazy(lambda: _reply_log(settings)),
            sender=lazy(lambda: _reply_sender(settings)),
        )


def _reply_log(settings: MongoSettings) -> ReplyLog:
    from fasttriage.adapters.outbound import MongoOutbound

    return MongoOutbound(mongo_database(settings, "fasttriage-doctors-api"))


def _reply_sender(settings: TwilioSettings) -> ReplySender:
    """Twilio's REST client for doctors' replies, built on the first reply (reads the Twilio secret)."""
    from fasttriage.adapters.twilio_rest import TwilioMessenger

    twilio = Secrets(settings).twilio()
    return TwilioMessenger(twilio.account_sid, twilio.auth_token)


def _doctors_cases(settings: MongoSettings) -> DoctorsCases:
    from fasttriage.adapters.mongo import MongoDoctorsCases

    return MongoDoctorsCases(mongo_database(settings, "fasttriage-doctors-api"))


def _report_links(settings: ReportsSettings) -> DoctorsReports:
    from fasttriage.adapters.s3 import ReportStore, s3_client

    if not settings.reports_bucket:
        raise RuntimeError("REPORTS_BUCKET is not set")
    return ReportStore(s3_client(settings.aws_endpoint_url), settings.reports_bucket)


def mongo_database(
    settings: MongoSettings, appname: str, *, timeout_ms: int = 3000, socket_timeout_ms: int | None = None
) -> Database[Any]:
    """The configured database; pymongo connects lazily, on the first operation."""
    from pymongo import MongoClient

    uri = Secrets(settings).mongo_uri()
    client: Any = MongoClient(
        uri,
        appname=appname,
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=timeout_ms,
        socketTimeoutMS=socket_timeout_ms,
        tz_aware=True,
    )
    return client[settings.mongo_db_name]


def count_failed_page() -> None:
    from fasttriage.observability import metrics

    metrics.add_metric(name="pages_failed", unit="Count", value=1)


@dataclass
class EscalationDependencies:
    """The escalation sweep's ports (functions/escalation): unacknowledged cases, the pager, the clock."""

    settings: EscalationSweepSettings
    cases: UnacknowledgedCases
    ports: EscalationPorts
    policy: SweepPolicy
    clock: Callable[[], datetime]

    @classmethod
    def from_settings(cls, settings: EscalationSweepSettings) -> EscalationDependencies:
        from datetime import UTC

        from fasttriage.adapters.pager import SnsPager, sns_client
        from fasttriage.adapters.pages import MongoOpenCases, MongoPageLog
        from fasttriage.domain.escalation import EscalationPorts

        if not settings.page_topic_arn:
            raise ConfigurationError("PAGE_TOPIC_ARN is not set")
        db = mongo_database(settings, "fasttriage-escalation")
        pager = SnsPager(
            settings.page_topic_arn, settings.escalation_topic_arn, sns_client(settings.aws_endpoint_url)
        )
        ports = EscalationPorts(
            pager=pager,
            pages=MongoPageLog(db),
            console_url=settings.console_url,
            on_page_failed=count_failed_page,
        )
        return cls(settings, MongoOpenCases(db), ports, sweep_policy(settings), lambda: datetime.now(UTC))


def sweep_policy(settings: SweepSettings) -> SweepPolicy:
    from fasttriage.domain.escalation import SweepPolicy

    return SweepPolicy.from_minutes(
        emergency=(
            settings.emergency_ack_minutes,
            settings.emergency_repeat_minutes,
            settings.emergency_max_repages,
        ),
        urgent=(settings.urgent_ack_minutes, settings.urgent_repeat_minutes, settings.urgent_max_repages),
        escalation_pages=settings.escalation_pages,
    )
