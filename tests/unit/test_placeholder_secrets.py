"""Issue 13.6: a placeholder or empty secret stops the webhook and the worker; nothing is accepted with it."""

from __future__ import annotations

import json

import mongomock
import pytest

from fasttriage.config import ConfigurationError, TwilioSettings, is_placeholder
from fasttriage.local.events import fields_of, signed_webhook_event
from support import event

TEMPLATE_TWILIO_SECRET = {"account_sid": "REPLACE_ME", "auth_token": "REPLACE_ME", "previous_auth_token": ""}


def secret(client, name: str, value: dict) -> str:
    return client.create_secret(Name=name, SecretString=json.dumps(value))["ARN"]


@pytest.mark.parametrize(
    "value", ["", "  ", "REPLACE_ME", "replace-me", "CHANGEME", "<your auth token>", "xxxx"]
)
def test_placeholders_are_recognised(value):
    assert is_placeholder(value)


@pytest.mark.parametrize(
    "value", ["0f3a9c1e2b4d5f6a7b8c9d0e1f2a3b4c", "AC" + "1f" * 16, "fasttriage-local-key"]
)
def test_real_looking_secrets_are_not_placeholders(value):
    assert not is_placeholder(value)


def test_a_request_signed_with_the_template_placeholder_token_is_not_accepted(
    secretsmanager, local_env, monkeypatch, publisher, mongo_db, lambda_context
):
    from fasttriage.adapters.mongo import MongoPatients
    from fasttriage.local.lambdas import load_function

    monkeypatch.delenv("TWILIO_AUTH_TOKEN")
    monkeypatch.delenv("TWILIO_ACCOUNT_SID")
    monkeypatch.setenv(
        "TWILIO_SECRET_ARN", secret(secretsmanager, "fasttriage/twilio", TEMPLATE_TWILIO_SECRET)
    )
    webhook = load_function("webhook", fresh=True)
    webhook.deps.publisher = publisher
    webhook.deps.patients = MongoPatients(mongo_db)
    fields = [
        (k, "REPLACE_ME" if k == "AccountSid" else v)
        for k, v in fields_of(event("webhook_sore_throat_en_1.json"))
    ]
    forged = signed_webhook_event(fields, auth_token="REPLACE_ME")

    with pytest.raises(Exception) as refused:
        webhook.handler(forged, lambda_context)
    assert type(refused.value).__name__ == "UnhandledError"  # a Lambda error: API Gateway answers 502
    assert publisher.jobs == []


@pytest.mark.parametrize("name", ["TWILIO_AUTH_TOKEN", "TWILIO_ACCOUNT_SID", "PSEUDONYM_KEY"])
def test_the_webhook_does_not_start_with_a_placeholder_in_its_environment(local_env, monkeypatch, name):
    from fasttriage.local.lambdas import load_function

    monkeypatch.setenv(name, "REPLACE_ME")
    with pytest.raises(ConfigurationError, match=name):
        load_function("webhook", fresh=True)


def test_the_worker_does_not_start_with_the_template_twilio_secret(secretsmanager):
    from fasttriage.worker import WorkerSettings, build_runner

    arn = secret(secretsmanager, "fasttriage/twilio", TEMPLATE_TWILIO_SECRET)
    settings = WorkerSettings(twilio_secret_arn=arn, reports_bucket="reports")
    with pytest.raises(ConfigurationError, match=r"auth_token|account_sid"):
        build_runner(settings, mongo_db=mongomock.MongoClient()["w"], s3=object())


def test_the_worker_exits_at_start_with_a_placeholder_broker_password(
    secretsmanager, monkeypatch, service_log
):
    from fasttriage.worker import main

    arn = secret(secretsmanager, "fasttriage/broker", {"username": "fasttriage", "password": "REPLACE_ME"})
    monkeypatch.delenv("AMQP_URL", raising=False)
    monkeypatch.setenv("BROKER_ENDPOINT", "amqps://b-1.mq.us-east-1.amazonaws.com:5671")
    monkeypatch.setenv("BROKER_SECRET_ARN", arn)
    assert main([]) == 2
    assert "worker refuses to start" in service_log.getvalue() and "REPLACE_ME" not in service_log.getvalue()


def test_an_empty_previous_token_means_no_rotation_but_a_placeholder_one_is_refused(secretsmanager):
    from fasttriage.adapters.secrets import Secrets

    real = {"account_sid": "AC" + "1f" * 16, "auth_token": "0f3a9c1e2b4d5f6a7b8c9d0e1f2a3b4c"}
    ok = Secrets(
        TwilioSettings(twilio_secret_arn=secret(secretsmanager, "a", {**real, "previous_auth_token": ""}))
    )
    assert ok.twilio().auth_tokens == [real["auth_token"]]
    bad = Secrets(
        TwilioSettings(
            twilio_secret_arn=secret(secretsmanager, "b", {**real, "previous_auth_token": "REPLACE_ME"})
        )
    )
    with pytest.raises(ConfigurationError, match="previous_auth_token"):
        bad.twilio()
