"""The webhook handler with events/ samples and a recording publisher (no network)."""

from __future__ import annotations

import base64
import copy
from urllib.parse import parse_qsl

from support import event, header, webhook_events


def test_signed_sample_is_answered_with_twiml_and_published_once(webhook, publisher, lambda_context):
    answer = webhook.handler(event("webhook_sore_throat_en_1.json"), lambda_context)

    assert answer["statusCode"] == 200
    assert header(answer, "Content-Type") == "application/xml"
    assert answer["body"].startswith('<?xml version="1.0" encoding="UTF-8"?><Response><Message>')
    assert len(publisher.jobs) == 1
    job = publisher.jobs[0]
    fields = dict(parse_qsl(event("webhook_sore_throat_en_1.json")["body"]))
    assert job.job_id == fields["MessageSid"]
    assert job.message.body == fields["Body"]
    assert job.patient_key != fields["From"] and len(job.patient_key) == 64


def test_every_sample_event_is_correctly_signed(webhook, publisher, lambda_context):
    for path in webhook_events():
        answer = webhook.handler(event(path.name), lambda_context)
        assert answer["statusCode"] == 200, path.name
    assert len(publisher.jobs) == len(webhook_events())


def test_forged_signature_is_rejected_and_nothing_is_published(webhook, publisher, lambda_context):
    answer = webhook.handler(event("webhook_forged_signature.json"), lambda_context)

    assert answer["statusCode"] == 403
    assert "X-Twilio-Signature" in answer["body"]
    assert publisher.jobs == []


def test_missing_signature_header_is_a_403_not_an_exception(webhook, publisher, lambda_context):
    unsigned = copy.deepcopy(event("webhook_sore_throat_en_1.json"))
    del unsigned["headers"]["X-Twilio-Signature"]
    del unsigned["multiValueHeaders"]["X-Twilio-Signature"]

    assert webhook.handler(unsigned, lambda_context)["statusCode"] == 403
    assert publisher.jobs == []


def test_tampered_body_fails_the_signature_check(webhook, publisher, lambda_context):
    tampered = copy.deepcopy(event("webhook_sore_throat_en_1.json"))
    tampered["body"] = tampered["body"].replace("sore+throat", "broken+leg")

    assert webhook.handler(tampered, lambda_context)["statusCode"] == 403
    assert publisher.jobs == []


def test_base64_encoded_body_is_verified_and_accepted(webhook, publisher, lambda_context):
    encoded = copy.deepcopy(event("webhook_sore_throat_en_1.json"))
    encoded["body"] = base64.b64encode(encoded["body"].encode()).decode()
    encoded["isBase64Encoded"] = True

    assert webhook.handler(encoded, lambda_context)["statusCode"] == 200
    assert len(publisher.jobs) == 1


def test_unconfirmed_publish_without_a_spool_is_a_503_never_a_200(webhook, lambda_context):
    from conftest import RecordingPublisher

    webhook.deps.publisher = RecordingPublisher(fail=True)
    webhook.deps.spool = None
    answer = webhook.handler(event("webhook_sore_throat_en_1.json"), lambda_context)

    assert answer["statusCode"] == 503


def test_wrong_content_type_is_415_and_nothing_is_published(webhook, publisher, lambda_context):
    wrong = copy.deepcopy(event("webhook_sore_throat_en_1.json"))
    wrong["headers"]["Content-Type"] = "application/json"
    wrong["multiValueHeaders"]["Content-Type"] = ["application/json"]

    assert webhook.handler(wrong, lambda_context)["statusCode"] == 415
    assert publisher.jobs == []


def test_a_status_callback_is_verified_against_the_url_twilio_called_when_none_is_configured(
    webhook, lambda_context
):
    from urllib.parse import urlencode

    from fasttriage.adapters.twilio_webhook import FormParams, sign
    from fasttriage.local.constants import (
        LOCAL_ACCOUNT_SID,
        LOCAL_AUTH_TOKEN,
        SAMPLE_API_DOMAIN,
        SAMPLE_STAGE,
    )
    from fasttriage.local.events import rest_event
    from fasttriage.wiring import WebhookDependencies

    assert not webhook.settings.reply_status_callback_url
    assert "deliveries" in vars(WebhookDependencies)  # the production wiring provides the delivery log
    recorded: list = []

    class DeliveryLog:
        def record_delivery(self, update, now):
            recorded.append(update)
            return True

    webhook.deps.deliveries = DeliveryLog()
    fields = [
        ("MessageSid", "SM" + "1" * 32),
        ("AccountSid", LOCAL_ACCOUNT_SID),
        ("MessageStatus", "delivered"),
    ]

    def callback(url: str) -> dict:
        return rest_event(
            "POST",
            "/webhook/twilio/status",
            body=urlencode(fields),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": sign(url, FormParams(fields), LOCAL_AUTH_TOKEN),
            },
        )

    called = f"https://{SAMPLE_API_DOMAIN}/{SAMPLE_STAGE}/webhook/twilio/status"
    assert webhook.handler(callback(called), lambda_context)["statusCode"] == 204
    assert [update.status for update in recorded] == ["delivered"]
    assert webhook.handler(callback(called + "x"), lambda_context)["statusCode"] == 403
    assert len(recorded) == 1
