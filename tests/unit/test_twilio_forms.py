"""Twilio's webhook forms as pydantic models (issue 14 item 4): every refusal names the Twilio field and says
what was wrong, never quoting the value; the webhook answers each with 400 and publishes nothing."""

from __future__ import annotations

import json

import pytest

from fasttriage.adapters.twilio_webhook import FormParams
from fasttriage.domain.errors import InvalidMessage
from fasttriage.domain.intake import TwilioMessageForm, parse_message
from fasttriage.domain.replies import parse_status
from fasttriage.local.constants import LOCAL_AUTH_TOKEN
from fasttriage.local.events import signed_webhook_event

ACCOUNT = "AC" + "a" * 32
SID = "SM" + "1" * 32
MESSAGE = [
    ("MessageSid", SID),
    ("AccountSid", ACCOUNT),
    ("From", "whatsapp:+15550100000"),
    ("To", "whatsapp:+15550100001"),
    ("Body", "  chest pain since an hour  "),
    ("ProfileName", "Pat Doe"),
    ("WaId", "15550100000"),
    ("NumMedia", "1"),
    ("MediaUrl0", " https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM/Media/ME1 "),
    ("MediaContentType0", "image/jpeg "),
]


def with_field(name: str, value: str | None, base=MESSAGE) -> list[tuple[str, str]]:
    """The form with `name` replaced by `value` (appended when absent; removed when None)."""
    kept = [(k, v) for k, v in base if k != name]
    return kept if value is None else [*kept, (name, value)]


def refusal(pairs, *, whatsapp_only: bool = True) -> InvalidMessage:
    with pytest.raises(InvalidMessage) as refused:
        parse_message(FormParams(pairs), whatsapp_only=whatsapp_only)
    return refused.value


def test_a_full_message_is_read_under_twilios_names():
    message = parse_message(FormParams(MESSAGE), whatsapp_only=True)
    assert (message.message_sid, message.account_sid, message.sender, message.recipient) == (
        SID,
        ACCOUNT,
        "whatsapp:+15550100000",
        "whatsapp:+15550100001",
    )
    assert message.body == "  chest pain since an hour  "  # the patient's text, as written
    assert (message.profile_name, message.wa_id, message.location) == ("Pat Doe", "15550100000", None)
    [media] = message.media
    assert media.url.startswith("https://api.twilio.com/") and not media.url.endswith(" ")
    assert media.content_type == "image/jpeg"


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("MessageSid", "SM-not-a-sid", "is not a Twilio message SID (SM/MM followed by 32 hex digits)"),
        ("MessageSid", "   ", "is missing"),
        ("MessageSid", None, "is missing"),
        ("AccountSid", "AC" + "z" * 32, "is not a Twilio account SID (AC followed by 32 hex digits)"),
        ("AccountSid", None, "is missing"),
        ("From", "+15550100000", "is not a WhatsApp sender (whatsapp:+<number>); only WhatsApp is enabled"),
        ("From", "whatsapp:+1555", "is not a phone number in E.164 form"),
        ("From", "whatsapp:+1555010000x", "is not a phone number in E.164 form"),
        ("NumMedia", "two", "is not a whole number"),
        ("NumMedia", "11", "must be between 0 and 10"),
        ("NumMedia", "-1", "must be between 0 and 10"),
        ("MediaUrl0", "http://api.twilio.com/media", "is missing or not an https URL"),
        ("MediaUrl0", None, "is missing or not an https URL"),
    ],
)
def test_each_refusal_names_the_twilio_field_and_the_reason(name, value, reason):
    refused = refusal(with_field(name, value))
    assert (refused.field, refused.problem) == (name, reason)
    assert value is None or value.strip() == "" or value not in str(refused)


def test_a_second_media_item_that_is_missing_is_named_by_its_index():
    refused = refusal(with_field("NumMedia", "2"))
    assert (refused.field, refused.problem) == ("MediaUrl1", "is missing or not an https URL")


@pytest.mark.parametrize("name", ["MessageSid", "AccountSid", "From"])
def test_an_identity_field_given_twice_with_different_values_is_refused(name):
    other = {"MessageSid": "SM" + "2" * 32, "AccountSid": "AC" + "b" * 32, "From": "whatsapp:+15550100009"}
    refused = refusal([*MESSAGE, (name, other[name])])
    assert (refused.field, refused.problem) == (name, "is given more than once with different values")


def test_an_identity_field_repeated_with_the_same_value_is_accepted():
    assert parse_message(FormParams([*MESSAGE, ("MessageSid", SID)]), whatsapp_only=True).message_sid == SID


def test_sms_senders_are_accepted_when_whatsapp_only_is_off():
    message = parse_message(FormParams(with_field("From", "+15550100000")), whatsapp_only=False)
    assert message.sender == "+15550100000"


