"""The follow-up question end to end: domain.followup.send_follow_up -> TwilioMessenger (the real twilio SDK and
its TwilioHttpClient, whose requests Session records the prepared request and answers with canned Twilio JSON)
and MongoOutbound (mongomock).
"""

from __future__ import annotations

import base64
import json
import logging
from collections import deque
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import pytest
import requests
from twilio.http.http_client import TwilioHttpClient
from urllib3.exceptions import MaxRetryError, NewConnectionError

from fasttriage.adapters.outbound import MongoOutbound
from fasttriage.adapters.twilio_rest import TwilioMessenger
from fasttriage.domain.errors import MessageRejected, MessengerUnavailable
from fasttriage.domain.followup import FollowUpResult, followup_key, send_follow_up
from fasttriage.domain.models import (
    Assessment,
    InboundMessage,
    Language,
    Provenance,
    TriageJob,
    TriageSummary,
)
from fasttriage.domain.urgency import Urgency

ACCOUNT_SID = "AC" + "7" * 32
AUTH_TOKEN = "followup-test-token"
SID = "SM" + "3" * 32
SENT_SID = "SM" + "e" * 32
CASE_ID = "e" * 32
PATIENT = "whatsapp:+15551234567"
CLINIC = "whatsapp:+15557654321"
QUESTION = "When did this start, and how long has it lasted?"
RECEIVED = datetime(2026, 11, 28, 8, tzinfo=UTC)
MESSAGES_URL = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"

Answer = tuple[int, dict[str, Any]] | Exception


def created(body: str = QUESTION) -> tuple[int, dict[str, Any]]:
    """A 201 Message resource as Twilio returns it."""
    return 201, {
        "sid": SENT_SID,
        "account_sid": ACCOUNT_SID,
        "to": PATIENT,
        "from": CLINIC,
        "body": body,
        "status": "queued",
        "direction": "outbound-api",
        "num_segments": "1",
        "num_media": "0",
        "api_version": "2010-04-01",
        "date_created": "Sat, 28 Nov 2026 08:01:00 +0000",
        "date_updated": "Sat, 28 Nov 2026 08:01:00 +0000",
        "date_sent": None,
        "price": None,
        "error_code": None,
        "error_message": None,
        "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{SENT_SID}.json",
        "subresource_uris": {},
    }


def twilio_error(status: int, code: int) -> tuple[int, dict[str, Any]]:
    return status, {
        "code": code,
        "message": f"The 'To' number {PATIENT} is not a valid phone number.",
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def refused_connection() -> requests.ConnectionError:
    reason = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] refused")  # type: ignore[arg-type]
    return requests.ConnectionError(MaxRetryError(None, "/", reason))  # type: ignore[arg-type]


class RecordingSession(requests.Session):
    """What TwilioHttpClient sends, recorded after requests prepared it (URL, headers, form body)."""

    def __init__(self, answers: deque[Answer]) -> None:
        super().__init__()
        self.answers = answers
        self.sent: list[tuple[requests.PreparedRequest, dict[str, Any]]] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.sent.append((request, kwargs))
        answer = self.answers.popleft() if self.answers else created()
        if isinstance(answer, Exception):
            raise answer
        status, body = answer
        response = requests.Response()
        response.status_code = status
        response._content = json.dumps(body).encode()
        response.headers["Content-Type"] = "application/json"
        response.url, response.request = str(request.url), request
        return response


class RecordingTwilioHttpClient(TwilioHttpClient):
    def __init__(self, *answers: Answer) -> None:
        super().__init__(timeout=10.0)
        self.session: RecordingSession = RecordingSession(deque(answers))

    @property
    def sent(self) -> list[tuple[requests.PreparedRequest, dict[str, Any]]]:
        return self.session.sent


def job(floor: Urgency | None = None) -> TriageJob:
    return TriageJob(
        job_id=SID,
        received_at=RECEIVED,
        message=InboundMessage(
            message_sid=SID, account_sid=ACCOUNT_SID, sender=PATIENT, recipient=CLINIC, body="headache"
        ),
        patient_key="k" * 64,
        assessment=Assessment(language=Language.EN, urgency_floor=floor, rules_version="r1"),
    )


def summary(urgency: Urgency = Urgency.ROUTINE) -> TriageSummary:
    return TriageSummary(
        chief_complaint="Headache",
        urgency=urgency,
        recommended_disposition="Book a GP appointment.",
        follow_up_questions=[QUESTION, "How bad is it on a scale from 0 to 10?"],
        language=Language.EN,
        provenance=Provenance(producer="llm", rules_version="r1"),
    )


@pytest.fixture
def outbound(mongo_db: Any) -> MongoOutbound:
    repo = MongoOutbound(mongo_db)
    repo.ensure_indexes()
    return repo


def follow_up(
    outbound: MongoOutbound,
    http: RecordingTwilioHttpClient,
    *,
    floor: Urgency | None = None,
    urgency: Urgency = Urgency.ROUTINE,
) -> FollowUpResult:
    return send_follow_up(
        job(floor),
        CASE_ID,
        summary(urgency),
        enabled=True,
        latest_message_sid=SID,
        messenger=TwilioMessenger(ACCOUNT_SID, AUTH_TOKEN, http_client=http),
        outbound=outbound,
        now=lambda: RECEIVED + timedelta(seconds=30),
    )


