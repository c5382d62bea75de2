"""Settings, read from the environment once at start-up and validated there.

Lambdas get secret *ARNs* and read the values at run time through Powertools parameters (cached);
the ECS task gets secret *values* injected by the task definition. A setting may therefore come as
`X` (value) or `X_SECRET_ARN` (where to read it); `fasttriage.adapters.secrets` resolves either.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator


class ConfigurationError(RuntimeError):
    """A setting is missing or malformed; raised at start-up, never mid-request."""


# What a secret holds before someone puts the real value in (the template creates Twilio's and Mongo's so).
_PLACEHOLDERS = {"replaceme", "changeme", "placeholder", "todo", "tbd", "secret", "password", "none", "null"}


def is_placeholder(value: str | None) -> bool:
    """True for an empty value or an obvious placeholder: REPLACE_ME, <your-token>, xxxx, changeme..."""
    text = (value or "").strip()
    squashed = "".join(ch for ch in text.lower() if ch.isalnum())
    return (
        not squashed
        or squashed in _PLACEHOLDERS
        or squashed.startswith(("replaceme", "changeme", "your"))
        or (text.startswith("<") and text.endswith(">"))
        or len(set(squashed)) == 1  # xxxx, 0000
    )


def require_real(name: str, value: str | None) -> str:
    """The value, or ConfigurationError naming the setting (never its value) when it is a placeholder."""
    if value is None or is_placeholder(value):
        raise ConfigurationError(f"{name} is empty or a placeholder: put the real value in before starting")
    return value


class Settings(BaseModel):
    stage: str = "local"

    # RabbitMQ / Amazon MQ
    amqp_url: str | None = Field(default=None, description="Full AMQP URL (local); wins over the endpoint.")
    broker_endpoint: str | None = Field(default=None, description="amqps://host:5671 (Amazon MQ).")
    broker_username: str | None = None
    broker_password: str | None = None
    broker_secret_arn: str | None = None
    queue_name: str = "triage.jobs"
    publish_confirm_timeout_s: float = Field(default=4.0, gt=0, le=10)
    heartbeat_s: int = Field(default=30, ge=0)

    # Spool: the SQS queue holding jobs the broker did not confirm (issue 12); none -> no fallback
    spool_queue_url: str | None = None
    spool_timeout_s: float = Field(default=2.0, gt=0, le=10)
    registry_timeout_ms: int = Field(default=500, ge=50, le=10_000)
    registry_cooldown_s: float = Field(default=30.0, ge=0)
    publish_cooldown_s: float = Field(default=5.0, ge=0, le=60)

    # Twilio
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_previous_auth_token: str | None = None
    twilio_webhook_shared_keys: str | None = Field(
        default=None, description='Webhook Rules shared keys as JSON {"<key id>": "<secret>"} (local use).'
    )
    twilio_secret_arn: str | None = None
    public_webhook_url: str | None = None
    max_body_bytes: int = Field(default=16_384, gt=0)
    # Doctors' replies (domain.replies)
    reply_template_content_sid: str | None = Field(
        default=None,
        pattern=r"^HX[0-9a-fA-F]{32}$",
        description="Approved WhatsApp template sent instead of a reply outside the 24-hour window.",
    )
    reply_status_callback_url: str | None = Field(
        default=None, description="Exact URL of POST /webhook/twilio/status, given to Twilio with each reply."
    )
    clinic_whatsapp_sender: str | None = Field(
        default=None, description="whatsapp:+<number>, for cases that do not record the number written to."
    )
    whatsapp_only: bool = True

    # Patient pseudonyms
    pseudonym_key: str | None = None
    pseudonym_key_secret_arn: str | None = None

    # MongoDB
    mongo_uri: str | None = None
    mongo_secret_arn: str | None = None
    mongo_db_name: str = "fasttriage"
    session_timeout_minutes: int = Field(default=240, gt=0)

    # S3
    reports_bucket: str | None = None
    reports_kms_key_id: str | None = None
    report_url_ttl_seconds: int = Field(default=300, ge=1, le=300)
    aws_endpoint_url: str | None = None

    # watsonx
    watsonx_api_key: str | None = None
    watsonx_project_id: str | None = None
    watsonx_url: str | None = None
    watsonx_secret_arn: str | None = None
    watsonx_model_id: str = "ibm/granite-3-8b-instruct"

    # Worker
    worker_health_file: str = "/tmp/worker-health"  # noqa: S108 - a heartbeat file, not a secret
    follow_up_enabled: bool = False
    transcription: Literal["off", "aws", "sidecar"] = Field(
        default="off",
        description="Voice notes: Amazon Transcribe (aws), sidecar files (local/tests), or off.",
    )
    transcribe_timeout_s: float = Field(default=90.0, gt=0, le=600)
    max_attempts: int = Field(default=5, ge=1)

    # Escalation (domain.escalation): pages to clinicians, re-pages until a case is acknowledged
    page_topic_arn: str | None = Field(default=None, description="SNS topic of the on-call clinicians.")
    escalation_topic_arn: str | None = Field(default=None, description="SNS topic of the escalation contact.")
    console_url: str | None = Field(default=None, description="The console's URL, for the link in a page.")
    emergency_ack_minutes: int = Field(default=5, ge=1)
    emergency_repeat_minutes: int = Field(default=5, ge=1)
    emergency_max_repages: int = Field(default=3, ge=0)
    urgent_ack_minutes: int = Field(default=30, ge=1)
    urgent_repeat_minutes: int = Field(default=30, ge=1)
    urgent_max_repages: int = Field(default=2, ge=0)
    escalation_pages: int = Field(default=3, ge=0, description="Pages to the escalation contact, per level.")

    # Doctors' API and console
    doctors_group: str = "doctors"
    cognito_domain: str | None = Field(
        default=None, description="Hosted-UI domain for the console's sign-in."
    )
    cognito_client_id: str | None = None
    secrets_max_age_s: int = Field(default=300, ge=0)

    @field_validator("amqp_url", "broker_endpoint")
    @classmethod
    def _amqp_scheme(cls, value: str | None) -> str | None:
        if value and not value.startswith(("amqp://", "amqps://")):
            raise ValueError("must start with amqp:// or amqps://")
        return value

    @field_validator(
        "twilio_account_sid",
        "twilio_auth_token",
        "twilio_previous_auth_token",
        "pseudonym_key",
        "broker_password",
        "mongo_uri",
    )
    @classmethod
    def _no_placeholder(cls, value: str | None) -> str | None:
        if value is not None and is_placeholder(value):
            raise ValueError("is a placeholder, not a real secret")
        return value

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        source = os.environ if env is None else env
        values: dict[str, Any] = {}
        for name in cls.model_fields:
            raw = source.get(name.upper())
            if raw is not None and raw != "":
                values[name] = raw
        try:
            return cls(**values)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']).upper()}: {err['msg']}" for err in exc.errors()
            )
            raise ConfigurationError(f"invalid configuration: {problems}") from exc