def test_blank_optional_fields_mean_absent():
    blank = {"NumMedia": " ", "ProfileName": "", "WaId": "", "Latitude": " ", "Longitude": ""}
    pairs = [(k, v) for k, v in MESSAGE if k not in blank] + list(blank.items())
    message = parse_message(FormParams(pairs), whatsapp_only=True)
    assert (message.media, message.profile_name, message.wa_id, message.location) == ([], None, None, None)


def test_a_shared_location_is_read_with_its_address_and_label():
    pairs = [*MESSAGE, ("Latitude", " 51.501364"), ("Longitude", "-0.14189 "), ("Address", " " + "a" * 1200)]
    location = parse_message(FormParams([*pairs, ("Label", "Home")]), whatsapp_only=True).location
    assert location is not None
    assert (location.latitude, location.longitude, location.label) == (51.501364, -0.14189, "Home")
    assert location.address == "a" * 1000  # cut to what the case keeps


@pytest.mark.parametrize(
    "coordinates",
    [[("Latitude", "51.5")], [("Longitude", "-0.1")], [("Latitude", "91"), ("Longitude", "0")],
     [("Latitude", "north"), ("Longitude", "0")]],
)  # fmt: skip
def test_a_location_needs_both_coordinates_in_range(coordinates):
    refused = refusal([*MESSAGE, *coordinates])
    assert (refused.field, refused.problem) == (
        "Latitude/Longitude",
        "must both be decimal degrees (-90..90, -180..180)",
    )


def test_the_first_wrong_field_in_twilios_order_is_the_one_named():
    pairs = with_field("NumMedia", "two", with_field("From", "+1"))
    assert refusal(pairs).field == "From"


def test_the_form_model_validates_by_twilios_names():
    form = TwilioMessageForm.model_validate(
        {"MessageSid": [SID], "AccountSid": [ACCOUNT], "From": ["whatsapp:+15550100000"], "NumMedia": "0"},
        context={"whatsapp_only": True},
    )
    assert (form.message_sid, form.num_media, form.to_message().media) == (SID, 0, [])


# --- the status callback -----------------------------------------------------------------------------------
STATUS = [("MessageSid", SID), ("AccountSid", ACCOUNT), ("MessageStatus", "Delivered")]


def test_a_status_callback_is_read_under_twilios_names_old_and_new():
    update = parse_status(FormParams([*STATUS, ("ErrorCode", "")]), account_sid=ACCOUNT)
    assert (update.message_sid, update.status, update.error_code) == (SID, "delivered", None)
    older = [("SmsSid", SID), ("AccountSid", ACCOUNT), ("SmsStatus", "undelivered"), ("ErrorCode", "63016")]
    update = parse_status(FormParams(older), account_sid=ACCOUNT)
    assert (update.message_sid, update.status, update.error_code) == (SID, "undelivered", "63016")


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("MessageSid", "SM123", "is not a Twilio message SID"),
        ("MessageSid", None, "is not a Twilio message SID"),
        ("AccountSid", "AC" + "b" * 32, "does not match this clinic's Twilio account"),
        ("AccountSid", None, "does not match this clinic's Twilio account"),
        ("MessageStatus", "opened", "is not one of accepted, canceled, delivered, failed, queued, read, "
         "scheduled, sending, sent, undelivered"),
        ("ErrorCode", "63O16", "is not a number"),
    ],
)  # fmt: skip
def test_each_status_refusal_names_the_twilio_field(name, value, reason):
    with pytest.raises(InvalidMessage) as refused:
        parse_status(FormParams(with_field(name, value, STATUS)), account_sid=ACCOUNT)
    assert (refused.value.field, refused.value.problem) == (name, reason)


# --- through the webhook ----------------------------------------------------------------------------------
def test_a_repeated_message_sid_is_a_400_naming_it_and_nothing_is_published(
    webhook, publisher, lambda_context
):
    from fasttriage.local.constants import LOCAL_ACCOUNT_SID

    form = [*with_field("AccountSid", LOCAL_ACCOUNT_SID), ("MessageSid", "SM" + "2" * 32)]
    answer = webhook.handler(signed_webhook_event(form, auth_token=LOCAL_AUTH_TOKEN), lambda_context)
    assert answer["statusCode"] == 400
    assert (
        json.loads(answer["body"])["message"] == "MessageSid: is given more than once with different values"
    )
    assert publisher.jobs == []


def test_a_plain_http_media_url_is_a_400_naming_it(webhook, publisher, lambda_context):
    from fasttriage.local.constants import LOCAL_ACCOUNT_SID

    form = with_field("MediaUrl0", "http://example.org/x.jpg", with_field("AccountSid", LOCAL_ACCOUNT_SID))
    answer = webhook.handler(signed_webhook_event(form, auth_token=LOCAL_AUTH_TOKEN), lambda_context)
    assert answer["statusCode"] == 400
    assert json.loads(answer["body"])["message"] == "MediaUrl0: is missing or not an https URL"
    assert publisher.jobs == []
