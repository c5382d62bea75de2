"""Secrets: a value injected in the environment (ECS task secrets, local stack) or read by ARN from
Secrets Manager through Powertools parameters (Lambdas), cached for `secrets_max_age_s`."""

from __future__ import annotations

import json
from typing import Any, Final

from pydantic import BaseModel

from fasttriage.config import (
    BrokerSettings,
    ConfigurationError,
    MongoSettings,
    PseudonymSettings,
    SecretsCacheSettings,
    TwilioSettings,
    require_real,
)


class TwilioCredentials(BaseModel):
    account_sid: str
    auth_token: str
    previous_auth_token: str | None = None
    webhook_shared_keys: dict[str, str] = {}  # Webhook Rules shared keys by id (issue 13, item 11)

    @property
    def auth_tokens(self) -> list[str]:
        """The current token first, then the previous one while a rotation is under way."""
        return [t for t in (self.auth_token, self.previous_auth_token) if t]


class BrokerCredentials(BaseModel):
    username: str
    password: str


class Secrets[S: SecretsCacheSettings]:
    """Resolves each secret from its value or its ARN; reads by ARN are cached by Powertools.

    Each resolver needs its group in the settings (mypy checks it: `Secrets(drainer_settings).twilio()` is a
    type error, the drainer's model has no Twilio group)."""

    def __init__(self, settings: S) -> None:
        self.settings: Final = settings  # read-only, so Secrets[WebhookSettings] is a Secrets[TwilioSettings]

    def _json(self, arn: str) -> dict[str, Any]:
        from aws_lambda_powertools.utilities import parameters

        value = parameters.get_secret(arn, transform="json", max_age=self.settings.secrets_max_age_s)
        if not isinstance(value, dict):
            raise ConfigurationError(f"secret {arn} is not a JSON object")
        return value

    def twilio(self: Secrets[TwilioSettings]) -> TwilioCredentials:
        s = self.settings
        if s.twilio_auth_token and s.twilio_account_sid:
            return TwilioCredentials(
                account_sid=s.twilio_account_sid,
                auth_token=s.twilio_auth_token,
                previous_auth_token=s.twilio_previous_auth_token,
                webhook_shared_keys=shared_keys(s.twilio_webhook_shared_keys, "TWILIO_WEBHOOK_SHARED_KEYS"),
            )
        if s.twilio_secret_arn:
            value = self._json(s.twilio_secret_arn)
            previous = value.get("previous_auth_token") or None  # "" means no rotation under way
            return TwilioCredentials(
                account_sid=require_real("the Twilio secret's account_sid", value.get("account_sid")),
                auth_token=require_real("the Twilio secret's auth_token", value.get("auth_token")),
                previous_auth_token=previous
                and require_real("the Twilio secret's previous_auth_token", previous),
                webhook_shared_keys=shared_keys(
                    value.get("webhook_shared_keys"), "the Twilio secret's webhook_shared_keys"
                ),
            )
        raise ConfigurationError("set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, or TWILIO_SECRET_ARN")

    def pseudonym_key(self: Secrets[PseudonymSettings]) -> bytes:
        s = self.settings
        if s.pseudonym_key:
            return s.pseudonym_key.encode()
        if s.pseudonym_key_secret_arn:
            return require_real(
                "the pseudonym key secret", self._json(s.pseudonym_key_secret_arn).get("key")
            ).encode()
        raise ConfigurationError("set PSEUDONYM_KEY or PSEUDONYM_KEY_SECRET_ARN")

    def broker(self: Secrets[BrokerSettings]) -> BrokerCredentials | None:
        s = self.settings
        if s.broker_username and s.broker_password:
            return BrokerCredentials(username=s.broker_username, password=s.broker_password)
        if s.broker_secret_arn:
            value = self._json(s.broker_secret_arn)
            return BrokerCredentials(
                username=require_real("the broker secret's username", value.get("username")),
                password=require_real("the broker secret's password", value.get("password")),
            )
        return None

    def mongo_uri(self: Secrets[MongoSettings]) -> str:
        s = self.settings
        if s.mongo_uri:
            return s.mongo_uri
        if s.mongo_secret_arn:
            return require_real("the Mongo secret's uri", self._json(s.mongo_secret_arn).get("uri"))
        raise ConfigurationError("set MONGO_URI or MONGO_SECRET_ARN")


def shared_keys(raw: object, where: str) -> dict[str, str]:
    """Webhook Rules shared keys by id, from a JSON object or its text (an environment variable); a malformed
    map or a placeholder key stops the process at its first read, naming `where` and the key id, never a key."""
    if raw is None or raw == "":
        return {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ConfigurationError(f'{where} is not JSON: expected {{"<key id>": "<secret>"}}') from exc
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
    ):
        raise ConfigurationError(f"{where} must map each key id to its secret as text")
    return {key_id: require_real(f"{where}[{key_id}]", secret) for key_id, secret in raw.items()}


def amqp_url(settings: BrokerSettings, secrets: Secrets[BrokerSettings]) -> str:
    """The broker URL: AMQP_URL as given, or BROKER_ENDPOINT with the broker credentials."""
    if settings.amqp_url:
        return settings.amqp_url
    if not settings.broker_endpoint:
        raise ConfigurationError("set AMQP_URL, or BROKER_ENDPOINT with broker credentials")
    from urllib.parse import quote

    creds = secrets.broker()
    if creds is None:
        raise ConfigurationError("BROKER_ENDPOINT needs BROKER_USERNAME/BROKER_PASSWORD or BROKER_SECRET_ARN")
    scheme, _, host = settings.broker_endpoint.partition("://")
    return f"{scheme}://{quote(creds.username, safe='')}:{quote(creds.password, safe='')}@{host}"