def test_the_sdk_posts_the_question_to_the_messages_resource_with_the_accounts_basic_auth(
    outbound: MongoOutbound,
) -> None:
    http = RecordingTwilioHttpClient()

    result = follow_up(outbound, http)

    assert (result.status, result.provider_id) == ("sent", SENT_SID)
    [(request, options)] = http.sent
    assert (request.method, request.url) == ("POST", MESSAGES_URL)
    assert (
        request.headers["Authorization"]
        == "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    )
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(str(request.body)) == {"To": [PATIENT], "From": [CLINIC], "Body": [QUESTION]}
    assert options["timeout"] == 10.0 and options["allow_redirects"] is False


def test_a_redelivered_job_does_not_message_the_patient_again(outbound: MongoOutbound, mongo_db: Any) -> None:
    http = RecordingTwilioHttpClient()

    results = [follow_up(outbound, http) for _ in range(3)]

    assert [r.status for r in results] == ["sent", "already_sent", "already_sent"]
    assert len(http.sent) == 1
    doc = mongo_db["outbound"].find_one({"_id": followup_key(SID)})
    assert (doc["state"], doc["provider_id"], doc["body"], doc["summary_id"]) == (
        "sent",
        SENT_SID,
        QUESTION,
        CASE_ID,
    )
    assert "15551234567" not in json.dumps(doc, default=str)  # no phone number is kept


@pytest.mark.parametrize(
    "failure",
    [
        requests.ConnectTimeout("connect timeout"),
        refused_connection(),
        twilio_error(503, 20503),
        twilio_error(429, 20429),
    ],
    ids=["connect-timeout", "connection-refused", "http-503", "http-429"],
)
def test_when_twilio_certainly_did_not_take_the_message_the_retry_sends_it(
    outbound: MongoOutbound, mongo_db: Any, failure: Answer
) -> None:
    http = RecordingTwilioHttpClient(failure, created())

    with pytest.raises(MessengerUnavailable) as raised:
        follow_up(outbound, http)
    assert raised.value.maybe_sent is False
    assert mongo_db["outbound"].count_documents({}) == 0  # claim released
    retried = follow_up(outbound, http)

    assert retried.status == "sent"
    assert len(http.sent) == 2


@pytest.mark.parametrize(
    "failure",
    [
        requests.ReadTimeout("read timeout"),
        requests.ConnectionError("Connection aborted."),
        twilio_error(500, 20500),
    ],
    ids=["read-timeout", "dropped-mid-answer", "http-500"],
)
def test_when_twilio_may_have_taken_the_message_it_is_never_sent_twice(
    outbound: MongoOutbound, mongo_db: Any, failure: Answer
) -> None:
    http = RecordingTwilioHttpClient(failure)

    first, again = follow_up(outbound, http), follow_up(outbound, http)

    assert (first.status, again.status) == ("unknown", "already_sent")
    assert len(http.sent) == 1
    assert mongo_db["outbound"].find_one({"_id": followup_key(SID)})["state"] == "unknown"


def test_a_message_twilio_refuses_is_recorded_and_its_error_text_with_the_number_is_dropped(
    outbound: MongoOutbound,
) -> None:
    http = RecordingTwilioHttpClient(twilio_error(400, 21211), twilio_error(400, 21211))

    result = follow_up(outbound, http)
    with pytest.raises(MessageRejected) as raised:
        TwilioMessenger(ACCOUNT_SID, AUTH_TOKEN, http_client=http).send(
            from_=CLINIC, to=PATIENT, body=QUESTION
        )

    assert (result.status, result.reason) == ("rejected", "twilio_21211")
    assert (raised.value.status, raised.value.code) == (400, 21211)
    assert "555" not in str(raised.value) and raised.value.__suppress_context__


@pytest.mark.parametrize(
    ("floor", "urgency"), [(Urgency.EMERGENCY, Urgency.EMERGENCY), (None, Urgency.URGENT)]
)
def test_a_patient_told_to_seek_care_now_gets_no_follow_up_message(
    outbound: MongoOutbound, mongo_db: Any, floor: Urgency | None, urgency: Urgency
) -> None:
    http = RecordingTwilioHttpClient()

    result = follow_up(outbound, http, floor=floor, urgency=urgency)

    assert result.status == "skipped"
    assert http.sent == [] and mongo_db["outbound"].count_documents({}) == 0


def test_neither_the_phone_numbers_nor_the_question_reach_the_logs(
    outbound: MongoOutbound, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)

    follow_up(outbound, RecordingTwilioHttpClient())

    logged = caplog.text + "".join(capsys.readouterr())
    assert "Messages.json" in logged  # the SDK's own request log is captured here...
    for secret in ("5551234567", "5557654321", QUESTION, AUTH_TOKEN):
        assert secret not in logged  # ...and carries no number, text or token


def test_erasing_a_patient_deletes_what_was_sent_to_them(outbound: MongoOutbound, mongo_db: Any) -> None:
    follow_up(outbound, RecordingTwilioHttpClient())

    assert outbound.erase_patient("k" * 64) == 1
    assert mongo_db["outbound"].count_documents({}) == 0
