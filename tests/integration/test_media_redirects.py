"""Issue 13.9: the media download follows redirects only to Twilio's media hosts, and never connects to a
private, loopback or link-local address, whatever DNS answers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from twilio_stub import ACCOUNT_SID, AUTH_TOKEN, MediaItem, TwilioMediaStub

from fasttriage.adapters.twilio_rest import TwilioMediaFetcher
from fasttriage.domain.errors import MediaRejected

FIRST = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM1/Media/ME1"


class Answer:
    def __init__(self, status: int, headers: dict[str, str], body: bytes = b"") -> None:
        self.status_code, self.headers, self._body = status, headers, body
        self.is_redirect = status in (301, 302, 303, 307, 308)

    def __enter__(self) -> Answer:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def iter_content(self, size: int) -> Iterator[bytes]:
        yield self._body


class ScriptedSession:
    """Stands in for requests.Session: Twilio's API answers with a redirect to `location`, any other host 200."""

    def __init__(self, location: str) -> None:
        self.location, self.requested = location, list[str]()

    def __enter__(self) -> ScriptedSession:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def mount(self, prefix: str, adapter: Any) -> None:
        return None

    def get(self, url: str, **kwargs: Any) -> Answer:
        self.requested.append(url)
        if url == FIRST:
            return Answer(307, {"Location": self.location})
        return Answer(200, {"Content-Type": "image/jpeg"}, b"\xff\xd8\xff")


def production_fetcher(session: ScriptedSession) -> TwilioMediaFetcher:
    return TwilioMediaFetcher(ACCOUNT_SID, AUTH_TOKEN, session_factory=lambda: session)  # type: ignore[arg-type,return-value]


@pytest.mark.parametrize(
    "location",
    [
        "https://mms.twiliocdn.com/AC123/abc?Expires=1",
        "https://media.twiliocdn.com/AC123/abc",
        "https://s3-external-1.amazonaws.com/media.twiliocdn.com/AC123/abc",
    ],
)
def test_a_redirect_to_twilios_media_hosts_is_followed(location):
    session = ScriptedSession(location)
    assert production_fetcher(session).fetch(FIRST, "image/jpeg").content_type == "image/jpeg"
    assert session.requested == [FIRST, location]


@pytest.mark.parametrize(
    "location",
    [
        "https://evil.example/steal",
        "https://twiliocdn.com.evil.example/x",
        "https://mms.twiliocdn.com.evil.example/x",
        "https://169.254.169.254/latest/meta-data/",
        "https://my-bucket.s3.amazonaws.com/x",
        "https://mms.twiliocdn.com:8443/x",
    ],
)
def test_a_redirect_anywhere_else_is_refused_before_it_is_requested(location):
    session = ScriptedSession(location)
    with pytest.raises(MediaRejected) as refused:
        production_fetcher(session).fetch(FIRST, "image/jpeg")
    assert refused.value.reason == "redirect"
    assert session.requested == [FIRST]


def test_a_host_that_resolves_to_a_loopback_address_is_never_sent_a_request():
    with TwilioMediaStub() as stub:
        url = stub.add("ME01", MediaItem(body=b"\xff\xd8\xff" * 10, content_type="image/jpeg"))
        fetcher = TwilioMediaFetcher(
            ACCOUNT_SID,
            AUTH_TOKEN,
            api_hosts={"127.0.0.1"},
            allow_insecure_for_tests=True,  # the stub speaks plain HTTP
            allow_private_addresses=False,  # ... but the address check stays as in production
        )
        with pytest.raises(MediaRejected) as refused:
            fetcher.fetch(url, "image/jpeg")
        assert refused.value.reason == "address"
        assert stub.seen("api") == [] and stub.seen("cdn") == []


def test_production_defaults_check_addresses():
    fetcher = TwilioMediaFetcher(ACCOUNT_SID, AUTH_TOKEN)
    assert fetcher._public_only and fetcher._media_hosts is None and not fetcher._any_media_host
