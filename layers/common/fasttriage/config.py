"""Settings, read from the environment once at start-up and validated there: one model per process.

Each process reads its own model (a Lambda at module import, the worker in main()) with `from_env()`. A model is
composed from groups by concern (broker, twilio, mongo, reports...), and code that needs settings takes the
narrowest group it reads: `amqp_url` takes a `BrokerSettings`, `Secrets` resolves what its settings hold.

Lambdas get secret *ARNs* and read the values at run time through Powertools parameters (cached);
the ECS task gets secret *values* injected by the task definition. A setting may therefore come as
`X` (value) or `X_SECRET_ARN` (where to read it); `fasttriage.adapters.secrets` resolves either.

Environment variable names are the field names in upper case (`queue_name` <- `QUEUE_NAME`); an empty value
means unset. A missing, malformed or placeholder value raises ConfigurationError naming the variable, never the
value. Outside the local stage each process also checks the settings it cannot work without (`required_in_aws`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import ClassVar, Self

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

LOCAL_STAGE = "local"


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


def _not_placeholder(value: str | None) -> str | None:
    if value is not None and is_placeholder(value):
        raise ValueError("is a placeholder, not a real secret")
    return value


class _Environment(EnvSettingsSource):
    """pydantic-settings' environment source over a given mapping (os.environ, or a test's dict)."""

    def __init__(self, settings_cls: type[BaseSettings], env: Mapping[str, str]) -> None:
        self._given = env  # read by _load_env_vars, which the base __init__ calls
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        # The override point pydantic-settings' own dotenv and secrets sources use for other origins.
        return {
            (name if self.case_sensitive else name.lower()): value
            for name, value in self._given.items()
            if not (self.env_ignore_empty and value == "")
        }


# One requirement: any one of its alternatives, each a set of fields that must all be set.
Requirement = tuple[tuple[str, ...], ...]


class SettingsGroup(BaseSettings):
    """Base of every group and process model. Built directly (tests), a model takes only the given values;
    `from_env` reads the environment: pydantic-settings' env source, names case-insensitive, empty = unset."""

    # defer_build: a process builds the validator of its own model only, not those of every group and process.
    model_config = SettingsConfigDict(env_ignore_empty=True, extra="forbid", defer_build=True)

    # Set on process models: what the process cannot work without outside the local stage.
    required_in_aws: ClassVar[tuple[Requirement, ...]] = ()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)  # the environment only through from_env: no stray os.environ in tests

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Self:
        """The model from `env` (default os.environ), validated; ConfigurationError names each bad variable."""
        source = _Environment(cls, os.environ if env is None else env)
        try:
            settings = cls(**source())
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']).upper()}: {err['msg']}" for err in exc.errors()
            )
            raise ConfigurationError(f"invalid configuration: {problems}") from exc
        settings.check_required()
        return settings

    def check_required(self) -> None:
        """Outside the local stage: ConfigurationError naming what to set for each unmet `required_in_aws`."""
        if getattr(self, "stage", LOCAL_STAGE) == LOCAL_STAGE:
            return
        missing = [
            " or ".join(" + ".join(name.upper() for name in names) for names in requirement)
            for requirement in self.required_in_aws
            if not any(all(getattr(self, name) for name in names) for names in requirement)
        ]
        if missing:
            raise ConfigurationError(
                f"{type(self).__name__} outside the local stage needs: {'; '.join(missing)}"
            )


def one_of(*alternatives: str | tuple[str, ...]) -> Requirement:
    return tuple((a,) if isinstance(a, str) else a for a in alternatives)


# --------------------------------------------------------------------------------------------------- groups
class StageSettings(SettingsGroup):
    stage: str = LOCAL_STAGE


class SecretsCacheSettings(SettingsGroup):
    """Every group that may hold a secret ARN: how long a secret read through Powertools stays cached."""

    secrets_max_age_s: int = Field(default=300, ge=0)


class AwsSettings(SettingsGroup):
    aws_endpoint_url: str | None = Field(default=None, description="Local AWS (moto); unset in AWS.")


class BrokerSettings(SecretsCacheSettings):
    """RabbitMQ / Amazon MQ: where the job queue is and who connects."""

    amqp_url: str | None = Field(default=None, description="Full AMQP URL (local); wins over the endpoint.")
    broker_endpoint: str | None = Field(default=None, description="amqps://host:5671 (Amazon MQ).")
    broker_username: str | None = None
    broker_password: str | None = None
    broker_secret_arn: str | None = None
    queue_name: str = "triage.jobs"
    heartbeat_s: int = Field(default=30, ge=0)

    @field_validator("amqp_url", "broker_endpoint")
    @classmethod
    def _amqp_scheme(cls, value: str | None) -> str | None:
        if value and not value.startswith(("amqp://", "amqps://")):
            raise ValueError("must start with amqp:// or amqps://")
        return value

    @field_validator("broker_password")
    @classmethod
    def _real_password(cls, value: str | None) -> str | None:
        return _not_placeholder(value)


BROKER_REQUIRED = one_of(
    "amqp_url",
    ("broker_endpoint", "broker_secret_arn"),
    ("broker_endpoint", "broker_username", "broker_password"),
)


class PublisherSettings(BrokerSettings):
    """A publisher's bound on the broker's confirm (the webhook, the drainer)."""

    publish_confirm_timeout_s: float = Field(default=4.0, gt=0, le=10)


class SpoolSettings(AwsSettings):
    """The SQS queue holding jobs the broker did not confirm (issue 12); unset: no fallback."""

    spool_queue_url: str | None = None
    spool_timeout_s: float = Field(
        default=1.0, gt=0, le=3, description="SQS connect and read timeout of each of the spool's two tries."
    )


