"""Issue 14 item 4: each process reads and validates its own settings model at start.

A missing, malformed or placeholder value stops the process with ConfigurationError naming the environment
variable, never its value; outside the local stage each process refuses to start without what it needs in AWS.
"""

from __future__ import annotations

import pytest

from fasttriage.config import (
    ConfigurationError,
    DoctorsApiSettings,
    DrainerSettings,
    EscalationSweepSettings,
    WebhookSettings,
)
from fasttriage.worker import WorkerSettings

WEBHOOK_IN_AWS = {
    "STAGE": "prod",
    "TWILIO_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:111122223333:secret:twilio",
    "PSEUDONYM_KEY_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:111122223333:secret:pseudonym",
    "BROKER_ENDPOINT": "amqps://b-1.mq.eu-west-1.amazonaws.com:5671",
    "BROKER_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:111122223333:secret:broker",
    "MONGO_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:111122223333:secret:mongo",
}


def test_an_explicit_mapping_is_read_and_the_process_environment_ignored(monkeypatch):
    monkeypatch.setenv("QUEUE_NAME", "from.the.process")
    monkeypatch.setenv("HEARTBEAT_S", "not a number")
    settings = DrainerSettings.from_env({"QUEUE_NAME": "given.queue", "PUBLISH_CONFIRM_TIMEOUT_S": "2.5"})
    assert (settings.queue_name, settings.publish_confirm_timeout_s, settings.heartbeat_s) == (
        "given.queue",
        2.5,
        30,
    )


def test_without_a_mapping_the_process_environment_is_read(monkeypatch):
    monkeypatch.setenv("QUEUE_NAME", "from.the.process")
    assert DrainerSettings.from_env().queue_name == "from.the.process"


def test_an_empty_value_means_unset():
    settings = WebhookSettings.from_env({"QUEUE_NAME": "", "MAX_BODY_BYTES": "", "PUBLIC_WEBHOOK_URL": ""})
    assert (settings.queue_name, settings.max_body_bytes, settings.public_webhook_url) == (
        "triage.jobs",
        16_384,
        None,
    )


def test_values_are_parsed_to_their_types():
    settings = WorkerSettings.from_env(
        {"FOLLOW_UP_ENABLED": "true", "MAX_ATTEMPTS": "7", "TRANSCRIPTION": "aws", "HEARTBEAT_S": "10"}
    )
    assert (
        settings.follow_up_enabled,
        settings.max_attempts,
        settings.transcription,
        settings.heartbeat_s,
    ) == (
        True,
        7,
        "aws",
        10,
    )


@pytest.mark.parametrize(
    ("model", "name", "value"),
    [
        (WebhookSettings, "MAX_BODY_BYTES", "sixteen-k-7f3a"),
        (WebhookSettings, "WHATSAPP_ONLY", "perhaps-7f3a"),
        (DrainerSettings, "PUBLISH_CONFIRM_TIMEOUT_S", "99"),
        (DoctorsApiSettings, "REPLY_TEMPLATE_CONTENT_SID", "HXnot-a-sid-7f3a"),
        (WorkerSettings, "TRANSCRIPTION", "whisper-7f3a"),
        (EscalationSweepSettings, "EMERGENCY_ACK_MINUTES", "0"),
    ],
)
def test_a_malformed_value_names_the_variable_and_not_the_value(model, name, value):
    with pytest.raises(ConfigurationError, match=name) as refused:
        model.from_env({name: value})
    assert value not in str(refused.value)


@pytest.mark.parametrize(
    ("model", "name"),
    [
        (WebhookSettings, "TWILIO_AUTH_TOKEN"),
        (WebhookSettings, "PSEUDONYM_KEY"),
        (DrainerSettings, "BROKER_PASSWORD"),
        (DoctorsApiSettings, "MONGO_URI"),
        (WorkerSettings, "TWILIO_ACCOUNT_SID"),
    ],
)
def test_a_placeholder_secret_names_the_variable(model, name):
    with pytest.raises(ConfigurationError, match=f"{name}: .*placeholder"):
        model.from_env({name: "REPLACE_ME"})


