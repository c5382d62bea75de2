"""Issue 12: the signature is checked against the URL exactly as Twilio signs it: the configured URL with
its raw query string (`%27`, `%20` never re-encoded) and its `#...` connection-override fragment. Vectors are
computed with twilio's own RequestValidator."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from twilio.request_validator import RequestValidator

from fasttriage.adapters.twilio_webhook import FormParams, signed_urls
from fasttriage.local.constants import LOCAL_AUTH_TOKEN
from fasttriage.local.events import message_sid, rest_event, twilio_payload

BASE = "https://triage.clinic.example/webhook/twilio"
RAW_QUERY = "clinic=St%20Mary%27s&site=north"
FRAGMENT = "#ct=1000&rt=6000&tt=15000&rc=2&rp=ct,rt,5xx"
CONFIGURED = f"{BASE}?{RAW_QUERY}{FRAGMENT}"


def form() -> list[tuple[str, str]]:
    return twilio_payload(
        sid=message_sid("url vectors"), sender="whatsapp:+15550103333", body="I have a headache"
    )


def twilio_signs(url: str, fields: list[tuple[str, str]]) -> str:
    return RequestValidator(LOCAL_AUTH_TOKEN).compute_signature(url, FormParams(fields))


def rest_request(fields, signature, query=None, domain="triage.clinic.example"):
    return rest_event(
        "POST",
        "/webhook/twilio",
        body=urlencode(fields),
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature},
        query=query,
        domain=domain,
        stage="prod",
    )


@pytest.fixture
def configured(webhook):
    webhook.settings = webhook.settings.model_copy(update={"public_webhook_url": CONFIGURED})
    return webhook


@pytest.mark.parametrize(
    "signed_url",
    [CONFIGURED, f"{BASE}?{RAW_QUERY}"],
    ids=["with-the-override-fragment", "without-the-fragment"],
)
def test_a_url_with_overrides_and_a_raw_query_is_accepted_as_twilio_signs_it(
    configured, publisher, lambda_context, signed_url
):
    fields = form()
    event = rest_request(
        fields, twilio_signs(signed_url, fields), {"clinic": ["St Mary's"], "site": ["north"]}
    )
    assert configured.handler(event, lambda_context)["statusCode"] == 200
    assert len(publisher.jobs) == 1


@pytest.mark.parametrize(
    "other_url",
    [
        f"{BASE}?clinic=St+Mary%27s&site=north{FRAGMENT}",  # re-encoded: not what Twilio signed
        f"{BASE}?clinic=St%20Mary's&site=north",
        f"{BASE}?{RAW_QUERY}#rp=all",  # another fragment: another configuration
        BASE,
    ],
)
def test_a_signature_over_any_other_spelling_of_the_url_is_refused(
    configured, publisher, lambda_context, other_url
):
    fields = form()
    event = rest_request(
        fields, twilio_signs(other_url, fields), {"clinic": ["St Mary's"], "site": ["north"]}
    )
    assert configured.handler(event, lambda_context)["statusCode"] == 403
    assert publisher.jobs == []


def test_http_api_events_are_checked_against_the_raw_query_string_not_a_re_encoding(
    webhook, publisher, lambda_context
):
    fields = form()
    url = f"{BASE}?{RAW_QUERY}"
    event = {
        "version": "2.0",
        "routeKey": "POST /webhook/twilio",
        "rawPath": "/webhook/twilio",
        "rawQueryString": RAW_QUERY,
        "headers": {
            "content-type": "application/x-www-form-urlencoded",
            "x-twilio-signature": twilio_signs(url, fields),
            "host": "triage.clinic.example",
        },
        "queryStringParameters": {"clinic": "St Mary's", "site": "north"},
        "requestContext": {
            "domainName": "triage.clinic.example",
            "http": {"method": "POST", "path": "/webhook/twilio", "sourceIp": "127.0.0.1"},
            "stage": "$default",
            "requestId": "r",
        },
        "body": urlencode(fields),
        "isBase64Encoded": False,
    }
    assert webhook.handler(event, lambda_context)["statusCode"] == 200


@pytest.mark.parametrize("query", ["clinic=St%20Mary%27s", "clinic=St+Mary%27s"])
def test_rest_events_without_a_configured_url_accept_either_encoding_of_a_space(
    webhook, publisher, lambda_context, query
):
    fields = form()
    called = "https://triage.clinic.example/prod/webhook/twilio"  # API Gateway's stage is part of the path
    event = rest_request(fields, twilio_signs(f"{called}?{query}", fields), {"clinic": ["St Mary's"]})
    assert webhook.handler(event, lambda_context)["statusCode"] == 200


def test_signed_urls_keep_the_configured_url_byte_for_byte():
    assert signed_urls(CONFIGURED, {}) == [CONFIGURED, f"{BASE}?{RAW_QUERY}"]
    assert signed_urls(BASE, {}) == [BASE]
