"""Twilio: request signatures (twilio's RequestValidator) and TwiML replies (MessagingResponse)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable, Mapping
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


class SignatureVerifier:
    """Accepts a request signed with the current auth token, or the previous one during rotation."""

    def __init__(self, auth_tokens: Callable[[], list[str]]) -> None:
        self._auth_tokens = auth_tokens

    def is_valid(self, url: str, params: FormParams, signature: str | None) -> bool:
        if not signature:
            return False
        return any(RequestValidator(token).validate(url, params, signature) for token in self._auth_tokens())


def sign(url: str, params: FormParams | dict[str, str], auth_token: str) -> str:
    """The X-Twilio-Signature Twilio would send: for the local stack, the demo and the events/ samples."""
    return RequestValidator(auth_token).compute_signature(url, params)


def twiml_message(text: str) -> str:
    response = MessagingResponse()
    response.message(text)
    return str(response)


def called_url(event: dict) -> str:
    """The URL Twilio called, rebuilt from an API Gateway event (REST v1 or HTTP API v2).

    Used when no public URL is configured. REST events keep no raw query string, so it is rebuilt from
    the multi-value parameters in the order API Gateway lists them.
    """
    from urllib.parse import urlencode

    context = event.get("requestContext") or {}
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    host = context.get("domainName") or headers.get("host", "")
    if event.get("version") == "2.0":
        path, query = event.get("rawPath", "/"), event.get("rawQueryString", "")
    else:
        path = context.get("path") or event.get("path", "/")
        multi = event.get("multiValueQueryStringParameters") or {}
        query = urlencode([(k, v) for k, values in multi.items() for v in values])
    return f"https://{host}{path}" + (f"?{query}" if query else "")


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
    url: str,
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
    if not verifier.is_valid(url, form, headers.get("x-twilio-signature")):
        raise SignatureRejected("X-Twilio-Signature is missing or does not match")
    return form