def test_the_webhook_in_aws_starts_with_what_the_template_gives_it():
    settings = WebhookSettings.from_env(WEBHOOK_IN_AWS)
    assert settings.stage == "prod" and settings.broker_secret_arn == WEBHOOK_IN_AWS["BROKER_SECRET_ARN"]


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ("TWILIO_SECRET_ARN", "TWILIO_SECRET_ARN or TWILIO_ACCOUNT_SID + TWILIO_AUTH_TOKEN"),
        ("PSEUDONYM_KEY_SECRET_ARN", "PSEUDONYM_KEY_SECRET_ARN or PSEUDONYM_KEY"),
        (
            "BROKER_SECRET_ARN",
            "AMQP_URL or BROKER_ENDPOINT + BROKER_SECRET_ARN or BROKER_ENDPOINT + BROKER_USERNAME",
        ),
        ("MONGO_SECRET_ARN", "MONGO_SECRET_ARN or MONGO_URI"),
    ],
)
def test_the_webhook_in_aws_refuses_to_start_without_what_it_needs(missing, named):
    env = {k: v for k, v in WEBHOOK_IN_AWS.items() if k != missing}
    with pytest.raises(ConfigurationError) as refused:
        WebhookSettings.from_env(env)
    assert named in str(refused.value)
    assert not any(value in str(refused.value) for value in env.values() if value != "prod")


def test_the_same_settings_start_locally_where_the_stack_injects_what_is_missing():
    assert WebhookSettings.from_env({}).stage == "local"
    assert EscalationSweepSettings.from_env({}).page_topic_arn is None


def test_the_escalation_sweep_in_aws_needs_the_page_topic():
    env = {"STAGE": "dev", "MONGO_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:1:secret:mongo"}
    with pytest.raises(ConfigurationError, match="PAGE_TOPIC_ARN"):
        EscalationSweepSettings.from_env(env)
    topic = "arn:aws:sns:eu-west-1:1:pages"
    assert EscalationSweepSettings.from_env({**env, "PAGE_TOPIC_ARN": topic}).page_topic_arn == topic


def test_the_worker_in_aws_needs_the_reports_key_and_its_secrets():
    with pytest.raises(ConfigurationError) as refused:
        WorkerSettings.from_env(
            {"STAGE": "prod", "AMQP_URL": "amqps://u:p@broker:5671", "REPORTS_BUCKET": "r"}
        )
    message = str(refused.value)
    assert "REPORTS_KMS_KEY_ID" in message and "MONGO_SECRET_ARN or MONGO_URI" in message
    assert "TWILIO_SECRET_ARN" in message and "u:p@" not in message


def test_the_worker_exits_at_start_when_its_settings_are_incomplete(monkeypatch, service_log):
    from fasttriage.worker import main

    monkeypatch.setenv("STAGE", "prod")
    for name in ("AMQP_URL", "MONGO_URI", "REPORTS_KMS_KEY_ID"):
        monkeypatch.delenv(name, raising=False)
    assert main([]) == 2
    assert "worker refuses to start" in service_log.getvalue()


def test_each_process_model_holds_only_its_own_settings():
    """A model built by hand refuses a setting of another process (the drainer has no Twilio, no Mongo)."""
    with pytest.raises(ValueError, match="twilio_auth_token"):
        DrainerSettings(twilio_auth_token="0f3a9c1e2b4d5f6a")  # type: ignore[call-arg]
    assert "reports_bucket" not in WebhookSettings.model_fields
    assert "public_webhook_url" not in WorkerSettings.model_fields
    # From the environment, another process's variables are simply not read (Globals give MONGO_* to all).
    assert DrainerSettings.from_env({"MONGO_SECRET_ARN": "arn"}).queue_name == "triage.jobs"
