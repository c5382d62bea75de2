"""Twilio's REST side, what the worker calls out to: media downloads and outbound WhatsApp messages.

- TwilioMediaFetcher: GET a MediaUrl with the account's basic auth, follow Twilio's redirect to its media CDN
  *without* the credentials, within timeouts, a size cap and a content-type allow-list.
- TwilioMessenger: `client.messages.create` through the twilio SDK.

Errors become the project's own (domain.errors), so callers decide by type: MediaUnavailable and
MessengerUnavailable are transient; MediaGone, MediaRejected and MessageRejected are not. Nothing here logs
a URL, a phone number or a message text (Twilio's error texts can quote the number, so they are dropped).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from fasttriage.domain.errors import (
    MediaGone,
    MediaRejected,
    MediaUnavailable,
    MessageRejected,
    MessengerUnavailable,
)
from fasttriage.domain.media import (
    MAX_MEDIA_BYTES,
    FetchedMedia,
    is_allowed_content_type,
    normalize_content_type,
)
from fasttriage.domain.replies import SentReply

# api.twilio.com, and the regional API hosts Twilio may use in MediaUrl (api.dublin.ie1.twilio.com).
_TWILIO_API_HOST = re.compile(r"^api(\.[a-z0-9-]+)*\.twilio\.com$")
# Where Twilio's media API redirects: its CDN (media behind HTTP auth) or its S3 host (older public media).
_TWILIO_MEDIA_HOST = re.compile(r"^([a-z0-9-]+\.)*twiliocdn\.com$|^s3-external-1\.amazonaws\.com$")
_CHUNK = 64 * 1024


def _is_twilio_api_host(host: str) -> bool:
    return bool(_TWILIO_API_HOST.match(host))


def _is_twilio_media_host(host: str) -> bool:
    return bool(_TWILIO_MEDIA_HOST.match(host)) or _is_twilio_api_host(host)


def _require_public_peer(sock: Any) -> None:
    """Refuses a connection whose peer (the address DNS actually gave) is not a public unicast address:
    private, loopback, link-local (the instance metadata service), shared, reserved or multicast."""
    import ipaddress

    address = ipaddress.ip_address(sock.getpeername()[0].split("%")[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if not address.is_global or address.is_multicast:
        sock.close()
        raise MediaRejected("address", "the media host resolves to a non-public address")


def public_only_adapter() -> requests.adapters.HTTPAdapter:
    """A requests adapter whose connections check the peer address right after the TCP connect, before any
    byte of the request is sent: a DNS answer (or a rebinding) pointing at an internal address is refused."""
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    class PublicHTTP(HTTPConnection):
        def _new_conn(self) -> Any:
            sock = super()._new_conn()
            _require_public_peer(sock)
            return sock

    class PublicHTTPS(HTTPSConnection):
        def _new_conn(self) -> Any:
            sock = super()._new_conn()
            _require_public_peer(sock)
            return sock

    class PublicHTTPPool(HTTPConnectionPool):
        ConnectionCls = PublicHTTP

    class PublicHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = PublicHTTPS

    class PublicOnlyAdapter(requests.adapters.HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = {"http": PublicHTTPPool, "https": PublicHTTPSPool}

    return PublicOnlyAdapter()


@dataclass(frozen=True)
class MediaLimits:
    max_bytes: int = MAX_MEDIA_BYTES
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 15.0  # between two bytes
    total_timeout_s: float = 30.0  # for the whole download, redirects included (a trickling server)
    max_redirects: int = 3


class TwilioMediaFetcher:
    """Downloads one Twilio media item; `fetch` satisfies domain.media.MediaFetcher.

    Only a URL under this account's API path on a Twilio API host is fetched (a forged MediaUrl cannot make
    the worker send its credentials, or a request, elsewhere): https://api.twilio.com/2010-04-01/Accounts/
    <account_sid>/... The credentials go to that first URL only; redirects (Twilio answers 307/302 to its
    CDN) are followed by hand, at most `max_redirects`, https only, to Twilio's media hosts only, without the
    Authorization header. Every connection must reach a public address (checked after DNS, at connect).

    `api_hosts`, `media_hosts`, `allow_insecure_for_tests` and `allow_private_addresses` exist for local
    stubs; production keeps the defaults.
    """

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        limits: MediaLimits | None = None,
        api_hosts: Collection[str] | None = None,
        allow_insecure_for_tests: bool = False,
        media_hosts: Collection[str] | None = None,
        allow_private_addresses: bool | None = None,
        session_factory: Callable[[], requests.Session] = requests.Session,
    ) -> None:
        self._auth = (account_sid, auth_token)
        self._account_sid = account_sid
        self._limits = limits or MediaLimits()
        self._api_hosts = frozenset(api_hosts) if api_hosts is not None else None
        self._media_hosts = frozenset(media_hosts) if media_hosts is not None else None
        self._any_media_host = allow_insecure_for_tests and media_hosts is None  # a stub's own redirect
        self._schemes = ("https", "http") if allow_insecure_for_tests else ("https",)
        private = allow_private_addresses if allow_private_addresses is not None else allow_insecure_for_tests
        self._public_only = not private
        self._session_factory = session_factory

    # --- URL policy ----------------------------------------------------------------------------------------

    def _check_first_url(self, url: str) -> None:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme not in self._schemes:
            raise MediaRejected("url", "not an https URL")
        if parts.username or parts.password:
            raise MediaRejected("url", "carries credentials")
        allowed = host in self._api_hosts if self._api_hosts is not None else _is_twilio_api_host(host)
        if not allowed or (self._api_hosts is None and parts.port not in (None, 443)):
            raise MediaRejected("url", "not a Twilio API host")
        if not parts.path.startswith(f"/2010-04-01/Accounts/{self._account_sid}/"):
            raise MediaRejected("url", "not a media URL of this account")

    def _check_redirect(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in self._schemes or not parts.hostname:
            raise MediaRejected("redirect", "not an https URL")
        if parts.username or parts.password:
            raise MediaRejected("redirect", "carries credentials")
        host = parts.hostname.lower()
        if self._media_hosts is not None:
            allowed = host in self._media_hosts
        else:
            allowed = self._any_media_host or (_is_twilio_media_host(host) and parts.port in (None, 443))
        if not allowed:
            raise MediaRejected("redirect", "not a Twilio media host")

    # --- download ------------------------------------------------------------------------------------------

    def fetch(self, url: str, declared_content_type: str = "") -> FetchedMedia:
        self._check_first_url(url)
        limits = self._limits
        deadline = time.monotonic() + limits.total_timeout_s
        origin = urlsplit(url)[:2]  # (scheme, netloc): credentials go only there
        with self._session_factory() as session:
            if self._public_only:
                adapter = public_only_adapter()
                session.mount("https://", adapter)
                session.mount("http://", adapter)
            current = url
            for _hop in range(limits.max_redirects + 1):
                auth = self._auth if urlsplit(current)[:2] == origin else None
                response = self._get(session, current, auth, deadline)
                with response:
                    if response.is_redirect:
                        location = response.headers.get("Location", "")
                        current = urljoin(current, location)
                        self._check_redirect(current)
                        continue
                    return self._read(response, declared_content_type, deadline)
        raise MediaRejected("redirect", f"more than {limits.max_redirects} redirects")

    def _get(
        self, session: requests.Session, url: str, auth: tuple[str, str] | None, deadline: float
    ) -> requests.Response:
        limits = self._limits
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise MediaUnavailable("media download exceeded its total time")
        try:
            return session.get(
                url,
                auth=auth,
                stream=True,
                allow_redirects=False,
                timeout=(min(limits.connect_timeout_s, remaining), min(limits.read_timeout_s, remaining)),
            )
        except requests.Timeout as exc:
            raise MediaUnavailable("media request timed out") from exc
        except requests.RequestException as exc:
            raise MediaUnavailable(f"media request failed: {type(exc).__name__}") from exc

    def _read(self, response: requests.Response, declared: str, deadline: float) -> FetchedMedia:
        status = response.status_code
        if status == 429 or status >= 500:
            raise MediaUnavailable(f"media server answered HTTP {status}")
        if status >= 400:
            raise MediaGone(status)
        if status != 200:
            raise MediaUnavailable(f"media server answered HTTP {status}")
        content_type = normalize_content_type(response.headers.get("Content-Type")) or declared
        if not is_allowed_content_type(content_type):
            raise MediaRejected("content_type", content_type or "none")
        cap = self._limits.max_bytes
        length = response.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > cap:
            raise MediaRejected("too_large", f"{int(length)} bytes, the limit is {cap}")
        body = bytearray()
        try:
            for chunk in response.iter_content(_CHUNK):
                body += chunk
                if len(body) > cap:
                    raise MediaRejected("too_large", f"more than {cap} bytes, the limit is {cap}")
                if time.monotonic() > deadline:
                    raise MediaUnavailable("media download exceeded its total time")
        except requests.RequestException as exc:  # a read timeout or a dropped connection mid-body
            raise MediaUnavailable(f"media download failed: {type(exc).__name__}") from exc
        return FetchedMedia(body=bytes(body), content_type=content_type)


# --- outbound messages ---------------------------------------------------------------------------------------


def _never_reached_twilio(exc: requests.RequestException) -> bool:
    """True when the request certainly did not reach Twilio: no connection (refused, DNS, connect timeout)
    or a failed TLS handshake. A read timeout or a connection dropped mid-answer may have sent it."""
    from urllib3.exceptions import MaxRetryError, NewConnectionError
    from urllib3.exceptions import SSLError as HandshakeError

    if isinstance(exc, requests.ConnectTimeout):
        return True
    cause = exc.args[0] if exc.args else None
    # urllib3 reports a failure to connect (or to complete the handshake) as MaxRetryError(reason=...).
    return isinstance(cause, MaxRetryError) and isinstance(cause.reason, (NewConnectionError, HandshakeError))


class TwilioMessenger:
    """Sends one WhatsApp/SMS message through Twilio's Messages API; satisfies domain.followup.Messenger.

    The SDK client is built once. Its default HTTP client has no retries (a retried POST could send twice)
    and a bounded timeout; pass `http_client` to replace it (tests record requests with it).
    """

    def __init__(
        self, account_sid: str, auth_token: str, *, timeout_s: float = 10.0, http_client: Any = None
    ) -> None:
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        self._client = Client(
            account_sid,
            auth_token,
            http_client=http_client or TwilioHttpClient(timeout=timeout_s),
        )

    def send(self, *, from_: str, to: str, body: str) -> str:
        """Sends `body` from the clinic's number to the patient; returns Twilio's message SID."""
        return str(self._create(from_=from_, to=to, body=body).sid)

    def send_reply(
        self, *, from_: str, to: str, body: str | None, content_sid: str | None, status_callback: str | None
    ) -> SentReply:
        """A doctor's reply: free-form `body`, or an approved template by its Content SID; Twilio posts its
        delivery statuses to `status_callback`. Satisfies domain.replies.ReplySender."""
        params: dict[str, Any] = {"from_": from_, "to": to}
        if content_sid:
            params["content_sid"] = content_sid
        else:
            params["body"] = body
        if status_callback:
            params["status_callback"] = status_callback
        message = self._create(**params)
        return SentReply(sid=str(message.sid), status=str(message.status) if message.status else None)

    def _create(self, **params: Any) -> Any:
        from twilio.base.exceptions import TwilioException, TwilioRestException

        try:
            return self._client.messages.create(**params)
        except TwilioRestException as exc:
            if exc.status == 429 or exc.status >= 500:
                # 429 and 503 refuse the request; after a 500/502/504 Twilio may have queued the message.
                maybe_sent = exc.status not in (429, 503)
                raise MessengerUnavailable(
                    f"Twilio answered HTTP {exc.status}", maybe_sent=maybe_sent
                ) from None
            raise MessageRejected(exc.status, exc.code) from None  # its text may quote the phone number
        except requests.RequestException as exc:
            maybe_sent = not _never_reached_twilio(exc)
            raise MessengerUnavailable(
                f"Twilio request failed: {type(exc).__name__}", maybe_sent=maybe_sent
            ) from exc
        except TwilioException as exc:  # e.g. an answer that is not JSON
            raise MessengerUnavailable(
                f"Twilio answer unusable: {type(exc).__name__}", maybe_sent=True
            ) from exc
