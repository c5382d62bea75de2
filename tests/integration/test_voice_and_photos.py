"""Issue 15.4 and 15.5 in the worker's core, on moto's S3 server and mongomock: a voice note is transcribed
(a sidecar locally, Amazon Transcribe through boto3 in AWS), screened, and an emergency in it is escalated;
a photo gets a size-capped thumbnail embedded in the PDF and shown through a short-lived presigned URL."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import mongomock
import pytest
import requests
from PIL import Image
from pypdf import PdfReader

from fasttriage.adapters.mongo import MongoDoctorsCases, MongoPatients, MongoRepository
from fasttriage.adapters.outbound import MongoOutbound
from fasttriage.adapters.pages import MongoPageLog
from fasttriage.adapters.s3 import ReportStore
from fasttriage.adapters.transcribe import AwsTranscriber, SidecarTranscriber, transcript_key
from fasttriage.domain.cases import Doctor, case_detail
from fasttriage.domain.escalation import EscalationPorts
from fasttriage.domain.masking import mask_name, mask_phone
from fasttriage.domain.media import FetchedMedia, media_key
from fasttriage.domain.models import Assessment, InboundMessage, Language, Media, TriageJob
from fasttriage.domain.processing import Ports, new_case_id, process_job
from fasttriage.domain.summarizer import DeterministicSummarizer, SafeSummarizer
from fasttriage.domain.thumbnails import MAX_BYTES, MAX_SIDE_PX
from fasttriage.domain.transcription import TranscriptionFailed, job_name
from fasttriage.local.notifier import LocalMessenger, LocalNotifier

T0 = datetime(2026, 11, 30, 9, tzinfo=UTC)
ACCOUNT = "AC" + "1" * 32
PATIENT = "whatsapp:+15550104444"
EMERGENCY_SPEECH = "I have crushing chest pain spreading to my left arm and I am sweating"


def photo(width: int = 3000, height: int = 2000) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 40)).save(out, "JPEG", quality=95)
    return out.getvalue()


class FakeFetcher:
    """Twilio's media API stand-in: the bytes for each URL."""

    def __init__(self, items: dict[str, tuple[bytes, str]]) -> None:
        self.items = items

    def fetch(self, url: str, declared_content_type: str = "") -> FetchedMedia:
        body, content_type = self.items[url]
        return FetchedMedia(body=body, content_type=content_type)


def job(n: int, media: list[tuple[str, str]], body: str = "", at: datetime = T0) -> TriageJob:
    sid = f"MM{n:032x}"
    return TriageJob(
        job_id=sid,
        received_at=at,
        message=InboundMessage(
            message_sid=sid,
            account_sid=ACCOUNT,
            sender=PATIENT,
            recipient="whatsapp:+14155238886",
            body=body,
            media=[Media(url=url, content_type=kind) for url, kind in media],
        ),
        patient_key="p" * 64,
        case_number=0,
        assessment=Assessment(language=Language.EN, rules_version="r"),
    )


@pytest.fixture
def world(s3, bucket):
    db: Any = mongomock.MongoClient(tz_aware=True)["t"]
    store = ReportStore(s3, bucket)
    outbound, notifier, messenger = MongoOutbound(db), LocalNotifier(), LocalMessenger()
    escalation = EscalationPorts(
        messenger=messenger, outbound=outbound, pager=notifier, pages=MongoPageLog(db)
    )
    failures: list[str] = []
    fetcher = FakeFetcher({})
    ports = Ports(
        MongoRepository(db),
        MongoPatients(db),
        SafeSummarizer(None, DeterministicSummarizer()),
        store,
        media=fetcher,
        outbound=outbound,
        escalation=escalation,
        transcriber=SidecarTranscriber(store),
        on_transcription_failed=failures.append,
    )
    return {
        "db": db,
        "store": store,
        "ports": ports,
        "fetcher": fetcher,
        "notifier": notifier,
        "messenger": messenger,
        "failures": failures,
        "s3": s3,
        "bucket": bucket,
    }


def run(world, j):
    return process_job(
        j,
        world["ports"],
        now=lambda: j.received_at,
        case_idle_timeout=timedelta(hours=4),
        mask_patient=mask_phone,
        mask_profile=mask_name,
    )


