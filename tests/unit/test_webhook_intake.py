"""Intake rules at the webhook: signatures, field checks, commands, replies (events/ samples, fakes only)."""

from __future__ import annotations

import copy
import json
from urllib.parse import urlencode

import pytest

from fasttriage.adapters.twilio_webhook import FormParams, sign
from fasttriage.domain.models import JobKind
from fasttriage.local.constants import LOCAL_AUTH_TOKEN
from fasttriage.local.events import message_sid, signed_webhook_event, twilio_payload
from support import event, header


def post(webhook, ctx, fields, *, token=LOCAL_AUTH_TOKEN, mutate=None):
    ev = signed_webhook_event(fields, auth_token=token)
    if mutate:
        mutate(ev)
    return webhook.handler(ev, ctx)


def fields(body="I have a mild headache since this morning", sender="whatsapp:+15550109999", **kw):
    return twilio_payload(
        sid=message_sid(body + sender), sender=sender, body=body, profile_name="Pat Doe", **kw
    )


def reply_text(answer) -> str:
    return answer["body"]


def test_a_request_signed_with_the_previous_token_is_accepted_during_rotation(
    webhook, publisher, lambda_context, monkeypatch
):
    from fasttriage.local.lambdas import load_function

    monkeypatch.setenv("TWILIO_PREVIOUS_AUTH_TOKEN", "old-token")
    rotated = load_function("webhook", fresh=True)
    rotated.deps.publisher, rotated.deps.patients = publisher, webhook.deps.patients
    assert post(rotated, lambda_context, fields(), token="old-token")["statusCode"] == 200
    assert post(rotated, lambda_context, fields("other"), token="unknown-token")["statusCode"] == 403
    assert len(publisher.jobs) == 1


def test_account_sid_of_another_account_is_400(webhook, publisher, lambda_context):
    answer = post(webhook, lambda_context, fields(account_sid="AC" + "1" * 32))
    assert answer["statusCode"] == 400
    assert "AccountSid" in json.loads(answer["body"])["message"]
    assert publisher.jobs == []


@pytest.mark.parametrize(
    ("name", "value", "field"),
    [
        ("MessageSid", "not-a-sid", "MessageSid"),
        ("MessageSid", "", "MessageSid"),
        ("From", "+15550109999", "From"),  # SMS while only WhatsApp is enabled
        ("From", "whatsapp:+12", "From"),
        ("AccountSid", "ACnothex", "AccountSid"),
        ("NumMedia", "two", "NumMedia"),
    ],
)
def test_malformed_fields_are_400_naming_the_field_and_nothing_is_published(
    webhook, publisher, lambda_context, name, value, field
):
    form = [(k, value if k == name else v) for k, v in fields()]
    answer = post(webhook, lambda_context, form)
    assert answer["statusCode"] == 400, answer["body"]
    assert json.loads(answer["body"])["message"].startswith(field)
    assert publisher.jobs == []


def test_body_over_the_limit_is_413(webhook, publisher, lambda_context):
    answer = post(webhook, lambda_context, fields("x" * 20_000))
    assert answer["statusCode"] == 413
    assert publisher.jobs == []


def test_blank_values_and_repeated_parameters_are_signed_as_twilio_signs_them(
    webhook, publisher, lambda_context
):
    form = [*fields(), ("ButtonText", ""), ("Extra", "b"), ("Extra", "a")]
    assert post(webhook, lambda_context, form)["statusCode"] == 200
    assert len(publisher.jobs) == 1


def test_http_api_v2_events_are_verified_against_their_raw_path_and_query(webhook, publisher, lambda_context):
    form = fields()
    url = "https://api.clinic.example/webhook/twilio?clinic=north&b=2"
    v2 = {
        "version": "2.0",
        "routeKey": "POST /webhook/twilio",
        "rawPath": "/webhook/twilio",
        "rawQueryString": "clinic=north&b=2",
        "headers": {
            "content-type": "application/x-www-form-urlencoded",
            "x-twilio-signature": sign(url, FormParams(form), LOCAL_AUTH_TOKEN),
            "host": "api.clinic.example",
        },
        "queryStringParameters": {"clinic": "north", "b": "2"},
        "requestContext": {
            "domainName": "api.clinic.example",
            "http": {"method": "POST", "path": "/webhook/twilio", "sourceIp": "127.0.0.1"},
            "stage": "$default",
            "requestId": "r",
        },
        "body": urlencode(form),
        "isBase64Encoded": False,
    }
    assert webhook.handler(v2, lambda_context)["statusCode"] == 200
    assert len(publisher.jobs) == 1


