"""A local API Gateway: turns HTTP requests into REST proxy events and calls the real Lambda handlers."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fasttriage.local.constants import LOCAL_DEV_PASSWORD
from fasttriage.local.devauth import issue_token, verify_token
from fasttriage.local.events import rest_event
from fasttriage.local.lambdas import FakeContext

STAGE = "local"


class LocalGateway:
    """Routes: POST /webhook/twilio -> webhook; /health, /console, /summaries* -> doctors' API.

    /summaries* need `Authorization: Bearer <token>` from POST /dev/sign-in, as the Cognito authorizer
    would: no valid token -> 401 before the function runs.
    """

    def __init__(self, webhook: ModuleType, doctors: ModuleType, host: str = "127.0.0.1", port: int = 3000):
        self._functions = {"webhook": webhook, "doctors": doctors}
        self._locks = {name: threading.Lock() for name in self._functions}  # one instance per function
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                gateway._handle(self)

            def do_POST(self) -> None:
                gateway._handle(self)

            def do_PATCH(self) -> None:
                gateway._handle(self)

            def do_OPTIONS(self) -> None:
                # The console is served by this API (same origin): no CORS, so a preflight allows nothing
                # cross-origin, as the deployed API (no OPTIONS methods, no CORS headers) does.
                _write(self, 204, {"Allow": "GET, POST, PATCH, OPTIONS"}, "")

            def log_message(self, format: str, *args: Any) -> None:  # quiet: no paths with ids in output
                return

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self._server.serve_forever, name="gateway", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length).decode("utf-8", errors="replace") if length else None
        if parts.path == "/dev/sign-in" and request.command == "POST":
            return self._sign_in(request, body)
        route = "webhook" if parts.path.startswith("/webhook/") else "doctors"
        claims = None
        if parts.path.startswith("/summaries"):
            auth = request.headers.get("Authorization", "")
            claims = (
                verify_token(auth.removeprefix("Bearer ").strip()) if auth.startswith("Bearer ") else None
            )
            if claims is None:
                return _write(
                    request, 401, {"Content-Type": "application/json"}, '{"message":"Unauthorized"}'
                )
        headers = {k: v for k, v in request.headers.items()}
        query = parse_qs(parts.query, keep_blank_values=True) or None
        event = rest_event(
            request.command,
            parts.path,
            body=body,
            headers=headers,
            query=query,
            domain=f"127.0.0.1:{self.port}",
            stage=STAGE,
            claims=claims,
        )
        with self._locks[route]:
            result = self._functions[route].handler(event, FakeContext(function_name=route))
        out_headers = dict(result.get("headers") or {})
        for key, values in (result.get("multiValueHeaders") or {}).items():
            out_headers[key] = ", ".join(values)
        _write(request, int(result["statusCode"]), out_headers, result.get("body") or "")

    def _sign_in(self, request: BaseHTTPRequestHandler, body: str | None) -> None:
        try:
            form = json.loads(body or "{}")
        except json.JSONDecodeError:
            form = {}
        if form.get("password") != LOCAL_DEV_PASSWORD or not form.get("username"):
            return _write(request, 401, {"Content-Type": "application/json"}, '{"message":"bad credentials"}')
        token = issue_token(str(form["username"]), [str(form.get("group") or "doctors")])
        _write(request, 200, {"Content-Type": "application/json"}, json.dumps({"token": token}))


def _write(request: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: str) -> None:
    data = body.encode()
    request.send_response(status)
    for key, value in headers.items():
        if key.lower() != "content-length":
            request.send_header(key, value)
    request.send_header("Content-Length", str(len(data)))
    request.end_headers()
    request.wfile.write(data)
