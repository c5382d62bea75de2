"""Media of a patient's message: TwilioMediaFetcher against a local Twilio stub (API host + CDN), stored in
moto's S3 through ReportStore by domain.media.store_media.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from twilio_stub import ACCOUNT_SID, AUTH_TOKEN, MESSAGE_SID, MediaItem, TwilioMediaStub

from fasttriage.adapters.s3 import ReportStore
from fasttriage.adapters.twilio_rest import MediaLimits, TwilioMediaFetcher
from fasttriage.domain.errors import MediaRejected, MediaUnavailable, TransientError
from fasttriage.domain.media import StoredMedia, media_key, store_media
from fasttriage.domain.models import Assessment, InboundMessage, Language, Media, TriageJob

CASE_ID = "c" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"jpeg-bytes" * 1000
FAST = MediaLimits(max_bytes=1024 * 1024, connect_timeout_s=2, read_timeout_s=0.5, total_timeout_s=5)


def job(*media: Media, body: str = "I have a rash on my arm") -> TriageJob:
    return TriageJob(
        job_id=MESSAGE_SID,
        received_at=datetime(2026, 11, 28, 8, tzinfo=UTC),
        message=InboundMessage(
            message_sid=MESSAGE_SID,
            account_sid=ACCOUNT_SID,
            sender="whatsapp:+15551234567",
            recipient="whatsapp:+15557654321",
            body=body,
            media=list(media),
        ),
        patient_key="p" * 64,
        assessment=Assessment(language=Language.EN, rules_version="r1"),
    )


@pytest.fixture(scope="module")
def module_stub() -> Iterator[TwilioMediaStub]:
    with TwilioMediaStub() as server:
        yield server


@pytest.fixture
def stub(module_stub: TwilioMediaStub) -> TwilioMediaStub:
    module_stub.reset()
    return module_stub


@pytest.fixture
def fetcher(stub: TwilioMediaStub) -> TwilioMediaFetcher:
    return TwilioMediaFetcher(
        ACCOUNT_SID, AUTH_TOKEN, limits=FAST, api_hosts={"127.0.0.1"}, allow_insecure_for_tests=True
    )


@pytest.fixture
def store(s3: Any, bucket: str) -> ReportStore:
    return ReportStore(s3, bucket)


def test_a_photo_is_fetched_through_the_cdn_redirect_and_stored_encrypted_under_the_case(
    stub: TwilioMediaStub, fetcher: TwilioMediaFetcher, store: ReportStore, s3: Any, bucket: str
) -> None:
    url = stub.add("ME01", MediaItem(body=JPEG, content_type="image/jpeg"))

    [result] = store_media(job(Media(url=url, content_type="image/jpeg")), CASE_ID, fetcher, store)

    assert result.status == "stored"
    assert result.key == f"triage/{CASE_ID}/media/{MESSAGE_SID}-0.jpg"
    assert result.size == len(JPEG) and result.content_type == "image/jpeg"
    stored = s3.get_object(Bucket=bucket, Key=result.key)
    assert stored["Body"].read() == JPEG
    assert stored["ContentType"] == "image/jpeg"
    assert stored["ServerSideEncryption"] == "AES256"
    assert stored["VersionId"] == result.s3_version_id


def test_credentials_go_to_the_twilio_api_only_never_to_the_cdn_it_redirects_to(
    stub: TwilioMediaStub, fetcher: TwilioMediaFetcher
) -> None:
    url = stub.add("ME02", MediaItem(body=b"%PDF-1.4 x", content_type="application/pdf"))

    fetched = fetcher.fetch(url, "application/pdf")

    assert fetched.body == b"%PDF-1.4 x"
    [api] = stub.seen("api")
    [cdn] = stub.seen("cdn")
    assert api.authorization == stub.expected_auth
    assert cdn.authorization is None


def test_deleted_media_is_recorded_unavailable_and_the_rest_of_the_message_carries_on(
    stub: TwilioMediaStub, fetcher: TwilioMediaFetcher, store: ReportStore
) -> None:
    gone = stub.add("ME03", MediaItem(api_status=404))
    kept = stub.add("ME04", MediaItem(body=b"OggS voice", content_type="audio/ogg"))

    results = store_media(
        job(Media(url=gone, content_type="image/jpeg"), Media(url=kept, content_type="audio/ogg")),
        CASE_ID,
        fetcher,
        store,
    )

    assert [(r.index, r.status, r.reason) for r in results] == [
        (0, "unavailable", "not_found"),
        (1, "stored", None),
    ]
    assert results[0].key is None and results[0].content_type == "image/jpeg"
    assert results[1].key == f"triage/{CASE_ID}/media/{MESSAGE_SID}-1.ogg"


def test_wrong_credentials_leave_the_media_unavailable_instead_of_blocking_the_text(
    stub: TwilioMediaStub, store: ReportStore
) -> None:
    url = stub.add("ME05", MediaItem(body=JPEG))
    stale = TwilioMediaFetcher(
        ACCOUNT_SID, "rotated-away", limits=FAST, api_hosts={"127.0.0.1"}, allow_insecure_for_tests=True
    )

    [result] = store_media(job(Media(url=url, content_type="image/jpeg")), CASE_ID, stale, store)

    assert (result.status, result.reason) == ("unavailable", "unauthorized")
    assert stub.seen("cdn") == []


@pytest.mark.parametrize(
    "item",
    [
        MediaItem(api_status=500),
        MediaItem(api_status=503),
        MediaItem(cdn_status=502),
        MediaItem(api_status=429),
    ],
    ids=["api-500", "api-503", "cdn-502", "throttled-429"],
)
def test_a_twilio_server_error_raises_a_transient_error_so_the_job_is_retried(
    stub: TwilioMediaStub, fetcher: TwilioMediaFetcher, store: ReportStore, item: MediaItem
) -> None:
    url = stub.add("ME06", item)

    with pytest.raises(MediaUnavailable) as raised:
        store_media(job(Media(url=url, content_type="image/jpeg")), CASE_ID, fetcher, store)

    assert isinstance(raised.value, TransientError)


def test_on_the_last_attempt_a_server_error_becomes_unavailable_and_the_text_is_triaged(
    stub: TwilioMediaStub, fetcher: TwilioMediaFetcher, store: ReportStore
) -> None:
    url = stub.add("ME07", MediaItem(api_status=500))

    [result] = store_media(
        job(Media(url=url, content_type="image/jpeg")), CASE_ID, fetcher, store, retry_transient=False
    )

    assert (result.status, result.reason, result.key) == ("unavailable", "transient", None)


def test_a_cdn_that_does_not_answer_in_time_is_a_transient_error(
    stub: TwilioMediaStub, fetcher: TwilioMediaFetcher
) -> None:
    url = stub.add("ME08", MediaItem(body=JPEG, delay_s=2.0))

    with pytest.raises(MediaUnavailable):
        fetcher.fetch(url, "image/jpeg")


def test_a_closed_port_is_a_transient_error(stub: TwilioMediaStub) -> None:
    from fasttriage.local.stack import free_port

    port = free_port()
    fetcher = TwilioMediaFetcher(
        ACCOUNT_SID, AUTH_TOKEN, limits=FAST, api_hosts={"127.0.0.1"}, allow_insecure_for_tests=True
    )
    url = stub.url("ME09").replace(f":{stub.api_port}/", f":{port}/")

    with pytest.raises(MediaUnavailable):
        fetcher.fetch(url, "image/jpeg")


@pytest.mark.parametrize("send_length", [True, False], ids=["declared-length", "streamed"])
def test_media_over_the_size_cap_is_rejected_and_nothing_is_stored(
    stub: TwilioMediaStub,
    fetcher: TwilioMediaFetcher,
    store: ReportStore,
    s3: Any,
    bucket: str,
    send_length: bool,
) -> None:
    url = stub.add(
        "ME10", MediaItem(body=b"v" * (FAST.max_bytes + 1), content_type="video/mp4", send_length=send_length)
    )

    [result] = store_media(job(Media(url=url, content_type="video/mp4")), CASE_ID, fetcher, store)

    assert (result.status, result.reason, result.key) == ("rejected", "too_large", None)
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0
    with pytest.raises(MediaRejected, match="limit is 1048576"):
        fetcher.fetch(url, "video/mp4")


def test_media_of_a_type_outside_the_allow_list_is_rejected_and_not_stored(
    stub: TwilioMediaStub, fetcher: TwilioMediaFetcher, store: ReportStore, s3: Any, bucket: str
) -> None:
    html = stub.add("ME11", MediaItem(body=b"<html>", content_type="text/html"))
    svg = stub.add("ME12", MediaItem(body=b"<svg/>", content_type="image/svg+xml"))
    declared_zip = stub.add("ME13", MediaItem(body=b"PK", content_type="application/zip"))

    results = store_media(
        job(
            Media(url=html, content_type="image/jpeg"),  # declared an image, served HTML
            Media(url=svg, content_type="image/svg+xml"),
            Media(url=declared_zip, content_type="application/zip"),
        ),
        CASE_ID,
        fetcher,
        store,
    )

    assert [(r.status, r.reason) for r in results] == [("rejected", "content_type")] * 3
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0
    # Declared types outside the list are refused without a download.
    assert [r.path.rsplit("/", 1)[-1] for r in stub.seen("api")] == ["ME11"]


def test_the_same_message_always_gets_the_same_keys(
    stub: TwilioMediaStub, fetcher: TwilioMediaFetcher, store: ReportStore, s3: Any, bucket: str
) -> None:
    photo = stub.add("ME14", MediaItem(body=JPEG, content_type="image/jpeg"))
    scan = stub.add("ME15", MediaItem(body=b"%PDF-1.7", content_type="application/pdf"))
    message = job(
        Media(url=photo, content_type="image/jpeg"), Media(url=scan, content_type="application/pdf")
    )

    first = store_media(message, CASE_ID, fetcher, store)
    again = store_media(message, CASE_ID, fetcher, store)  # a redelivered job

    assert (
        [r.key for r in first]
        == [r.key for r in again]
        == [
            media_key(CASE_ID, MESSAGE_SID, 0, "image/jpeg"),
            media_key(CASE_ID, MESSAGE_SID, 1, "application/pdf"),
        ]
    )
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"triage/{CASE_ID}/media/")
    assert sorted(o["Key"] for o in listed["Contents"]) == sorted(r.key for r in first if r.key)
    assert [StoredMedia.model_validate(r.model_dump()) for r in again] == again  # persistable as is


def test_a_redirect_loop_is_refused(stub: TwilioMediaStub, fetcher: TwilioMediaFetcher) -> None:
    url = stub.add("ME16", MediaItem(body=JPEG, loop=True))

    with pytest.raises(MediaRejected, match="redirects"):
        fetcher.fetch(url, "image/jpeg")


# --- URL policy: production settings, nothing may leave the process ----------------------------------------


def no_network() -> requests.Session:
    raise AssertionError("a refused URL must not open a connection")


@pytest.mark.parametrize(
    "url",
    [
        f"http://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{MESSAGE_SID}/Media/ME1",
        f"https://evil.example/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{MESSAGE_SID}/Media/ME1",
        f"https://api.twilio.com.evil.example/2010-04-01/Accounts/{ACCOUNT_SID}/Media/ME1",
        f"https://169.254.169.254/2010-04-01/Accounts/{ACCOUNT_SID}/Media/ME1",
        f"https://api.twilio.com:8443/2010-04-01/Accounts/{ACCOUNT_SID}/Media/ME1",
        f"https://user:pw@api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Media/ME1",
        "https://api.twilio.com/2010-04-01/Accounts/AC" + "9" * 32 + "/Messages/MM1/Media/ME1",
        "https://api.twilio.com/v1/Services",
    ],
    ids=[
        "http",
        "other-host",
        "suffix-trick",
        "metadata-ip",
        "other-port",
        "userinfo",
        "other-account",
        "other-path",
    ],
)
def test_a_forged_media_url_is_refused_before_any_request_or_credential_leaves(url: str) -> None:
    fetcher = TwilioMediaFetcher(ACCOUNT_SID, AUTH_TOKEN, session_factory=no_network)

    with pytest.raises(MediaRejected) as raised:
        fetcher.fetch(url, "image/jpeg")

    assert raised.value.reason == "url"


def test_twilio_api_hosts_including_regional_ones_are_accepted_by_default() -> None:
    opened: list[str] = []

    class Refusing(requests.Session):
        def get(self, url: Any, **kwargs: Any) -> Any:  # type: ignore[override]
            opened.append(url)
            raise requests.ConnectionError("offline test")

    fetcher = TwilioMediaFetcher(ACCOUNT_SID, AUTH_TOKEN, session_factory=Refusing)
    for host in ("api.twilio.com", "api.dublin.ie1.twilio.com"):
        with pytest.raises(MediaUnavailable):
            fetcher.fetch(
                f"https://{host}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{MESSAGE_SID}/Media/ME1"
            )

    assert len(opened) == 2


def test_in_production_a_redirect_to_plain_http_is_refused() -> None:
    class RedirectsToHttp(requests.Session):
        def get(self, url: Any, **kwargs: Any) -> Any:  # type: ignore[override]
            answer = requests.Response()
            answer.status_code = 302
            answer.raw = io.BytesIO(b"")
            answer.headers["Location"] = "http://mms.twiliocdn.com/ME1"
            return answer

    fetcher = TwilioMediaFetcher(ACCOUNT_SID, AUTH_TOKEN, session_factory=RedirectsToHttp)

    with pytest.raises(MediaRejected) as raised:
        fetcher.fetch(
            f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{MESSAGE_SID}/Media/ME1"
        )

    assert raised.value.reason == "redirect"