def test_configured_public_url_is_the_one_verified(webhook, publisher, lambda_context):
    webhook.settings = webhook.settings.model_copy(
        update={"public_webhook_url": "https://triage.clinic.example/twilio"}
    )
    form = fields()
    ev = signed_webhook_event(form)  # signed for the API Gateway URL, not the custom domain
    assert webhook.handler(ev, lambda_context)["statusCode"] == 403
    ev["headers"]["X-Twilio-Signature"] = sign(
        "https://triage.clinic.example/twilio", FormParams(form), LOCAL_AUTH_TOKEN
    )
    assert webhook.handler(ev, lambda_context)["statusCode"] == 200


def test_media_references_travel_with_the_job(webhook, publisher, lambda_context):
    media = [
        ("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1", "image/jpeg"),
        ("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME2", "audio/ogg"),
    ]
    assert post(webhook, lambda_context, fields("see photo", media=media))["statusCode"] == 200
    job = publisher.jobs[0]
    assert [(m.url, m.content_type) for m in job.message.media] == media


def test_first_message_from_a_number_carries_the_privacy_notice_once(webhook, publisher, lambda_context):
    first = reply_text(post(webhook, lambda_context, fields("hello, I have a rash")))
    second = reply_text(post(webhook, lambda_context, fields("it itches a lot")))
    assert "delete my data" in first
    assert "delete my data" not in second


@pytest.mark.parametrize(
    ("text", "instruction_word"),
    [
        ("I have crushing chest pain going into my left arm", "emergency"),
        ("tengo un dolor de pecho muy fuerte, opresivo, que se va al brazo izquierdo", "emergencia"),
        ("estou com dor no peito forte e apertada que vai para o braço esquerdo", "emergência"),
    ],
)
def test_emergency_messages_get_the_emergency_instruction_in_the_patients_language(
    webhook, publisher, lambda_context, text, instruction_word
):
    answer = post(webhook, lambda_context, fields(text))
    assert answer["statusCode"] == 200 and header(answer, "Content-Type") == "application/xml"
    assert instruction_word in reply_text(answer).lower()
    assert publisher.jobs[0].assessment.is_emergency


def test_new_starts_a_new_case_without_a_job(webhook, publisher, lambda_context):
    post(webhook, lambda_context, fields("my knee hurts"))
    answer = post(webhook, lambda_context, fields("NEW"))
    post(webhook, lambda_context, fields("now a different problem: my ear"))
    assert "New case started" in reply_text(answer)
    assert [job.case_number for job in publisher.jobs] == [0, 1]


@pytest.mark.parametrize(
    ("text", "word"),
    [("delete my data", "deleted"), ("borrar mis datos", "borr"), ("apagar meus dados", "apag")],
)
def test_erasure_request_is_queued_and_confirmed_in_the_patients_language(
    webhook, publisher, lambda_context, text, word
):
    answer = post(webhook, lambda_context, fields(text))
    assert answer["statusCode"] == 200
    assert word in reply_text(answer).lower()
    assert [job.kind for job in publisher.jobs] == [JobKind.ERASE]
    assert publisher.jobs[0].message.body == ""  # the request itself is not kept


def test_a_missing_content_type_is_415(webhook, publisher, lambda_context):
    def drop(ev):
        del ev["headers"]["Content-Type"]
        del ev["multiValueHeaders"]["Content-Type"]

    assert post(webhook, lambda_context, fields(), mutate=drop)["statusCode"] == 415


def test_json_error_bodies_say_what_was_wrong(webhook, lambda_context):
    forged = copy.deepcopy(event("webhook_forged_signature.json"))
    body = json.loads(webhook.handler(forged, lambda_context)["body"])
    assert body == {"error": "bad_signature", "message": "X-Twilio-Signature is missing or does not match"}
