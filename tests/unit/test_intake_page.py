"""The degraded-intake page (domain.escalation, duty 4): on-call hears of an emergency or urgent message when
the job did not reach the broker (the webhook pages) or storage fails on its first attempt (the worker pages).
Fakes only; the real SNS (moto), SQS and broker: tests/integration/test_intake_page_outages.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from conftest import RecordingPublisher
from fasttriage.domain import escalation
from fasttriage.domain.errors import (
    MessengerUnavailable,
    PagerUnavailable,
    ReportStoreError,
    RepositoryError,
    SpoolError,
)
from fasttriage.domain.escalation import IntakePage, first_failure_reason, intake_page, intake_reason
from fasttriage.domain.intake import BROKER, SPOOL
from fasttriage.domain.models import InboundMessage, JobKind, Language, TriageJob
from fasttriage.domain.redflags import assess
from fasttriage.local.events import message_sid, signed_webhook_event, twilio_payload

EMERGENCY_TEXT = "I have crushing chest pain going into my left arm"
URGENT_TEXT = "my urine burns and I have a fever and back pain"
ROUTINE_TEXT = "I have a mild headache"
SENDER = "whatsapp:+15550109876"
PROFILE = "Zelda Quintero"
T0 = datetime(2026, 11, 30, 14, 2, 5, tzinfo=UTC)


class RecordingPager:
    """domain.escalation.Pager: keeps what it was asked to publish, or refuses like an SNS outage."""

    def __init__(self, fail: bool = False) -> None:
        self.pages: list[Any] = []
        self.fail = fail

    def publish(self, page: Any, *, now: datetime) -> str:
        if self.fail:
            raise PagerUnavailable("SNS did not answer: ConnectTimeoutError")
        self.pages.append((page, now))
        return f"msg-{len(self.pages)}"


class RecordingSpool:
    def __init__(self, fail: bool = False) -> None:
        self.jobs: list[Any] = []
        self.fail = fail

    def put(self, job: Any) -> None:
        if self.fail:
            raise SpoolError("spool write failed: test")
        self.jobs.append(job)


def job(text: str, kind: JobKind = JobKind.MESSAGE, sid: str | None = None) -> TriageJob:
    sid = sid or message_sid(text)
    return TriageJob(
        job_id=sid,
        kind=kind,
        received_at=T0,
        message=InboundMessage(
            message_sid=sid,
            account_sid="AC" + "0" * 32,
            sender=SENDER,
            recipient="whatsapp:+14155238886",
            body=text,
            profile_name=PROFILE,
        ),
        patient_key="p" * 64,
        assessment=assess(text),
    )


def everything_said(page: IntakePage) -> str:
    return " ".join([page.subject(), page.text(T0), str(page.document(T0))])


# --- the pure decision ---------------------------------------------------------------------------------------


def test_the_webhook_pages_only_for_a_job_that_did_not_reach_the_broker():
    assert intake_reason(BROKER, broker=BROKER) is None
    assert intake_reason(SPOOL, broker=BROKER) == "broker_unavailable"
    assert intake_reason(None, broker=BROKER) == "not_stored"


def test_the_worker_pages_only_for_a_storage_failure_on_the_first_delivery():
    down = RepositoryError("MongoDB failed: ServerSelectionTimeoutError")
    assert first_failure_reason(down, attempt=1, redelivered=False) == "database_unavailable"
    assert first_failure_reason(ReportStoreError("S3 failed"), attempt=1, redelivered=False) is not None
    assert first_failure_reason(down, attempt=2, redelivered=False) is None  # a retry: paged on attempt 1
    assert first_failure_reason(down, attempt=1, redelivered=True) is None  # the broker's redelivery
    # Not storage: the case is saved and paged as usual (Twilio's outage never holds back the page).
    assert (
        first_failure_reason(MessengerUnavailable("503", maybe_sent=False), attempt=1, redelivered=False)
        is None
    )
    assert first_failure_reason(PagerUnavailable("SNS"), attempt=1, redelivered=False) is None


def test_an_emergency_or_urgent_message_gets_a_page_and_nothing_else_does():
    emergency = intake_page(job(EMERGENCY_TEXT), "broker_unavailable")
    urgent = intake_page(job(URGENT_TEXT), "broker_unavailable")
    assert emergency is not None and emergency.urgency.value == "emergency"
    assert emergency.red_flags == ("cardiac_chest_pain",)
    assert urgent is not None and urgent.urgency.value == "urgent"
    assert intake_page(job(ROUTINE_TEXT), "broker_unavailable") is None
    assert intake_page(job(EMERGENCY_TEXT, kind=JobKind.NEW_CASE), "not_stored") is None


def test_the_page_says_what_happened_and_carries_no_patient_data():
    the_job = job(EMERGENCY_TEXT)
    page = intake_page(the_job, "broker_unavailable")
    assert page is not None
    said = everything_said(page)
    for secret in (EMERGENCY_TEXT, "crushing", "chest pain", SENDER, "15550109876", "9876", PROFILE, "Zelda"):
        assert secret not in said, secret
    assert the_job.job_id not in said  # the MessageSid fetches the text from Twilio: a hash of it instead
    assert page.reference == escalation.job_reference(the_job.job_id) and len(page.reference) == 12
    assert page.reference in page.subject() and page.reference in page.text(T0)
    text = page.text(T0)
    assert "EMERGENCY" in text and "cardiac_chest_pain" in text and "Language: en" in text
    assert "14:02:05 UTC" in text  # the time received
    assert "system is degraded" in text and "will appear in the console" in text
    assert "patient was sent the emergency instruction" in text
    assert len(page.subject()) < 100 and page.subject().isascii()
    assert len(text.encode()) <= 1600  # one SMS publish
    assert page.target == "oncall" and page.link is None


def test_a_message_stored_nowhere_is_paged_as_such():
    page = intake_page(job(EMERGENCY_TEXT), "not_stored")
    assert page is not None
    assert "NOT stored" in page.text(T0) and "asked to send the message again" in page.text(T0)


def test_a_refused_page_is_reported_not_raised():
    result = escalation.page_intake(job(EMERGENCY_TEXT), "not_stored", RecordingPager(fail=True), lambda: T0)
    assert result.status == "failed" and result.error and "SNS" in result.error
    assert escalation.page_intake(job(ROUTINE_TEXT), "not_stored", RecordingPager(), lambda: T0).status == (
        "skipped"
    )


# --- through the webhook handler ---------------------------------------------------------------------------


def post(webhook: Any, ctx: Any, body: str, seed: object = "", sender: str = SENDER) -> dict[str, Any]:
    form = twilio_payload(sid=message_sid(f"{body}{seed}"), sender=sender, body=body, profile_name=PROFILE)
    return webhook.handler(signed_webhook_event(form), ctx)


def counted(out: str, name: str) -> int:
    """How many times the handler's EMF documents (printed at the end of each request) counted `name`."""
    import json

    documents = [json.loads(line) for line in out.splitlines() if line.startswith('{"_aws"')]
    return int(sum(sum(document.get(name, [])) for document in documents))