class TwilioSettings(SecretsCacheSettings):
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_previous_auth_token: str | None = None
    twilio_webhook_shared_keys: str | None = Field(
        default=None, description='Webhook Rules shared keys as JSON {"<key id>": "<secret>"} (local use).'
    )
    twilio_secret_arn: str | None = None

    @field_validator("twilio_account_sid", "twilio_auth_token", "twilio_previous_auth_token")
    @classmethod
    def _real_secret(cls, value: str | None) -> str | None:
        return _not_placeholder(value)


TWILIO_REQUIRED = one_of("twilio_secret_arn", ("twilio_account_sid", "twilio_auth_token"))


class PseudonymSettings(SecretsCacheSettings):
    """The HMAC key of patient pseudonyms."""

    pseudonym_key: str | None = None
    pseudonym_key_secret_arn: str | None = None

    @field_validator("pseudonym_key")
    @classmethod
    def _real_key(cls, value: str | None) -> str | None:
        return _not_placeholder(value)


class MongoSettings(SecretsCacheSettings):
    mongo_uri: str | None = None
    mongo_secret_arn: str | None = None
    mongo_db_name: str = "fasttriage"

    @field_validator("mongo_uri")
    @classmethod
    def _real_uri(cls, value: str | None) -> str | None:
        return _not_placeholder(value)


MONGO_REQUIRED = one_of("mongo_secret_arn", "mongo_uri")


class ReportsSettings(AwsSettings):
    """The S3 bucket of reports and media, and the KMS key every put is encrypted with."""

    reports_bucket: str | None = None
    reports_kms_key_id: str | None = None


class StatusCallbackSettings(SettingsGroup):
    reply_status_callback_url: str | None = Field(
        default=None, description="Exact URL of POST /webhook/twilio/status, given to Twilio with each reply."
    )


class ReplySettings(StatusCallbackSettings):
    """Doctors' replies (domain.replies)."""

    reply_template_content_sid: str | None = Field(
        default=None,
        pattern=r"^HX[0-9a-fA-F]{32}$",
        description="Approved WhatsApp template sent instead of a reply outside the 24-hour window.",
    )
    clinic_whatsapp_sender: str | None = Field(
        default=None, description="whatsapp:+<number>, for cases that do not record the number written to."
    )


class WatsonxSettings(SettingsGroup):
    watsonx_api_key: str | None = None
    watsonx_project_id: str | None = None
    watsonx_url: str | None = None
    watsonx_model_id: str = "ibm/granite-3-8b-instruct"


class OnCallTopicSettings(AwsSettings):
    page_topic_arn: str | None = Field(default=None, description="SNS topic of the on-call clinicians.")


class PagerSettings(OnCallTopicSettings):
    """Escalation pages to clinicians (domain.escalation) over SNS."""

    escalation_topic_arn: str | None = Field(default=None, description="SNS topic of the escalation contact.")
    console_url: str | None = Field(default=None, description="The console's URL, for the link in a page.")


class SweepSettings(SettingsGroup):
    """When the escalation sweep re-pages a case still `new`."""

    emergency_ack_minutes: int = Field(default=5, ge=1)
    emergency_repeat_minutes: int = Field(default=5, ge=1)
    emergency_max_repages: int = Field(default=3, ge=0)
    urgent_ack_minutes: int = Field(default=30, ge=1)
    urgent_repeat_minutes: int = Field(default=30, ge=1)
    urgent_max_repages: int = Field(default=2, ge=0)
    escalation_pages: int = Field(default=3, ge=0, description="Pages to the escalation contact, per level.")


# ------------------------------------------------------------------------------------------ process models
class WebhookSettings(
    StageSettings, PublisherSettings, SpoolSettings, TwilioSettings, PseudonymSettings, MongoSettings,
    StatusCallbackSettings, OnCallTopicSettings,
):  # fmt: skip
    """functions/webhook: POST /webhook/twilio and its status callback. PAGE_TOPIC_ARN: the degraded-intake
    page (an emergency/urgent message the broker did not take); unset, that page is off."""

    public_webhook_url: str | None = None
    max_body_bytes: int = Field(default=16_384, gt=0)
    whatsapp_only: bool = True
    registry_timeout_ms: int = Field(default=500, ge=50, le=10_000)
    registry_cooldown_s: float = Field(default=30.0, ge=0)
    publish_cooldown_s: float = Field(default=5.0, ge=0, le=60)
    intake_page_timeout_s: float = Field(
        default=1.0,
        gt=0,
        le=3,
        description="SNS connect and read timeout of the degraded-intake page (one try).",
    )

    required_in_aws = (
        TWILIO_REQUIRED,
        one_of("pseudonym_key_secret_arn", "pseudonym_key"),
        BROKER_REQUIRED,
        MONGO_REQUIRED,
    )


class DrainerSettings(StageSettings, PublisherSettings):
    """functions/drainer: the spool (SQS) to the broker."""

    required_in_aws = (BROKER_REQUIRED,)


class DoctorsApiSettings(StageSettings, MongoSettings, ReportsSettings, TwilioSettings, ReplySettings):
    """functions/presign: the doctors' API and the console."""

    report_url_ttl_seconds: int = Field(default=300, ge=1, le=300)
    doctors_group: str = "doctors"
    cognito_domain: str | None = Field(
        default=None, description="Hosted-UI domain for the console's sign-in."
    )
    cognito_client_id: str | None = None

    required_in_aws = (MONGO_REQUIRED, one_of("reports_bucket"), TWILIO_REQUIRED)


class EscalationSweepSettings(StageSettings, MongoSettings, PagerSettings, SweepSettings):
    """functions/escalation: the sweep that re-pages unacknowledged cases."""

    required_in_aws = (MONGO_REQUIRED, one_of("page_topic_arn"))