def test_a_spoken_emergency_is_transcribed_screened_escalated_and_marked_machine_transcription(world):
    voice = job(1, [("https://api.twilio.com/v/1", "audio/ogg")])
    case_id = new_case_id(voice.message.message_sid)
    key = media_key(case_id, voice.message.message_sid, 0, "audio/ogg")
    world["fetcher"].items["https://api.twilio.com/v/1"] = (b"OggS fake opus", "audio/ogg")
    world["store"].put(f"{key}.txt", EMERGENCY_SPEECH.encode(), "text/plain")  # the sidecar transcript

    outcome = run(world, voice)

    assert outcome.urgency == "emergency"
    assert outcome.instruction.startswith("sent:") and outcome.page.startswith("paged:")
    assert world["messenger"].sent == 1 and len(world["notifier"].received) == 1
    record = world["ports"].repository.get(case_id)
    assert any(flag.code.startswith("cardiac") for flag in record.summary.red_flags)
    stored = world["ports"].repository.conversation(case_id)[0].stored_media[0]
    assert (stored.transcript, stored.transcript_status) == (EMERGENCY_SPEECH, "done")
    detail = case_detail(
        case_id,
        doctor=Doctor("s", "dr.ada"),
        cases=MongoDoctorsCases(world["db"]),
        audit=MongoDoctorsCases(world["db"]),
        now=T0,
    )
    media = detail.thread[0].media[0]
    assert media.transcript == EMERGENCY_SPEECH and media.transcript_note == "machine transcription"
    pdf = world["s3"].get_object(Bucket=world["bucket"], Key=outcome.report_key)["Body"].read()
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
    assert f"Voice note, machine transcription: {EMERGENCY_SPEECH}" in text


def test_a_job_retried_after_a_crash_does_not_transcribe_the_same_voice_note_again(world):
    voice = job(5, [("https://api.twilio.com/v/5", "audio/ogg")])
    key = media_key(new_case_id(voice.message.message_sid), voice.message.message_sid, 0, "audio/ogg")
    world["fetcher"].items["https://api.twilio.com/v/5"] = (b"OggS fake opus", "audio/ogg")
    world["store"].put(f"{key}.txt", b"my knee hurts when I walk", "text/plain")
    first = run(world, voice)
    world["db"]["summaries"].delete_one(
        {"_id": first.case_id}
    )  # as if the worker died before saving the case

    again = run(world, voice)

    assert again.case_id == first.case_id and again.report_key
    assert len(world["ports"].transcriber.calls) == 1
    stored = world["ports"].repository.conversation(first.case_id)[0].stored_media[0]
    assert stored.transcript == "my knee hurts when I walk"


def test_a_failed_transcription_never_blocks_the_case(world):
    voice = job(2, [("https://api.twilio.com/v/2", "audio/ogg")], body="my throat hurts")
    world["fetcher"].items["https://api.twilio.com/v/2"] = (b"OggS fake opus", "audio/ogg")  # no sidecar

    outcome = run(world, voice)

    assert outcome.case_id and outcome.report_key and outcome.urgency != "emergency"
    stored = world["ports"].repository.conversation(outcome.case_id)[0].stored_media[0]
    assert (stored.status, stored.transcript_status, stored.transcript) == ("stored", "failed", None)
    assert world["failures"] == ["no_sidecar"]
    assert world["ports"].transcriber.calls[0][1] == "en-US"  # the patient's language from their text