@pytest.fixture
def broker_down(webhook: Any) -> RecordingSpool:
    webhook.deps.publisher = RecordingPublisher(fail=True)
    webhook.deps.spool = RecordingSpool()
    return webhook.deps.spool


@pytest.fixture
def pager(webhook: Any) -> RecordingPager:
    webhook.deps.pager = RecordingPager()
    return webhook.deps.pager


def test_broker_down_each_emergency_or_urgent_message_pages_once_and_routine_ones_do_not(
    webhook, broker_down, pager, lambda_context, service_log, capsys
):
    answers = [
        post(webhook, lambda_context, text, seed)
        for seed, text in enumerate([EMERGENCY_TEXT, ROUTINE_TEXT, URGENT_TEXT, EMERGENCY_TEXT])
    ]

    assert [a["statusCode"] for a in answers] == [200] * 4
    assert len(broker_down.jobs) == 4
    pages = [page for page, _ in pager.pages]
    assert [(p.urgency.value, p.reason) for p in pages] == [
        ("emergency", "broker_unavailable"),
        ("urgent", "broker_unavailable"),
        ("emergency", "broker_unavailable"),
    ]
    spooled = [j for j in broker_down.jobs if j.assessment.urgency_floor is not None]
    assert [p.reference for p in pages] == [escalation.job_reference(j.job_id) for j in spooled]
    for page in pages:
        said = everything_said(page)
        for secret in ("crushing", "left arm", "urine burns", "9876", "Zelda", *[j.job_id for j in spooled]):
            assert secret not in said, secret
    assert counted(capsys.readouterr().out, "intake_pages_published") == 3
    log = service_log.getvalue()
    assert log.count("on-call paged: intake degraded") == 3
    assert pages[0].reference in log  # the log ties the reference to the job id for ops
    assert "crushing" not in log and "urine" not in log and "9876" not in log and "Zelda" not in log


def test_broker_up_an_emergency_is_left_to_the_worker(webhook, publisher, pager, lambda_context):
    assert post(webhook, lambda_context, EMERGENCY_TEXT)["statusCode"] == 200
    assert len(publisher.jobs) == 1 and pager.pages == []


