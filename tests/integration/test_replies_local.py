"""Issue 15 on the local stack, through the gateway as Twilio and a doctor would use it: a shared location,
"show phone number", a doctor's reply with Twilio's signed status callbacks, and the next PDF version."""

from __future__ import annotations

import io
import time
import uuid
from datetime import timedelta
from urllib.parse import urlencode

import pytest
import requests
from pypdf import PdfReader

from fasttriage.adapters.twilio_webhook import FormParams, sign
from fasttriage.local.constants import LOCAL_ACCOUNT_SID, LOCAL_AUTH_TOKEN
from fasttriage.local.demo import post_signed, sign_in, wait_for_cases
from fasttriage.local.events import message_sid, twilio_payload
from fasttriage.local.stack import LocalStack, free_port

PATIENT = "whatsapp:+447700900123"


@pytest.fixture(scope="module")
def stack():
    running = LocalStack(
        port=free_port(),
        queue_name=f"test.{uuid.uuid4().hex[:10]}",
        force_memory_queue=True,
        sweep_interval_s=None,
    ).start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def doctor(stack):
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {sign_in(stack.gateway.url)}"
    return session


def location_fields(sid: str, sender: str = PATIENT) -> list[tuple[str, str]]:
    """Twilio's WhatsApp parameter set for a shared location: an empty Body and the four location fields."""
    fields = [(k, v) for k, v in twilio_payload(sid=sid, sender=sender, body="") if k != "MessageType"]
    return [
        *fields,
        ("MessageType", "location"),
        ("Latitude", "51.501364"),
        ("Longitude", "-0.14189"),
        ("Address", "Westminster, London SW1A 1AA"),
        ("Label", "Buckingham Palace"),
    ]


def pdf_text(stack: LocalStack, case_id: str) -> str:
    record = stack.runner.repository.get(case_id)
    ref = record.report()
    body = stack.s3.get_object(Bucket=stack.settings.reports_bucket, Key=ref.key, VersionId=ref.s3_version_id)
    reader = PdfReader(io.BytesIO(body["Body"].read()))
    return "\n".join(page.extract_text() for page in reader.pages)


def status_callback(stack: LocalStack, fields: list[tuple[str, str]], token: str = LOCAL_AUTH_TOKEN) -> int:
    url = stack.settings.reply_status_callback_url
    assert url, "the local stack sets REPLY_STATUS_CALLBACK_URL"
    answer = requests.post(
        url,
        data=urlencode(fields),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": sign(url, FormParams(fields), token),
        },
        timeout=10,
    )
    return answer.status_code


def status_fields(sid: str, status: str, error_code: str = "") -> list[tuple[str, str]]:
    """Twilio's status callback parameters for a WhatsApp message."""
    fields = [
        ("ChannelPrefix", "whatsapp"),
        ("ApiVersion", "2010-04-01"),
        ("MessageStatus", status),
        ("SmsSid", sid),
        ("SmsStatus", status),
        ("To", PATIENT),
        ("From", "whatsapp:+14155238886"),
        ("MessageSid", sid),
        ("AccountSid", LOCAL_ACCOUNT_SID),
    ]
    return [*fields, ("ErrorCode", error_code)] if error_code else fields


@pytest.fixture(scope="module")
def case(stack):
    first = message_sid(f"loc-{uuid.uuid4()}")
    assert post_signed(
        stack.gateway.url, twilio_payload(sid=first, sender=PATIENT, body="I fell, my ankle is swollen")
    ).ok
    second = message_sid(f"loc-{uuid.uuid4()}")
    assert post_signed(stack.gateway.url, location_fields(second)).ok
    return wait_for_cases(stack, {first: 2}, timeout_s=60)[first]


def test_a_shared_location_is_a_message_with_coordinates_in_the_api_and_the_pdf(stack, doctor, case):
    detail = doctor.get(f"{stack.gateway.url}/summaries/{case}", timeout=10).json()
    shared = [e for e in detail["thread"] if e["location"]]
    assert len(shared) == 1
    place = shared[0]["location"]
    assert (place["latitude"], place["longitude"]) == (51.501364, -0.14189)
    assert place["label"] == "Buckingham Palace" and place["address"].startswith("Westminster")
    assert place["map_url"].startswith("https://www.openstreetmap.org/?mlat=51.501364&mlon=-0.141890")
    text = pdf_text(stack, case)
    assert "Shared location: Buckingham Palace, Westminster, London SW1A 1AA" in text
    assert "Open map" in text and "(no text)" not in text


def test_show_phone_number_reveals_it_once_audited_and_it_stays_masked_elsewhere(stack, doctor, case):
    before = stack.db["audit"].count_documents({"action": "reveal_phone"})
    detail = doctor.get(f"{stack.gateway.url}/summaries/{case}", timeout=10)
    assert "447700900123" not in detail.text and detail.json()["patient"].endswith("0123")
    revealed = doctor.post(f"{stack.gateway.url}/summaries/{case}/phone", timeout=10)
    assert revealed.status_code == 200
    assert revealed.json() == {"summary_id": case, "phone": "+447700900123", "channel": "whatsapp"}
    entries = list(stack.db["audit"].find({"action": "reveal_phone"}))
    assert len(entries) == before + 1 and entries[-1]["summary_id"] == case
    assert entries[-1]["username"] == "dr.ada" and "447700900123" not in str(entries[-1])
    queue = doctor.get(f"{stack.gateway.url}/summaries", timeout=10)
    assert "447700900123" not in queue.text
    assert requests.post(f"{stack.gateway.url}/summaries/{case}/phone", timeout=10).status_code == 401


