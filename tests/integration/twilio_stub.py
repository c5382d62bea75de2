"""A local stand-in for Twilio's media hosting: the API host that checks basic auth and redirects, and the CDN.

- API  http://127.0.0.1:<port>/2010-04-01/Accounts/<AC>/Messages/<MM>/Media/<ME>
       401 without the account's basic auth; the scripted status (404, 500...) for that media; else a 302 to
- CDN  http://localhost:<other port>/media/<ME>
       another host name and port, like Twilio's CDN: it must never see the Authorization header.

Every request is recorded with the Authorization header it carried. Plain http on loopback only; the fetcher
accepts it only with `allow_insecure_for_tests=True`.
"""

from __future__ import annotations

import base64
import re
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ACCOUNT_SID = "AC" + "5" * 32
AUTH_TOKEN = "stub-auth-token"
MESSAGE_SID = "MM" + "a" * 32

_API_PATH = re.compile(
    r"^/2010-04-01/Accounts/(AC[0-9a-f]{32})/Messages/(MM[0-9a-f]{32})/Media/(ME[0-9a-f]+)$"
)
_CDN_PATH = re.compile(r"^/media/(ME[0-9a-f]+)$")


@dataclass
class MediaItem:
    body: bytes = b""
    content_type: str = "image/jpeg"
    api_status: int = 302  # what the API host answers with valid credentials (302 = go to the CDN)
    cdn_status: int = 200
    send_length: bool = True  # False: no Content-Length, the body ends when the connection closes
    delay_s: float = 0.0  # the CDN waits this long before answering
    loop: bool = False  # the CDN redirects to itself forever


@dataclass(frozen=True)
class Recorded:
    server: str  # "api" | "cdn"
    path: str
    authorization: str | None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False


class TwilioMediaStub:
    def __init__(self, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN) -> None:
        self.account_sid = account_sid
        self.expected_auth = "Basic " + base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
        self.items: dict[str, MediaItem] = {}
        self.requests: list[Recorded] = []
        self._api = _Server(("127.0.0.1", 0), self._handler("api"))
        self._cdn = _Server(("127.0.0.1", 0), self._handler("cdn"))
        self.api_port = self._api.server_address[1]
        self.cdn_port = self._cdn.server_address[1]
        self._threads = [
            threading.Thread(target=s.serve_forever, daemon=True) for s in (self._api, self._cdn)
        ]

    def __enter__(self) -> TwilioMediaStub:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        for server in (self._api, self._cdn):
            server.shutdown()
            server.server_close()

    def reset(self) -> None:
        self.items.clear()
        self.requests.clear()

    def add(self, media_sid: str, item: MediaItem) -> str:
        """Scripts one media item; returns its Twilio-shaped URL."""
        self.items[media_sid] = item
        return self.url(media_sid)

    def url(self, media_sid: str, account_sid: str | None = None) -> str:
        account = account_sid or self.account_sid
        return (
            f"http://127.0.0.1:{self.api_port}/2010-04-01/Accounts/{account}/Messages/{MESSAGE_SID}"
            f"/Media/{media_sid}"
        )

    def cdn_url(self, media_sid: str) -> str:
        return f"http://localhost:{self.cdn_port}/media/{media_sid}"

    def seen(self, server: str) -> list[Recorded]:
        return [r for r in self.requests if r.server == server]

    # --- HTTP ----------------------------------------------------------------------------------------------

    def _handler(self, role: str) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                stub.requests.append(Recorded(role, self.path, self.headers.get("Authorization")))
                if role == "api":
                    self._api()
                else:
                    self._cdn()

            def _answer(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _api(self) -> None:
                match = _API_PATH.match(self.path)
                if not match:
                    return self._answer(404, b'{"code": 20404}', {"Content-Type": "application/json"})
                if (
                    self.headers.get("Authorization") != stub.expected_auth
                    or match.group(1) != stub.account_sid
                ):
                    return self._answer(401, b'{"code": 20003}', {"Content-Type": "application/json"})
                item = stub.items.get(match.group(3))
                if item is None:
                    return self._answer(404, b'{"code": 20404}', {"Content-Type": "application/json"})
                if item.api_status in (301, 302, 303, 307, 308):
                    return self._answer(item.api_status, headers={"Location": stub.cdn_url(match.group(3))})
                return self._answer(item.api_status, b'{"code": 20500}', {"Content-Type": "application/json"})

            def _cdn(self) -> None:
                match = _CDN_PATH.match(self.path)
                item = stub.items.get(match.group(1)) if match else None
                if item is None:
                    return self._answer(404)
                if item.delay_s:
                    time.sleep(item.delay_s)
                if item.loop:
                    return self._answer(302, headers={"Location": self.path})
                if item.cdn_status != 200:
                    return self._answer(item.cdn_status)
                self.send_response(200)
                self.send_header("Content-Type", item.content_type)
                if item.send_length:
                    self.send_header("Content-Length", str(len(item.body)))
                self.end_headers()
                try:
                    for start in range(0, len(item.body), 65536):
                        self.wfile.write(item.body[start : start + 65536])
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped reading (a size cap)

        return Handler
