"""A doctor's reply through the real twilio SDK (TwilioHttpClient, its requests recorded and answered with Twilio's
JSON) and the domain core on mongomock: what goes to Twilio inside and outside the 24-hour window, how Twilio's
refusals and outages end up in the thread and the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import mongomock
import pytest
import requests
from test_twilio_followup import RecordingTwilioHttpClient, created, twilio_error

from fasttriage.adapters.mongo import MongoDoctorsCases, MongoRepository
from fasttriage.adapters.outbound import MongoOutbound
from fasttriage.adapters.twilio_rest import TwilioMessenger
from fasttriage.domain.cases import Doctor
from fasttriage.domain.models import (
    Assessment,
    InboundMessage,
    Language,
    Provenance,
    ReportRef,
    TriageJob,
    TriageSummary,
)
from fasttriage.domain.replies import ReplyFailed, ReplyPolicy, ReplyRequest, WindowClosed, send_reply
from fasttriage.domain.urgency import Urgency

ACCOUNT_SID = "AC" + "7" * 32
PATIENT = "whatsapp:+15551234567"
CLINIC = "whatsapp:+15557654321"
LAST_MESSAGE = datetime(2026, 11, 30, 8, tzinfo=UTC)
TEMPLATE = "HX" + "c" * 32
CALLBACK = "https://api.example.org/webhook/twilio/status"
DOCTOR = Doctor(subject="sub-1", username="dr.ada")


@pytest.fixture
def db():
    database: Any = mongomock.MongoClient(tz_aware=True)["t"]
    repository = MongoRepository(database)
    sid = "SM" + "1" * 32
    job = TriageJob(
        job_id=sid,
        received_at=LAST_MESSAGE,
        message=InboundMessage(
            message_sid=sid, account_sid=ACCOUNT_SID, sender=PATIENT, recipient=CLINIC, body="x"
        ),
        patient_key="k" * 64,
        assessment=Assessment(language=Language.EN, rules_version="r"),
    )
    summary = TriageSummary(
        chief_complaint="x",
        urgency=Urgency.ROUTINE,
        recommended_disposition="y",
        language=Language.EN,
        provenance=Provenance(producer="fallback", rules_version="r"),
    )
    repository.save_summary(
        case_id="a" * 32,
        job=job,
        patient="whatsapp:***4567",
        profile=None,
        summary=summary,
        version=1,
        report=ReportRef(version=1, key="k", created_at=LAST_MESSAGE, urgency=Urgency.ROUTINE),
        last_message_at=LAST_MESSAGE,
        now=LAST_MESSAGE,
    )
    return database


def reply(db, client, *, hours_later: float, template: str | None = TEMPLATE):
    repository = MongoDoctorsCases(db)
    return send_reply(
        "a" * 32,
        ReplyRequest(text="Please come in at 3 pm"),
        doctor=DOCTOR,
        cases=repository,
        audit=repository,
        outbound=MongoOutbound(db),
        sender=TwilioMessenger(ACCOUNT_SID, "token", http_client=client),
        policy=ReplyPolicy(template_sid=template, status_callback=CALLBACK),
        now=LAST_MESSAGE + timedelta(hours=hours_later),
    )


def form(client) -> dict[str, list[str]]:
    ((request, _),) = client.sent
    return parse_qs(request.body)


def test_inside_the_window_the_text_goes_free_form_with_the_status_callback(db):
    client = RecordingTwilioHttpClient(created("Please come in at 3 pm"))
    result = reply(db, client, hours_later=23)
    sent = form(client)
    assert sent["Body"] == ["Please come in at 3 pm"] and "ContentSid" not in sent
    assert (sent["To"], sent["From"], sent["StatusCallback"]) == ([PATIENT], [CLINIC], [CALLBACK])
    assert (result.kind, result.state, result.delivery_status) == ("reply", "sent", "queued")
    doc = db["outbound"].find_one({"kind": "reply"})
    assert (
        doc["provider_id"] == "SM" + "e" * 32 and doc["delivery_status"] == "queued" and doc["by"] == "dr.ada"
    )
    assert doc["patient_key"] == "k" * 64  # an erasure finds it


def test_outside_the_window_only_the_approved_template_goes(db):
    client = RecordingTwilioHttpClient(created(""))
    result = reply(db, client, hours_later=25)
    sent = form(client)
    assert sent["ContentSid"] == [TEMPLATE] and "Body" not in sent
    assert result.kind == "template"
    assert (
        "Please come in" not in db["outbound"].find_one({})["body"]
    )  # the text was not sent, so not recorded


def test_outside_the_window_without_a_template_nothing_is_sent_and_the_refusal_is_audited(db):
    client = RecordingTwilioHttpClient()
    with pytest.raises(WindowClosed):
        reply(db, client, hours_later=30, template=None)
    assert client.sent == [] and db["outbound"].count_documents({}) == 0
    assert db["audit"].find_one({"action": "send_reply"})["outcome"] == "window_closed"


def test_twilio_refusing_the_reply_shows_its_error_code_in_the_thread_and_the_audit(db):
    client = RecordingTwilioHttpClient(twilio_error(400, 63016))
    with pytest.raises(ReplyFailed) as failure:
        reply(db, client, hours_later=1)
    assert "63016" in str(failure.value) and PATIENT not in str(failure.value)
    doc = db["outbound"].find_one({"kind": "reply"})
    assert (doc["state"], doc["delivery_status"], doc["error_code"]) == ("rejected", "failed", "63016")
    audit = db["audit"].find_one({"action": "send_reply"})
    assert (audit["outcome"], audit["detail"]["twilio_error"]) == ("rejected", "63016")


def test_a_lost_answer_is_unknown_not_sent_and_not_retried_silently(db):
    client = RecordingTwilioHttpClient(requests.ReadTimeout("read timed out"))
    with pytest.raises(ReplyFailed) as failure:
        reply(db, client, hours_later=1)
    assert "may still arrive" in str(failure.value)
    assert db["outbound"].find_one({"kind": "reply"})["state"] == "unknown"
    assert len(client.sent) == 1
