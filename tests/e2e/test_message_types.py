"""Issue 15.7: each kind of WhatsApp message Twilio posts, with its parameter set, through the local stack's gateway
(signed), the worker (media from the local Twilio media stub; voice notes through the sidecar transcriber) and the
doctors' API: text, image, voice, location, button reply, forwarded, sticker."""

from __future__ import annotations

import io
import uuid
from dataclasses import replace

import pytest
import requests
from PIL import Image
from twilio_stub import MediaItem, TwilioMediaStub

from fasttriage.adapters.twilio_rest import MediaLimits, TwilioMediaFetcher
from fasttriage.domain.media import media_key
from fasttriage.domain.processing import new_case_id
from fasttriage.local.constants import LOCAL_ACCOUNT_SID, LOCAL_AUTH_TOKEN
from fasttriage.local.demo import post_signed, sign_in, wait_for_cases
from fasttriage.local.events import message_sid, twilio_payload
from fasttriage.local.stack import LocalStack, free_port

pytestmark = pytest.mark.e2e


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1200, 900), (30, 120, 200)).save(out, "JPEG")
    return out.getvalue()


def webp() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (512, 512), (250, 200, 0)).save(out, "WEBP")
    return out.getvalue()


TWILIO_API = "https://api.twilio.com"


class ToStub:
    """The real fetcher, with Twilio's API host swapped for the stub's (the webhook accepts https MediaUrls only)."""

    def __init__(self, fetcher: TwilioMediaFetcher, stub: TwilioMediaStub) -> None:
        self._fetcher, self._base = fetcher, f"http://127.0.0.1:{stub.api_port}"

    def fetch(self, url: str, declared_content_type: str = ""):
        return self._fetcher.fetch(url.replace(TWILIO_API, self._base, 1), declared_content_type)


def media_url(stub: TwilioMediaStub, item: MediaItem) -> str:
    """Twilio's MediaUrl for a media item the stub serves."""
    local = stub.add(f"ME{uuid.uuid4().hex[:8]}", item)
    return TWILIO_API + local.split(str(stub.api_port), 1)[1]


@pytest.fixture(scope="module")
def world():
    with TwilioMediaStub(account_sid=LOCAL_ACCOUNT_SID, auth_token=LOCAL_AUTH_TOKEN) as stub:
        stack = LocalStack(
            port=free_port(),
            queue_name=f"test.{uuid.uuid4().hex[:10]}",
            force_memory_queue=True,
            sweep_interval_s=None,
        ).start()
        # Media downloads on, from the stub (the local stack has no Twilio of its own).
        fetcher = TwilioMediaFetcher(
            LOCAL_ACCOUNT_SID,
            LOCAL_AUTH_TOKEN,
            limits=MediaLimits(total_timeout_s=10),
            api_hosts={"127.0.0.1"},
            allow_insecure_for_tests=True,
        )
        stack.runner.ports = replace(stack.runner.ports, media=ToStub(fetcher, stub))
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {sign_in(stack.gateway.url)}"
        try:
            yield stack, stub, session
        finally:
            stack.stop()


def send(stack: LocalStack, fields: list[tuple[str, str]], sid: str) -> str:
    answer = post_signed(stack.gateway.url, fields)
    assert answer.status_code == 200, answer.text
    case_id = wait_for_cases(stack, {sid: 1}, timeout_s=30)[sid]
    return case_id


def thread(session: requests.Session, stack: LocalStack, case_id: str) -> list[dict]:
    answer = session.get(f"{stack.gateway.url}/summaries/{case_id}", timeout=10)
    assert answer.status_code == 200
    return answer.json()["thread"]


def with_type(fields: list[tuple[str, str]], kind: str, *extra: tuple[str, str]) -> list[tuple[str, str]]:
    return [(k, "image" if k == "MessageType" else v) for k, v in fields if k != "MessageType"] + [
        ("MessageType", kind),
        *extra,
    ]


def patient() -> str:
    return f"whatsapp:+1555{uuid.uuid4().int % 10**7:07d}"


