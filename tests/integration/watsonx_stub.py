"""A local HTTPS stand-in for the watsonx.ai REST API, good enough for the real ibm-watsonx-ai SDK.

It serves exactly what the SDK calls for an API-key client on a project, with chat:

- POST /identity/token                      IAM: api key -> bearer token (a JWT the SDK can decode)
- GET  /v2/projects/{project_id}            project lookup done by APIClient(project_id=...)
- GET  /ml/v1/foundation_model_specs        model validation (only if validate=True)
- POST /ml/v1/text/chat?version=...         the chat completion, scripted per test

Point the SDK at it with Credentials(url=stub.url, platform_url=stub.url, auth_url=stub.auth_url,
verify=stub.ca_path): `platform_url` makes the SDK treat the URL as IBM Cloud (API key + IAM) instead of
Cloud Pak for Data, and `auth_url` replaces iam.cloud.ibm.com. TLS uses a throwaway CA made here with
`cryptography`; `ca_path` is its PEM. Binds 127.0.0.1 on a free port; nothing leaves the machine.
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import json
import ssl
import tempfile
import threading
import time
import urllib.parse
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALID_API_KEY = "stub-api-key"


@dataclass(frozen=True)
class ChatReply:
    """One scripted answer of the chat endpoint."""

    status: int = 200
    content: str | None = None  # the assistant message (status 200)
    delay_s: float = 0.0  # wait this long before answering (to trip the client's read timeout)
    body: dict[str, Any] | None = None  # a raw JSON body instead of a completion

    @classmethod
    def ok(cls, content: str, delay_s: float = 0.0) -> ChatReply:
        return cls(status=200, content=content, delay_s=delay_s)

    @classmethod
    def error(cls, status: int) -> ChatReply:
        return cls(status=status, body={"errors": [{"code": "stub_error", "message": f"stub HTTP {status}"}]})


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any = None
    at: float = field(default_factory=time.monotonic)


def _b64(data: dict[str, Any]) -> str:
    return base64.b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")


def make_jwt(lifetime_s: int = 3600) -> str:
    """An unsigned JWT-shaped token with the claims the SDK reads (exp, iat)."""
    now = int(time.time())
    header = {"alg": "RS256", "typ": "JWT", "kid": "stub"}
    payload = {"iam_id": "iam-ServiceId-stub", "sub": "stub", "iat": now, "exp": now + lifetime_s}
    return f"{_b64(header)}.{_b64(payload)}.c3R1Yi1zaWduYXR1cmU"


def make_certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a 127.0.0.1/localhost server certificate it signed: (ca.pem, cert.pem, key.pem)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "FastTriage watsonx stub CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_path, cert_path, key_path = directory / "ca.pem", directory / "cert.pem", directory / "key.pem"
    ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return ca_path, cert_path, key_path


class WatsonxStub:
    """Start with `with WatsonxStub() as stub:`; script chat answers with `stub.script(...)`."""

    def __init__(self, project_id: str = "stub-project", model_id: str = "ibm/stub-model") -> None:
        self.project_id = project_id
        self.model_id = model_id
        self.default_content: str = "{}"
        self.token_delay_s: float = 0.0  # a slow IAM
        self.requests: list[RecordedRequest] = []
        self._script: deque[ChatReply] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._tmp = tempfile.TemporaryDirectory(prefix="watsonx-stub-")
        ca_path, cert_path, key_path = make_certificates(Path(self._tmp.name))
        self.ca_path = str(ca_path)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_path, key_path)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, name="watsonx-stub", daemon=True)

    # --- lifecycle -------------------------------------------------------------------------------

    def __enter__(self) -> WatsonxStub:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers that are sleeping on a scripted delay
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._tmp.cleanup()

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    @property
    def auth_url(self) -> str:
        return f"{self.url}/identity/token"

    # --- scripting -------------------------------------------------------------------------------

    def script(self, *replies: ChatReply) -> None:
        """Answer the next chat calls with these replies, in order; then `default_content` with 200."""
        with self._lock:
            self._script.extend(replies)

    def reset(self) -> None:
        with self._lock:
            self._script.clear()
            self.requests.clear()
            self.default_content = "{}"
            self.token_delay_s = 0.0

    def requests_to(self, path_prefix: str) -> list[RecordedRequest]:
        with self._lock:
            return [request for request in self.requests if request.path.startswith(path_prefix)]

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return self.requests_to("/ml/v1/text/chat")

    def _next_reply(self) -> ChatReply:
        with self._lock:
            return self._script.popleft() if self._script else ChatReply.ok(self.default_content)

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    # --- HTTP ------------------------------------------------------------------------------------

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read stub.requests
                return

            def do_GET(self) -> None:
                path, query = self._split()
                stub._record(RecordedRequest("GET", path, query))
                if path == f"/v2/projects/{stub.project_id}":
                    self._json(200, stub._project())
                elif path.startswith("/v2/projects/"):
                    self._json(404, {"errors": [{"code": "project_not_found"}]})
                elif path == "/ml/v1/foundation_model_specs":
                    self._json(200, {"total_count": 1, "resources": [{"model_id": stub.model_id}]})
                else:
                    self._json(404, {"errors": [{"code": "not_in_stub", "message": path}]})

            def do_POST(self) -> None:
                path, query = self._split()
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if path == "/identity/token":
                    form = urllib.parse.parse_qs(raw.decode())
                    stub._record(RecordedRequest("POST", path, query, {"grant_type": form.get("grant_type")}))
                    if stub.token_delay_s and stub._stopping.wait(stub.token_delay_s):
                        return
                    if form.get("apikey") == [VALID_API_KEY]:
                        self._json(200, stub._token())
                    else:
                        self._json(
                            400,
                            {
                                "errorCode": "BXNIM0415E",
                                "errorMessage": "Provided API key could not be found.",
                            },
                        )
                    return
                body = json.loads(raw or b"null")
                stub._record(RecordedRequest("POST", path, query, body))
                if path == "/ml/v1/text/chat":
                    if self.headers.get("Authorization", "").count(".") != 2:
                        self._json(401, {"errors": [{"code": "authentication_token_not_valid"}]})
                        return
                    self._chat(stub._next_reply(), body)
                else:
                    self._json(404, {"errors": [{"code": "not_in_stub", "message": path}]})

            def _chat(self, reply: ChatReply, request: dict[str, Any]) -> None:
                if reply.delay_s and stub._stopping.wait(reply.delay_s):
                    return
                if reply.status != 200 or reply.body is not None:
                    # Like some real validation errors, quote the request back: proves we never log it.
                    errors = (reply.body or {}).get("errors", [])
                    self._json(reply.status, {"errors": errors, "request_echo": request.get("messages")})
                    return
                self._json(
                    200,
                    {
                        "id": "chat-stub",
                        "model_id": request.get("model_id", stub.model_id),
                        "created": int(time.time()),
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": reply.content},
                                "finish_reason": "stop",
                            }
                        ],
                        "usage": {"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150},
                    },
                )

            def _split(self) -> tuple[str, dict[str, list[str]]]:
                parsed = urllib.parse.urlsplit(self.path)
                return parsed.path, urllib.parse.parse_qs(parsed.query)

            def _json(self, status: int, payload: Any) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                    pass  # the client gave up (its timeout): nothing to answer

        return Handler

    def _token(self) -> dict[str, Any]:
        now = int(time.time())
        return {
            "access_token": make_jwt(),
            "refresh_token": "not_supported",
            "token_type": "Bearer",
            "expires_in": 3600,
            "expiration": now + 3600,
            "scope": "ibm openid",
        }

    def _project(self) -> dict[str, Any]:
        return {
            "metadata": {"guid": self.project_id},
            "entity": {
                "name": "stub project",
                "storage": {"type": "assetfiles", "guid": "stub-storage"},
                "compute": [{"type": "machine_learning", "guid": "stub-wml-instance", "name": "stub"}],
            },
        }
