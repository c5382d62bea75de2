"""The doctors' API routes of issue 15 through the handler: the reply's status callback URL is the one the
webhook verifies signatures for, and "show phone number" is audited and never in other answers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import mongomock
import pytest
from test_doctors_api import DOCTOR, KNOWN, FakeLinks, call, case_doc

from fasttriage.adapters.mongo import MongoDoctorsCases
from fasttriage.adapters.outbound import MongoOutbound
from fasttriage.adapters.twilio_webhook import called_url
from fasttriage.domain.replies import SentReply
from fasttriage.local.events import rest_event

PATIENT = "whatsapp:+15550109999"


class RecordingSender:
    def __init__(self) -> None:
        self.sent: list[dict] = []

    def send_reply(self, **kwargs) -> SentReply:
        self.sent.append(kwargs)
        return SentReply(sid="SM" + "f" * 32, status="queued")


@pytest.fixture
def api(local_env):
    from fasttriage.local.lambdas import load_function

    db: Any = mongomock.MongoClient(tz_aware=True)["fasttriage"]
    now = datetime.now(UTC)
    doc = case_doc(KNOWN, updated_at=now) | {"contact": PATIENT, "clinic": "whatsapp:+14155238886"}
    db["summaries"].insert_one(doc)
    module = load_function("presign", fresh=True)
    module.deps.cases = MongoDoctorsCases(db)
    module.deps.links = FakeLinks()
    module.deps.outbound = MongoOutbound(db)
    module.deps.sender = RecordingSender()
    module.db = db
    return module


def test_the_reply_asks_twilio_to_call_back_exactly_the_url_the_webhook_verifies(api, lambda_context):
    status, body = call(
        api, lambda_context, "POST", f"/summaries/{KNOWN}/replies", body={"text": "Hello"}, stage="dev"
    )
    assert status == 201, body
    (sent,) = api.deps.sender.sent
    callback = rest_event(
        "POST", "/webhook/twilio/status", stage="dev"
    )  # what Twilio's callback will look like
    assert sent["status_callback"] == called_url(callback)
    assert sent["status_callback"].endswith("/dev/webhook/twilio/status")
    assert (sent["to"], sent["body"], sent["content_sid"]) == (PATIENT, "Hello", None)


def test_show_phone_number_is_audited_and_the_number_is_in_no_other_answer(api, lambda_context):
    status, detail = call(api, lambda_context, "GET", f"/summaries/{KNOWN}")
    assert status == 200 and "0109999" not in str(detail)
    status, revealed = call(api, lambda_context, "POST", f"/summaries/{KNOWN}/phone")
    assert (status, revealed["phone"]) == (200, "+15550109999")
    (entry,) = api.db["audit"].find({"action": "reveal_phone"})
    assert entry["summary_id"] == KNOWN and entry["subject"] == DOCTOR["sub"]
    assert "0109999" not in str(entry)
    status, _ = call(
        api,
        lambda_context,
        "POST",
        f"/summaries/{KNOWN}/phone",
        claims={"sub": "x", "cognito:groups": "nurses"},
    )
    assert status == 403