def test_text(world):
    stack, _, session = world
    sid = message_sid(f"text-{uuid.uuid4()}")
    case_id = send(stack, twilio_payload(sid=sid, sender=patient(), body="Sore throat since Monday"), sid)
    (entry,) = thread(session, stack, case_id)
    assert entry["text"] == "Sore throat since Monday" and entry["direction"] == "in"


def test_image_gets_a_thumbnail_link(world):
    stack, stub, session = world
    sid = message_sid(f"image-{uuid.uuid4()}")
    url = media_url(stub, MediaItem(body=jpeg(), content_type="image/jpeg"))
    fields = twilio_payload(sid=sid, sender=patient(), body="this rash", media=[(url, "image/jpeg")])
    case_id = send(stack, fields, sid)
    (entry,) = thread(session, stack, case_id)
    (media,) = entry["media"]
    assert media["status"] == "stored" and media["thumbnail_url"]
    picture = requests.get(media["thumbnail_url"], timeout=10)
    assert picture.status_code == 200 and Image.open(io.BytesIO(picture.content)).format == "JPEG"


def test_voice_note_is_transcribed_and_its_emergency_escalated(world):
    stack, stub, session = world
    sid = message_sid(f"voice-{uuid.uuid4()}")
    url = media_url(stub, MediaItem(body=b"OggS opus voice", content_type="audio/ogg"))
    key = media_key(new_case_id(sid), sid, 0, "audio/ogg")
    speech = "I have crushing chest pain and I am sweating"
    stack.runner.ports.store.put(f"{key}.txt", speech.encode(), "text/plain")  # the sidecar transcript
    fields = with_type(
        twilio_payload(sid=sid, sender=patient(), body="", media=[(url, "audio/ogg")]), "audio"
    )
    case_id = send(stack, fields, sid)
    entries = thread(session, stack, case_id)
    (media,) = entries[0]["media"]
    assert media["transcript"] == speech and media["transcript_note"] == "machine transcription"
    case = session.get(f"{stack.gateway.url}/summaries/{case_id}", timeout=10).json()
    assert case["urgency"] == "emergency"
    assert any(e["direction"] == "out" and e["kind"].startswith("instruction:") for e in entries)


def test_location(world):
    stack, _, session = world
    sid = message_sid(f"location-{uuid.uuid4()}")
    fields = with_type(
        twilio_payload(sid=sid, sender=patient(), body=""),
        "location",
        ("Latitude", "-23.55052"),
        ("Longitude", "-46.633308"),
        ("Address", "Praça da Sé, São Paulo"),
        ("Label", "Casa"),
    )
    case_id = send(stack, fields, sid)
    (entry,) = thread(session, stack, case_id)
    assert entry["location"]["label"] == "Casa" and entry["location"]["latitude"] == -23.55052


def test_button_reply(world):
    stack, _, session = world
    sid = message_sid(f"button-{uuid.uuid4()}")
    fields = with_type(
        twilio_payload(sid=sid, sender=patient(), body="Yes, still in pain"),
        "button",
        ("ButtonText", "Yes, still in pain"),
        ("ButtonPayload", "still_in_pain"),
    )
    case_id = send(stack, fields, sid)
    (entry,) = thread(session, stack, case_id)
    assert entry["text"] == "Yes, still in pain"


def test_forwarded(world):
    stack, _, session = world
    sid = message_sid(f"forwarded-{uuid.uuid4()}")
    fields = with_type(
        twilio_payload(sid=sid, sender=patient(), body="Lab result: hemoglobin 9.1"),
        "text",
        ("Forwarded", "true"),
    )
    case_id = send(stack, fields, sid)
    (entry,) = thread(session, stack, case_id)
    assert entry["text"] == "Lab result: hemoglobin 9.1"


def test_sticker_is_kept_as_an_image_without_text(world):
    stack, stub, session = world
    sid = message_sid(f"sticker-{uuid.uuid4()}")
    url = media_url(stub, MediaItem(body=webp(), content_type="image/webp"))
    fields = with_type(
        twilio_payload(sid=sid, sender=patient(), body="", media=[(url, "image/webp")]), "sticker"
    )
    case_id = send(stack, fields, sid)
    (entry,) = thread(session, stack, case_id)
    (media,) = entry["media"]
    assert media["content_type"] == "image/webp" and media["status"] == "stored" and media["thumbnail_url"]
