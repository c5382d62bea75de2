"""Issue 13, item 11: requests Twilio signs through Webhook Rules (`X-Twilio-Webhooks-Signature-Settings`,
HMAC-SHA256 with a shared key) are verified with the configured shared key, and refused with a log line
naming the problem when the key or the algorithm is not ours. Vectors come from twilio's RequestValidator."""

from __future__ import annotations

import json
from typing import Any

import pytest
from twilio.request_validator import RequestValidator

from conftest import RecordingPublisher
from fasttriage.adapters.twilio_webhook import FormParams
from fasttriage.local.constants import LOCAL_AUTH_TOKEN
from fasttriage.local.events import message_sid, signed_webhook_event, twilio_payload

KEY_ID = "webhooks_sharedkey_0123456789abcdef"
SECRET = "a-shared-key-secret-for-tests"


@pytest.fixture
def webhook(local_env, monkeypatch, mongo_db) -> Any:
    from fasttriage.adapters.mongo import MongoPatients
    from fasttriage.local.lambdas import load_function

    monkeypatch.setenv("TWILIO_WEBHOOK_SHARED_KEYS", json.dumps({KEY_ID: SECRET}))
    module = load_function("webhook", fresh=True)
    module.deps.publisher = RecordingPublisher()
    module.deps.patients = MongoPatients(mongo_db)
    return module


def rules_signed(settings: str, secret: str = SECRET, algorithm: str = "HMAC_SHA256") -> dict[str, Any]:
    fields = twilio_payload(
        sid=message_sid("rules" + settings), sender="whatsapp:+15550102222", body="I have a headache"
    )
    event = signed_webhook_event(fields)
    url = "https://" + event["requestContext"]["domainName"] + event["requestContext"]["path"]
    signature = RequestValidator(secret).compute_signature(url, FormParams(fields), algorithm=algorithm)
    for headers, value in ((event["headers"], signature), (event["multiValueHeaders"], [signature])):
        headers["X-Twilio-Signature"] = value
    event["headers"]["X-Twilio-Webhooks-Signature-Settings"] = settings
    event["multiValueHeaders"]["X-Twilio-Webhooks-Signature-Settings"] = [settings]
    return event


def test_a_request_signed_with_a_configured_shared_key_is_accepted(webhook, lambda_context):
    answer = webhook.handler(rules_signed(f"key={KEY_ID},algorithm=HMAC_SHA256"), lambda_context)
    assert answer["statusCode"] == 200
    assert len(webhook.deps.publisher.jobs) == 1


def test_a_shared_key_we_do_not_have_is_refused_with_a_clear_log_line(webhook, lambda_context, service_log):
    event = rules_signed("key=webhooks_sharedkey_unknown,algorithm=HMAC_SHA256", secret="another secret")
    assert webhook.handler(event, lambda_context)["statusCode"] == 403
    assert "Webhook Rules shared key that is not configured" in service_log.getvalue()
    assert "webhooks_sharedkey_unknown" in service_log.getvalue()
    assert webhook.deps.publisher.jobs == []


def test_an_unsupported_algorithm_is_refused_with_a_clear_log_line(webhook, lambda_context, service_log):
    event = rules_signed(f"key={KEY_ID},algorithm=HMAC_SHA512")
    assert webhook.handler(event, lambda_context)["statusCode"] == 403
    assert "unsupported algorithm" in service_log.getvalue()


def test_with_the_settings_header_the_auth_token_signature_no_longer_counts(webhook, lambda_context):
    event = rules_signed(f"key={KEY_ID},algorithm=HMAC_SHA1", secret=LOCAL_AUTH_TOKEN, algorithm="HMAC_SHA1")
    assert webhook.handler(event, lambda_context)["statusCode"] == 403


def test_without_the_header_auth_token_signatures_work_as_before(webhook, lambda_context):
    fields = twilio_payload(sid=message_sid("plain"), sender="whatsapp:+15550102222", body="hello")
    assert webhook.handler(signed_webhook_event(fields), lambda_context)["statusCode"] == 200
