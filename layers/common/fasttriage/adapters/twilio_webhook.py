"""Twilio: request signatures (twilio's RequestValidator) and TwiML replies (MessagingResponse)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable, Mapping, Sequence
from urllib.parse import parse_qsl

from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from fasttriage.domain.errors import InvalidMessage, PayloadTooLarge, SignatureRejected, UnsupportedMediaType


class FormParams(dict[str, str]):
    """Form fields in the shape RequestValidator expects: first value by key, all values by getlist()."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self._all: dict[str, list[str]] = {}
        for key, value in pairs:
            self._all.setdefault(key, []).append(value)
        super().__init__({key: values[0] for key, values in self._all.items()})

    def getlist(self, key: str) -> list[str]:
        return list(self._all.get(key, []))


SIGNATURE_SETTINGS_HEADER = "x-twilio-webhooks-signature-settings"


class SignatureVerifier:
    """Accepts a request signed with the current auth token, or the previous one during rotation; or, when
    Twilio's Webhook Rules sign with a shared key (`X-Twilio-Webhooks-Signature-Settings:
    key=<id>,algorithm=HMAC_SHA256`), with that configured shared key. A request signed with a shared key we do
    not have, or with an algorithm twilio's RequestValidator does not know, is refused with a log line saying
    so, so that turning Webhook Rules on at Twilio never fails silently."""

    def __init__(
        self,
        auth_tokens: Callable[[], list[str]],
        shared_keys: Callable[[], Mapping[str, str]] = dict,
    ) -> None:
        self._auth_tokens = auth_tokens
        self._shared_keys = shared_keys

    def is_valid(
        self,
        url: str | Sequence[str],
        params: FormParams,
        signature: str | None,
        settings: str | None = None,
    ) -> bool:
        """True when the signature matches one of the URLs Twilio may have signed (see `signed_urls`)."""
        if not signature:
            return False
        urls = [url] if isinstance(url, str) else list(url)
        if settings:
            return self._is_valid_shared_key(urls, params, signature, settings)
        return any(
            RequestValidator(token).validate(candidate, params, signature)
            for candidate in urls
            for token in self._auth_tokens()
        )

    def _is_valid_shared_key(
        self, urls: list[str], params: FormParams, signature: str, settings: str
    ) -> bool:
        from twilio.request_validator import HMAC_SHA1, HMAC_SHA256, get_signature_algorithm

        from fasttriage.observability import logger

        fields = dict(part.strip().partition("=")[::2] for part in settings.split(",") if "=" in part)
        key_id = fields.get("key", "").strip()
        algorithm = get_signature_algorithm(settings).upper()
        if algorithm not in (HMAC_SHA1, HMAC_SHA256):
            logger.warning("webhook signed with an unsupported algorithm", algorithm=algorithm[:32])
            return False
        secret = self._shared_keys().get(key_id)
        if secret is None:
            logger.warning(
                "webhook signed with a Webhook Rules shared key that is not configured",
                key_id=key_id[:64],
                algorithm=algorithm,
            )
            return False
        validator = RequestValidator(secret)
        return any(
            validator.validate(candidate, params, signature, algorithm=algorithm) for candidate in urls
        )


def sign(url: str, params: FormParams | dict[str, str], auth_token: str) -> str:
    """The X-Twilio-Signature Twilio would send: for the local stack, the demo and the events/ samples."""
    return RequestValidator(auth_token).compute_signature(url, params)


def twiml_message(text: str) -> str:
    response = MessagingResponse()
    response.message(text)
    return str(response)


def signed_urls(configured: str | None, event: dict) -> list[str]:
    """The URLs Twilio may have signed for this request, most likely first.

    Twilio signs the webhook URL exactly as it is configured in its console: the query string byte for byte
    (`%20`, `%27` or `+` as written, never re-encoded) and possibly the `#...` fragment of connection
    overrides, which Twilio reads and never sends. Twilio documents neither way for the fragment, so a
    configured URL with one is tried with it and without it; both come from our own configuration.
    Without a configured URL the URL is rebuilt from the API Gateway event (see `called_urls`).
    """
    if configured:
        base, hash_sign, _ = configured.partition("#")
        return [configured, base] if hash_sign else [configured]
    return called_urls(event)


def called_urls(event: dict) -> list[str]:
    """The URL Twilio called, rebuilt from an API Gateway event (REST v1 or HTTP API v2).

    HTTP API events carry the raw query string: one exact URL. REST events keep only decoded parameters, so
    the query string is rebuilt both ways Twilio's console may hold it (`+` or `%20` for a space), in the
    order API Gateway lists the parameters: set PUBLIC_WEBHOOK_URL when the URL has a query string.
    """
    from urllib.parse import quote, quote_plus, urlencode

    context = event.get("requestContext") or {}
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    host = context.get("domainName") or headers.get("host", "")
    if event.get("version") == "2.0":
        path, query = event.get("rawPath", "/"), event.get("rawQueryString", "")
        return [f"https://{host}{path}" + (f"?{query}" if query else "")]
    path = context.get("path") or event.get("path", "/")
    multi = event.get("multiValueQueryStringParameters") or {}
    pairs = [(k, v) for k, values in multi.items() for v in values]
    if not pairs:
        return [f"https://{host}{path}"]
    queries = dict.fromkeys(urlencode(pairs, quote_via=via) for via in (quote_plus, quote))
    return [f"https://{host}{path}?{query}" for query in queries]


def called_url(event: dict) -> str:
    """The most likely URL Twilio called (the first of `called_urls`)."""
    return called_urls(event)[0]


def raw_body(body: str | None, is_base64: bool) -> bytes:
    """The request body as bytes; a body API Gateway marked base64 that is not base64 is refused."""
    if not body:
        return b""
    if not is_base64:
        return body.encode("utf-8", errors="surrogatepass")
    try:
        return base64.b64decode(body, validate=True)
    except binascii.Error as exc:
        raise InvalidMessage("body", "is marked base64 but is not valid base64") from exc


def form_text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidMessage("body", "is not UTF-8 form data") from exc


FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def verified_form(
    *,
    headers: Mapping[str, str],
    body: str | None,
    is_base64: bool,
    url: str | Sequence[str],
    verifier: SignatureVerifier,
    max_bytes: int,
) -> FormParams:
    """The form Twilio posted, after the checks that need no secret first (type, size), then the signature."""
    content_type = (headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != FORM_CONTENT_TYPE:
        raise UnsupportedMediaType(f"Content-Type must be {FORM_CONTENT_TYPE}")
    raw = raw_body(body, is_base64)
    if len(raw) > max_bytes:
        raise PayloadTooLarge(f"body is larger than {max_bytes} bytes")
    form = FormParams(parse_qsl(form_text(raw), keep_blank_values=True))
    if not verifier.is_valid(
        url, form, headers.get("x-twilio-signature"), headers.get(SIGNATURE_SETTINGS_HEADER)
    ):
        raise SignatureRejected("X-Twilio-Signature is missing or does not match")
    return form