def test_a_photo_gets_a_capped_thumbnail_embedded_in_the_pdf_and_a_short_lived_private_link(world):
    shot = job(3, [("https://api.twilio.com/p/3", "image/jpeg")], body="rash on my arm")
    world["fetcher"].items["https://api.twilio.com/p/3"] = (photo(), "image/jpeg")

    outcome = run(world, shot)

    stored = world["ports"].repository.conversation(outcome.case_id)[0].stored_media[0]
    assert stored.thumbnail_key == f"{stored.key}.thumb.jpg"
    thumb = world["store"].get(stored.thumbnail_key, stored.thumbnail_version_id)
    assert len(thumb) <= MAX_BYTES
    assert max(Image.open(io.BytesIO(thumb)).size) == MAX_SIDE_PX
    assert stored.transcript_status is None  # not audio

    pdf = world["s3"].get_object(Bucket=world["bucket"], Key=outcome.report_key)["Body"].read()
    images = [image for page in PdfReader(io.BytesIO(pdf)).pages for image in page.images]
    assert len(images) == 1

    detail = case_detail(
        outcome.case_id,
        doctor=Doctor("s", "dr.ada"),
        cases=MongoDoctorsCases(world["db"]),
        audit=MongoDoctorsCases(world["db"]),
        now=T0,
        links=world["store"],
        ttl_s=120,
    )
    url = detail.thread[0].media[0].thumbnail_url
    assert url is not None
    assert "X-Amz-Expires=120" in url and "X-Amz-Signature=" in url
    answer = requests.get(url, timeout=10)
    assert answer.status_code == 200 and answer.content == thumb
    unsigned = url.split("?", 1)[0]
    assert requests.get(unsigned, timeout=10).content != thumb  # no public access to the object itself


def test_an_image_that_cannot_be_read_is_stored_without_a_thumbnail(world):
    shot = job(4, [("https://api.twilio.com/p/4", "image/png")], body="see photo")
    world["fetcher"].items["https://api.twilio.com/p/4"] = (b"\x89PNG not really", "image/png")
    outcome = run(world, shot)
    stored = world["ports"].repository.conversation(outcome.case_id)[0].stored_media[0]
    assert stored.status == "stored" and stored.thumbnail_key is None and outcome.report_key


# --- Amazon Transcribe through boto3 against moto ----------------------------------------------------------


def transcribe(moto_endpoint):
    from fasttriage.adapters.transcribe import transcribe_client

    return transcribe_client(moto_endpoint, "us-east-1")


def test_amazon_transcribe_job_is_started_on_the_stored_audio_polled_and_its_output_read(
    moto_endpoint, s3, bucket
):
    key = "triage/" + "a" * 32 + "/media/MM" + "b" * 32 + "-0.ogg"
    s3.put_object(Bucket=bucket, Key=key, Body=b"OggS")
    # Transcribe writes its output JSON to OutputBucketName/OutputKey; moto does not, so the test puts it there.
    output = {"jobName": "x", "results": {"transcripts": [{"transcript": "Me duele el pecho"}], "items": []}}
    s3.put_object(Bucket=bucket, Key=transcript_key(key), Body=json.dumps(output).encode())
    client = transcribe(moto_endpoint)
    transcriber = AwsTranscriber(client, s3, bucket, "alias/fasttriage", timeout_s=30, poll_s=0)

    text = transcriber.transcribe(
        key=key, content_type="audio/ogg", language_code="es-ES", job_name=job_name(key)
    )

    assert text == "Me duele el pecho"
    with pytest.raises(client.exceptions.BadRequestException):  # deleted after use: no PHI left in Transcribe
        client.get_transcription_job(TranscriptionJobName=job_name(key))


def test_amazon_transcribe_that_never_finishes_times_out_as_a_failure(moto_endpoint, s3, bucket):
    key = "triage/" + "c" * 32 + "/media/MM" + "d" * 32 + "-0.ogg"
    client = transcribe(moto_endpoint)
    ticks = iter(range(0, 1000, 10))
    transcriber = AwsTranscriber(
        client, s3, bucket, timeout_s=5, poll_s=0, clock=lambda: float(next(ticks)), sleep=lambda _: None
    )
    with pytest.raises(TranscriptionFailed) as failure:
        transcriber.transcribe(key=key, content_type="audio/ogg", language_code=None, job_name=job_name(key))
    assert failure.value.reason == "timeout"


def test_an_audio_type_transcribe_cannot_read_fails_without_a_call(s3, bucket):
    transcriber = AwsTranscriber(object(), s3, bucket)
    with pytest.raises(TranscriptionFailed) as failure:
        transcriber.transcribe(key="k", content_type="audio/x-unknown", language_code="en-US", job_name="j")
    assert failure.value.reason == "format"