def test_a_reply_is_sent_audited_threaded_and_its_status_follows_twilios_signed_callbacks(
    stack, doctor, case
):
    messenger = stack.escalation.messenger
    sent_before = len(messenger.replies)
    answer = doctor.post(
        f"{stack.gateway.url}/summaries/{case}/replies",
        json={"text": "Please come to the clinic at 3 pm."},
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["kind"] == "reply" and answer.json()["delivery_status"] == "queued"
    sent = messenger.replies[sent_before]
    assert sent["to"] == PATIENT and sent["body"] == "Please come to the clinic at 3 pm."
    assert sent["status_callback"] == stack.settings.reply_status_callback_url and sent["content_sid"] is None
    audit = stack.db["audit"].find_one({"action": "send_reply", "summary_id": case})
    assert audit["outcome"] == "ok" and audit["detail"]["kind"] == "reply"

    def reply_entry() -> dict:
        thread = doctor.get(f"{stack.gateway.url}/summaries/{case}", timeout=10).json()["thread"]
        return next(e for e in thread if e["direction"] == "out" and e["kind"] == "reply")

    assert reply_entry()["delivery_status"] == "queued" and reply_entry()["by"] == "dr.ada"
    assert status_callback(stack, status_fields(sent["sid"], "delivered")) == 204
    assert reply_entry()["delivery_status"] == "delivered"
    assert status_callback(stack, status_fields(sent["sid"], "sent")) == 204  # late: never moves back
    assert reply_entry()["delivery_status"] == "delivered"
    assert status_callback(stack, status_fields(sent["sid"], "read"), token="forged") == 403
    assert reply_entry()["delivery_status"] == "delivered"
    assert status_callback(stack, status_fields(sent["sid"], "read")) == 204
    assert reply_entry()["delivery_status"] == "read"
    assert status_callback(stack, status_fields(sent["sid"], "exploded")) == 400  # not a Twilio status
    other_account = [
        (k, "AC" + "9" * 32 if k == "AccountSid" else v) for k, v in status_fields(sent["sid"], "failed")
    ]
    assert status_callback(stack, other_account) == 400
    assert reply_entry()["delivery_status"] == "read"


def test_a_failed_delivery_shows_twilios_error_code(stack, doctor, case):
    answer = doctor.post(
        f"{stack.gateway.url}/summaries/{case}/replies", json={"text": "Second note"}, timeout=10
    )
    sid = stack.escalation.messenger.replies[-1]["sid"]
    assert answer.status_code == 201
    assert status_callback(stack, status_fields(sid, "failed", "63016")) == 204
    thread = doctor.get(f"{stack.gateway.url}/summaries/{case}", timeout=10).json()["thread"]
    failed = next(e for e in thread if e["direction"] == "out" and e["text"] == "Second note")
    assert (failed["delivery_status"], failed["error_code"]) == ("failed", "63016")


def test_the_next_pdf_version_lists_the_reply_in_the_thread(stack, doctor, case):
    third = message_sid(f"loc-{uuid.uuid4()}")
    assert post_signed(stack.gateway.url, twilio_payload(sid=third, sender=PATIENT, body="ok I will come")).ok
    deadline = time.monotonic() + 30
    while stack.runner.repository.get(case).version < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    text = pdf_text(stack, case)
    assert "To the patient (reply, by dr.ada" in text, text
    assert "Please come to the clinic at 3 pm." in text
    assert text.index("Please come to the clinic") < text.index("ok I will come")


def test_outside_the_24_hour_window_only_the_template_goes_or_the_reply_is_refused(stack, doctor, case):
    old = stack.runner.repository.get(case).last_message_at - timedelta(hours=25)
    stack.db["summaries"].update_one({"_id": case}, {"$set": {"last_message_at": old}})
    url = f"{stack.gateway.url}/summaries/{case}/replies"
    refused = doctor.post(url, json={"text": "Are you better?"}, timeout=10)
    assert refused.status_code == 409 and refused.json()["error"] == "window_closed"
    template = "HX" + "b" * 32
    stack.doctors.settings = stack.doctors.settings.model_copy(
        update={"reply_template_content_sid": template}
    )
    try:
        answer = doctor.post(url, json={"text": "Are you better?"}, timeout=10)
    finally:
        stack.doctors.settings = stack.doctors.settings.model_copy(
            update={"reply_template_content_sid": None}
        )
    assert answer.status_code == 201 and answer.json()["kind"] == "template"
    sent = stack.escalation.messenger.replies[-1]
    assert sent["content_sid"] == template and sent["body"] is None


def test_a_reply_that_is_empty_or_too_long_is_400_and_nothing_is_sent(stack, doctor, case):
    before = len(stack.escalation.messenger.replies)
    url = f"{stack.gateway.url}/summaries/{case}/replies"
    assert doctor.post(url, json={"text": ""}, timeout=10).status_code == 400
    assert doctor.post(url, json={"text": "x" * 1601}, timeout=10).status_code == 400
    assert len(stack.escalation.messenger.replies) == before