def test_neither_store_confirms_an_emergency_still_pages_with_its_instruction(webhook, pager, lambda_context):
    webhook.deps.publisher = RecordingPublisher(fail=True)
    webhook.deps.spool = RecordingSpool(fail=True)
    answer = post(webhook, lambda_context, EMERGENCY_TEXT)
    routine = post(webhook, lambda_context, ROUTINE_TEXT)

    assert answer["statusCode"] == 200 and "This may be an emergency" in answer["body"]
    assert routine["statusCode"] == 503
    [(page, _)] = pager.pages
    assert page.reason == "not_stored"


@pytest.mark.parametrize("stores", ["spool", "nowhere"])
def test_sns_failing_does_not_change_the_reply_and_is_counted(
    webhook, lambda_context, service_log, capsys, stores
):
    webhook.deps.publisher = RecordingPublisher(fail=True)
    webhook.deps.spool = RecordingSpool(fail=stores == "nowhere")
    webhook.deps.pager = RecordingPager()
    healthy = post(webhook, lambda_context, EMERGENCY_TEXT, "a", sender="whatsapp:+15550101111")
    webhook.deps.pager = RecordingPager(fail=True)
    failing = post(webhook, lambda_context, EMERGENCY_TEXT, "b", sender="whatsapp:+15550102222")

    assert (failing["statusCode"], failing["body"]) == (healthy["statusCode"], healthy["body"])
    assert "This may be an emergency" in failing["body"]
    assert counted(capsys.readouterr().out, "intake_pages_failed") == 1
    assert "intake page not sent" in service_log.getvalue()


def test_without_a_page_topic_the_webhook_says_so_and_answers_as_before(
    webhook, broker_down, lambda_context, service_log
):
    assert webhook.deps.pager is None  # the local settings set no PAGE_TOPIC_ARN
    answer = post(webhook, lambda_context, EMERGENCY_TEXT)
    assert answer["statusCode"] == 200 and "This may be an emergency" in answer["body"]
    assert "PAGE_TOPIC_ARN is not set" in service_log.getvalue()


def test_the_webhook_builds_its_pager_from_page_topic_arn_on_first_use(local_env, monkeypatch):
    """The cold start builds no SNS client: it is built on first use or in the background, one attempt with
    INTAKE_PAGE_TIMEOUT_S."""
    from fasttriage.adapters.pager import LazySnsPager
    from fasttriage.config import WebhookSettings
    from fasttriage.wiring import WebhookDependencies

    topic = "arn:aws:sns:us-east-1:000000000000:fasttriage-dev-pages"
    settings = WebhookSettings.from_env(
        {**local_env, "PAGE_TOPIC_ARN": topic, "INTAKE_PAGE_TIMEOUT_S": "0.8"}
    )
    built: list[Any] = []

    def fake_client(*args: Any, **kwargs: Any) -> object:
        built.append((args, kwargs))
        return object()

    monkeypatch.setattr("fasttriage.adapters.pager.sns_client", fake_client)
    deps = WebhookDependencies.from_settings(settings)
    assert isinstance(deps.pager, LazySnsPager) and built == []
    _ = deps.pager.pager
    assert built == [((None,), {"timeout_s": 0.8, "total_attempts": 1})]
    assert settings.intake_page_timeout_s == 0.8


def test_an_intake_page_timeout_out_of_range_is_refused_by_name(local_env):
    from fasttriage.config import ConfigurationError, WebhookSettings

    with pytest.raises(ConfigurationError, match="INTAKE_PAGE_TIMEOUT_S"):
        WebhookSettings.from_env({**local_env, "INTAKE_PAGE_TIMEOUT_S": "30"})


def test_the_local_notifier_shows_an_intake_page():
    from fasttriage.local.notifier import LocalNotifier

    page = intake_page(job(EMERGENCY_TEXT), "broker_unavailable")
    assert page is not None
    notifier = LocalNotifier()
    notifier.publish(page, now=T0)
    [record] = notifier.received
    assert record["job_ref"] == page.reference and record["reason"] == "broker_unavailable"
    assert record["language"] == Language.EN.value


def test_anything_unexpected_from_sns_is_a_failed_page_not_an_error_for_the_reply():
    from fasttriage.adapters.pager import LazySnsPager

    class OddClient:
        def publish(self, **kwargs: Any) -> dict[str, Any]:
            return {}  # no MessageId: a KeyError inside SnsPager

    page = intake_page(job(EMERGENCY_TEXT), "broker_unavailable")
    assert page is not None
    with pytest.raises(PagerUnavailable, match="KeyError"):
        LazySnsPager("arn:aws:sns:us-east-1:000000000000:pages", OddClient).publish(page, now=T0)
    result = escalation.page_intake(
        job(EMERGENCY_TEXT), "broker_unavailable", LazySnsPager("arn:x", OddClient), lambda: T0
    )
    assert result.status == "failed"
