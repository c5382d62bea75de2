"""Whatever arrives at the webhook, it answers with a 4xx or a 200: never a 5xx, never an exception."""

from __future__ import annotations

import base64
from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fasttriage.local.constants import LOCAL_AUTH_TOKEN
from fasttriage.local.events import signed_webhook_event, twilio_payload

FIELD_NAMES = [
    "MessageSid",
    "AccountSid",
    "From",
    "To",
    "Body",
    "NumMedia",
    "MediaUrl0",
    "ProfileName",
    "WaId",
]
text = st.text(alphabet=st.characters(codec="utf-8"), max_size=200)
pairs = st.lists(st.tuples(st.sampled_from(FIELD_NAMES) | text, text), max_size=12)


def _check(webhook, ctx, ev):
    answer = webhook.handler(ev, ctx)
    assert 200 <= answer["statusCode"] < 500, answer


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    form=pairs,
    content_type=st.sampled_from(["application/x-www-form-urlencoded", "text/plain", "", "application/json"]),
    as_base64=st.booleans(),
    signature=st.none() | text,
)
def test_arbitrary_unsigned_forms_never_cause_a_5xx(
    webhook, lambda_context, form, content_type, as_base64, signature
):
    ev = signed_webhook_event(twilio_payload(sid="SM" + "a" * 32, sender="whatsapp:+15550100000", body="x"))
    body = urlencode(form)
    ev["body"] = base64.b64encode(body.encode()).decode() if as_base64 else body
    ev["isBase64Encoded"] = as_base64
    ev["headers"]["Content-Type"] = content_type
    if signature is None:
        del ev["headers"]["X-Twilio-Signature"]
    else:
        ev["headers"]["X-Twilio-Signature"] = signature
    _check(webhook, lambda_context, ev)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(form=pairs, body=text, sender=text, sid=text, media=st.integers(-3, 20))
def test_correctly_signed_but_arbitrary_forms_never_cause_a_5xx(
    webhook, lambda_context, form, body, sender, sid, media
):
    fields = twilio_payload(sid=sid, sender=sender, body=body) + form
    fields = [(k, str(media) if k == "NumMedia" else v) for k, v in fields]
    _check(webhook, lambda_context, signed_webhook_event(fields, auth_token=LOCAL_AUTH_TOKEN))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=300))
def test_undecodable_bodies_never_cause_a_5xx(webhook, lambda_context, raw):
    ev = signed_webhook_event(twilio_payload(sid="SM" + "b" * 32, sender="whatsapp:+15550100000", body="x"))
    ev["body"] = base64.b64encode(raw).decode()
    ev["isBase64Encoded"] = True
    _check(webhook, lambda_context, ev)
