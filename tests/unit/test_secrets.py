"""Secrets come from Secrets Manager through Powertools parameters, cached; values never come from samconfig."""

from __future__ import annotations

import json

import pytest

from fasttriage.adapters.secrets import Secrets, amqp_url
from fasttriage.config import (
    BrokerSettings,
    ConfigurationError,
    DoctorsApiSettings,
    TwilioSettings,
    WebhookSettings,
)


def test_twilio_credentials_are_read_by_arn_and_cached(secretsmanager):
    arn = secretsmanager.create_secret(
        Name="fasttriage/twilio",
        SecretString=json.dumps(
            {"account_sid": "AC" + "1" * 32, "auth_token": "new", "previous_auth_token": "old"}
        ),
    )["ARN"]
    secrets = Secrets(TwilioSettings(twilio_secret_arn=arn))

    first = secrets.twilio()
    secretsmanager.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)
    second = secrets.twilio()  # served from the Powertools cache, no second call

    assert first.auth_tokens == ["new", "old"]
    assert second == first


def test_webhook_rules_shared_keys_are_read_from_the_twilio_secret(secretsmanager):
    """The runbook tells operators to put the shared keys in the Twilio secret: the webhook must read them there."""
    arn = secretsmanager.create_secret(
        Name="fasttriage/twilio-rules",
        SecretString=json.dumps(
            {
                "account_sid": "AC" + "1" * 32,
                "auth_token": "tok3n-live",
                "webhook_shared_keys": {"KS" + "2" * 32: "shared-secret-value"},
            }
        ),
    )["ARN"]
    assert Secrets(TwilioSettings(twilio_secret_arn=arn)).twilio().webhook_shared_keys == {
        "KS" + "2" * 32: "shared-secret-value"
    }


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("{not json", "is not JSON"),
        ('["a"]', "must map each key id"),
        ('{"KS1": 5}', "must map each key id"),
        ('{"KS1": "REPLACE_ME"}', r"\[KS1\] is empty or a placeholder"),
    ],
)
def test_malformed_shared_keys_are_refused_naming_the_setting_not_the_value(raw, problem):
    settings = TwilioSettings(
        twilio_account_sid="AC" + "1" * 32, twilio_auth_token="tok3n-live", twilio_webhook_shared_keys=raw
    )
    with pytest.raises(ConfigurationError, match=problem) as refused:
        Secrets(settings).twilio()
    assert "TWILIO_WEBHOOK_SHARED_KEYS" in str(refused.value) and "REPLACE_ME" not in str(refused.value)


def test_broker_url_is_built_from_the_endpoint_and_the_broker_secret(secretsmanager):
    arn = secretsmanager.create_secret(
        Name="fasttriage/broker", SecretString=json.dumps({"username": "app", "password": "p@ss/word"})
    )["ARN"]
    settings = BrokerSettings(
        broker_endpoint="amqps://b-1.mq.us-east-1.amazonaws.com:5671", broker_secret_arn=arn
    )
    assert (
        amqp_url(settings, Secrets(settings))
        == "amqps://app:p%40ss%2Fword@b-1.mq.us-east-1.amazonaws.com:5671"
    )


def test_missing_settings_fail_at_start_up_with_what_to_set():
    with pytest.raises(ConfigurationError, match="TWILIO_SECRET_ARN"):
        Secrets(TwilioSettings()).twilio()
    with pytest.raises(ConfigurationError, match="REPORT_URL_TTL_SECONDS"):
        DoctorsApiSettings.from_env({"REPORT_URL_TTL_SECONDS": "3600"})
    with pytest.raises(ConfigurationError, match="AMQP_URL"):
        WebhookSettings.from_env({"AMQP_URL": "http://broker"})
