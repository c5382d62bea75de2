"""The patient's answer must come back even when every dependency of the webhook hangs at once (a network
partition: broker, MongoDB, SQS and SNS all silent). Twilio waits at most 15 s for the HTTP response, TCP
connection included (https://www.twilio.com/docs/api/errors/11205), and a Lambda killed at its timeout answers
nothing, so the emergency instruction would be lost. This adds up the worst case from the clients the
webhook's wiring builds (not from constants copied here) and checks it against both limits."""

from __future__ import annotations

from typing import Any

import pytest
from infra_support import TEMPLATE, load_cfn

from fasttriage.adapters.pager import sns_client
from fasttriage.adapters.spool import sqs_client
from fasttriage.config import WebhookSettings

TWILIO_HTTP_TIMEOUT_S = 15.0
COLD_START_AND_NETWORK_S = 1.0  # a cold start (~0.3-0.5 s measured) and API Gateway's own hop
BACKOFF_CAP_S = 1.0  # botocore standard mode: random() * 2 ** (attempt - 1), <= 1 s before the second try


def _webhook_timeout() -> float:
    resources = load_cfn(TEMPLATE)["Resources"]
    own = resources["WebhookFunction"]["Properties"].get("Timeout")
    return float(own if own is not None else load_cfn(TEMPLATE)["Globals"]["Function"]["Timeout"])


def _worst_s(client: Any) -> float:
    config = client.meta.config
    tries = int(config.retries.get("total_max_attempts") or config.retries.get("max_attempts", 0) + 1)
    backoff = sum(min(2.0 ** (n - 1), 20.0) for n in range(1, tries))
    return tries * (config.connect_timeout + config.read_timeout) + backoff


def worst_case_answer_s(settings: WebhookSettings) -> float:
    """Registry lookup and first-contact write (server selection + socket each, the guard trips after one
    failure but a slow success does not), the broker's bounded publish, the spool's tries, the intake page."""
    registry = 2 * 2 * settings.registry_timeout_ms / 1000
    broker = settings.publish_confirm_timeout_s
    spool = _worst_s(sqs_client("http://127.0.0.1:9", "us-east-1", timeout_s=settings.spool_timeout_s))
    page = _worst_s(
        sns_client(
            "http://127.0.0.1:9", "us-east-1", timeout_s=settings.intake_page_timeout_s, total_attempts=1
        )
    )
    return registry + broker + spool + page


@pytest.fixture
def defaults(monkeypatch) -> WebhookSettings:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    return WebhookSettings()


def test_with_every_dependency_hanging_the_webhook_answers_before_lambda_and_twilio_give_up(defaults):
    worst = worst_case_answer_s(defaults)
    timeout = _webhook_timeout()
    print(f"worst case {worst:.1f} s; webhook timeout {timeout:.0f} s; Twilio {TWILIO_HTTP_TIMEOUT_S:.0f} s")
    assert worst + COLD_START_AND_NETWORK_S <= timeout, "the Lambda would be killed before it answers"
    assert timeout <= TWILIO_HTTP_TIMEOUT_S - COLD_START_AND_NETWORK_S, "Twilio would give up first"


def test_the_spool_tries_at_most_twice(defaults):
    """botocore's `max_attempts` counts retries after the first try; `total_max_attempts` counts tries."""
    config = sqs_client("http://127.0.0.1:9", "us-east-1", timeout_s=defaults.spool_timeout_s).meta.config
    assert config.retries.get("total_max_attempts") == 2
