"""API Gateway REST proxy events carrying Twilio WhatsApp payloads, signed the way Twilio signs them."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fasttriage.adapters.twilio_webhook import FormParams, sign
from fasttriage.local.constants import (
    LOCAL_ACCOUNT_SID,
    LOCAL_AUTH_TOKEN,
    LOCAL_CLINIC_NUMBER,
    SAMPLE_API_DOMAIN,
    SAMPLE_STAGE,
)


def message_sid(seed: str) -> str:
    return "SM" + uuid.uuid5(uuid.NAMESPACE_URL, seed).hex


def twilio_payload(
    *,
    sid: str,
    sender: str,
    body: str,
    profile_name: str = "",
    media: list[tuple[str, str]] | None = None,
    account_sid: str = LOCAL_ACCOUNT_SID,
) -> list[tuple[str, str]]:
    """The form fields Twilio posts for an inbound WhatsApp message, in Twilio's order."""
    media = media or []
    fields = [
        ("SmsMessageSid", sid),
        ("NumMedia", str(len(media))),
        ("ProfileName", profile_name),
        ("MessageType", "text" if not media else "image"),
        ("SmsSid", sid),
        ("WaId", sender.rpartition("+")[2]),
        ("SmsStatus", "received"),
        ("Body", body),
        ("To", LOCAL_CLINIC_NUMBER),
        ("NumSegments", "1"),
        ("ReferralNumMedia", "0"),
        ("MessageSid", sid),
        ("AccountSid", account_sid),
        ("From", sender),
        ("ApiVersion", "2010-04-01"),
    ]
    for i, (url, content_type) in enumerate(media):
        fields += [(f"MediaContentType{i}", content_type), (f"MediaUrl{i}", url)]
    return fields


def rest_event(
    method: str,
    path: str,
    *,
    body: str | None = None,
    headers: dict[str, str] | None = None,
    query: dict[str, list[str]] | None = None,
    domain: str = SAMPLE_API_DOMAIN,
    stage: str = SAMPLE_STAGE,
    resource: str | None = None,
    path_parameters: dict[str, str] | None = None,
    claims: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An API Gateway REST (v1) proxy event, as `sam local invoke` and API Gateway deliver it."""
    headers = {"Host": domain, "X-Forwarded-Proto": "https", **(headers or {})}
    request_context: dict[str, Any] = {
        "accountId": "000000000000",
        "apiId": domain.split(".")[0],
        "domainName": domain,
        "httpMethod": method,
        "path": f"/{stage}{path}",
        "protocol": "HTTP/1.1",
        "requestId": str(uuid.uuid5(uuid.NAMESPACE_URL, method + path + (body or ""))),
        "resourcePath": resource or path,
        "stage": stage,
        "identity": {"sourceIp": "127.0.0.1", "userAgent": headers.get("User-Agent", "")},
    }
    if claims is not None:
        request_context["authorizer"] = {"claims": claims}
    return {
        "resource": resource or path,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in query.items()} if query else None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": path_parameters,
        "stageVariables": None,
        "requestContext": request_context,
        "body": body,
        "isBase64Encoded": False,
    }


def signed_webhook_event(
    fields: list[tuple[str, str]], *, auth_token: str = LOCAL_AUTH_TOKEN, domain: str = SAMPLE_API_DOMAIN
) -> dict[str, Any]:
    url = f"https://{domain}/{SAMPLE_STAGE}/webhook/twilio"
    signature = sign(url, FormParams(fields), auth_token)
    return rest_event(
        "POST",
        "/webhook/twilio",
        body=urlencode(fields),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": "TwilioProxy/1.1",
            "X-Twilio-Signature": signature,
            "I-Twilio-Idempotency-Token": str(uuid.uuid5(uuid.NAMESPACE_URL, url + urlencode(fields))),
        },
        domain=domain,
    )


def fields_of(event: dict[str, Any]) -> list[tuple[str, str]]:
    return parse_qsl(event.get("body") or "", keep_blank_values=True)


def load_event(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())
