"""The worker with Twilio's media and messaging wired in: media kept with the case and listed in the PDF,
at most one follow-up per job however often the job is delivered."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

from pypdf import PdfReader
from test_twilio_followup import RecordingTwilioHttpClient
from twilio_stub import ACCOUNT_SID, AUTH_TOKEN, MESSAGE_SID, MediaItem, TwilioMediaStub

from fasttriage.adapters.consumer import Decision, Delivery
from fasttriage.adapters.mongo import MongoPatients, MongoRepository
from fasttriage.adapters.outbound import MongoOutbound
from fasttriage.adapters.s3 import ReportStore
from fasttriage.adapters.twilio_rest import MediaLimits, TwilioMediaFetcher, TwilioMessenger
from fasttriage.domain.models import Assessment, InboundMessage, Language, Media, TriageJob
from fasttriage.domain.processing import Ports
from fasttriage.domain.summarizer import DeterministicSummarizer, SafeSummarizer
from fasttriage.worker import JobRunner

JPEG = b"\xff\xd8\xff\xe0" + b"jpeg" * 500


def delivery(job: TriageJob, attempt: int = 1) -> Delivery:
    return Delivery(job.model_dump_json().encode(), "triage.jobs", attempt, attempt > 1, job.job_id)


def test_media_is_stored_with_the_case_listed_in_the_pdf_and_one_follow_up_is_sent(mongo_db, s3, bucket):
    http = RecordingTwilioHttpClient()
    with TwilioMediaStub() as stub:
        url = stub.add("ME01", MediaItem(body=JPEG, content_type="image/jpeg"))
        job = TriageJob(
            job_id=MESSAGE_SID,
            received_at=datetime.now(UTC),
            message=InboundMessage(
                message_sid=MESSAGE_SID,
                account_sid=ACCOUNT_SID,
                sender="whatsapp:+15550100104",
                recipient="whatsapp:+14155238886",
                body="I have an itchy rash on my forearm, photo attached",
                media=[Media(url=url, content_type="image/jpeg")],
            ),
            patient_key="p" * 64,
            assessment=Assessment(language=Language.EN, rules_version="r1"),
        )
        outbound = MongoOutbound(mongo_db)
        outbound.ensure_indexes()
        runner = JobRunner(
            ports=Ports(
                repository=MongoRepository(mongo_db),
                patients=MongoPatients(mongo_db),
                summarizer=SafeSummarizer(None, DeterministicSummarizer()),
                store=ReportStore(s3, bucket),
                media=TwilioMediaFetcher(
                    ACCOUNT_SID,
                    AUTH_TOKEN,
                    limits=MediaLimits(
                        max_bytes=1 << 20, connect_timeout_s=2, read_timeout_s=2, total_timeout_s=5
                    ),
                    api_hosts={"127.0.0.1"},
                    allow_insecure_for_tests=True,
                ),
                messenger=TwilioMessenger(ACCOUNT_SID, AUTH_TOKEN, http_client=http),
                outbound=outbound,
            ),
            case_idle_timeout=timedelta(hours=4),
            follow_up_enabled=True,
        )

        assert runner(delivery(job)).decision is Decision.ACK
        assert runner(delivery(job, attempt=2)).decision is Decision.ACK  # redelivered after a lost ack

    [stored] = mongo_db["messages"].find_one({"_id": MESSAGE_SID})["stored_media"]
    assert stored["status"] == "stored"
    assert s3.get_object(Bucket=bucket, Key=stored["key"])["Body"].read() == JPEG
    case = mongo_db["summaries"].find_one({})
    pdf = s3.get_object(Bucket=bucket, Key=case["reports"]["1"]["key"])["Body"].read()
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "attachment 1: image/jpeg, stored with the case" in " ".join(text.split()), text
    assert len(http.sent) == 1  # one follow-up, although the job ran twice
    request, _ = http.sent[0]
    form = parse_qs(str(request.body))
    assert form["To"] == ["whatsapp:+15550100104"] and form["From"] == ["whatsapp:+14155238886"]
    assert form["Body"][0].endswith("?")


def test_an_abandoned_sending_claim_is_taken_over_by_exactly_one_attempt(mongo_db):
    outbound = MongoOutbound(mongo_db)
    outbound.ensure_indexes()
    t0 = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
    claim = {"case_id": "c" * 32, "patient_key": "p" * 64, "kind": "instruction:emergency", "body": "x"}
    assert outbound.claim("k", now=t0, **claim)
    later = t0 + timedelta(minutes=3)
    assert not outbound.take_over("k", stale_before=t0, now=later)  # not older than the cut-off: still fresh
    assert outbound.take_over("k", stale_before=later - timedelta(minutes=2), now=later)
    assert not outbound.take_over("k", stale_before=later - timedelta(minutes=2), now=later)  # one winner
    [record] = outbound.history("c" * 32)
    assert record.updated_at is not None
    assert (record.state, record.updated_at.replace(tzinfo=UTC)) == ("sending", later)
    outbound.finish("k", state="sent", now=later)
    assert not outbound.take_over(
        "k", stale_before=later + timedelta(hours=1), now=later
    )  # sent: never again
