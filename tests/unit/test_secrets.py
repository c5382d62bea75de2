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
