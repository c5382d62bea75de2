"""Helpers the tests share (importable as `support`: pytest's pythonpath includes tests/)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fasttriage.local.lambdas import repo_root

ROOT = repo_root()
EVENTS = ROOT / "events"


def event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


def webhook_events() -> list[Path]:
    return sorted(p for p in EVENTS.glob("webhook_*.json") if "forged" not in p.name)


def seed(stack: Any, timeout_s: float = 90.0) -> dict[str, str]:
    """Posts every signed sample message to a running local stack as Twilio would, and waits until each case
    holds all of its messages: {first MessageSid of each patient: summary_id}."""
    from fasttriage.local.demo import replay, wait_for_cases

    sent = replay(stack.gateway.url, webhook_events())
    assert sent.failures == 0, "a sample message was refused"
    return wait_for_cases(stack, sent.counts, timeout_s=timeout_s)


def header(answer: dict[str, Any], name: str) -> str | None:
    """A response header from a proxy result (REST answers carry multiValueHeaders)."""
    multi = {k.lower(): v for k, v in (answer.get("multiValueHeaders") or {}).items()}
    single = {k.lower(): v for k, v in (answer.get("headers") or {}).items()}
    return multi[name.lower()][0] if name.lower() in multi else single.get(name.lower())


class FreezableProxy:
    """A TCP proxy to the broker that can go silent (a network partition) or drop every connection."""

    def __init__(self, target_port: int = 5672) -> None:
        import socket
        import threading

        self._target = ("127.0.0.1", target_port)
        self._server = socket.socket()
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(16)
        self.port = self._server.getsockname()[1]
        self.frozen = threading.Event()
        self._sockets: list[Any] = []
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/%2F"

    def _accept(self) -> None:
        import socket
        import threading

        while not self._closed:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self._target)
            self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: Any, dst: Any) -> None:
        import time

        while True:
            try:
                data = src.recv(65536)
            except OSError:
                return
            if not data:
                try:
                    dst.close()
                except OSError:
                    pass
                return
            while self.frozen.is_set() and not self._closed:
                time.sleep(0.05)  # silently hold the bytes: the peer hears nothing
            try:
                dst.sendall(data)
            except OSError:
                return

    def drop_connections(self) -> None:
        for sock in self._sockets:
            try:
                sock.close()
            except OSError:
                pass
        self._sockets.clear()

    def close(self) -> None:
        self._closed = True
        self.frozen.clear()
        self._server.close()
        self.drop_connections()
