"""Fault injection for the local stack, the chaos run and the tests: outages switched on and off at will.

Each wrapper forwards to the real thing until its switch is on, then fails the way the real system fails
(the project's own exception for the spool, pymongo's for MongoDB), so the code under test takes its real
error paths.
"""

from __future__ import annotations

import socket
import threading
from typing import Any

from fasttriage.domain.errors import SpoolError
from fasttriage.domain.models import TriageJob


class Switch:
    """An outage that can be turned on and off from another thread."""

    def __init__(self) -> None:
        self._on = threading.Event()

    @property
    def on(self) -> bool:
        return self._on.is_set()

    def fail(self) -> None:
        self._on.set()

    def heal(self) -> None:
        self._on.clear()


class FaultySpool:
    """A spool that refuses every write while its switch is on."""

    def __init__(self, spool: Any, switch: Switch) -> None:
        self._spool = spool
        self.switch = switch

    def put(self, job: TriageJob) -> None:
        if self.switch.on:
            raise SpoolError("spool write failed: injected outage")
        self._spool.put(job)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._spool, name)


class FaultyCollection:
    """A pymongo (or mongomock) collection whose every call raises ServerSelectionTimeoutError while on."""

    def __init__(self, collection: Any, switch: Switch) -> None:
        self._collection = collection
        self._switch = switch

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._collection, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            if self._switch.on:
                from pymongo.errors import ServerSelectionTimeoutError

                raise ServerSelectionTimeoutError("injected outage")
            return attribute(*args, **kwargs)

        return call


class FaultyDatabase:
    """db[name] -> a FaultyCollection on the same switch."""

    def __init__(self, db: Any, switch: Switch) -> None:
        self._db = db
        self.switch = switch

    def __getitem__(self, name: str) -> FaultyCollection:
        return FaultyCollection(self._db[name], self.switch)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)


class SilentServer:
    """Accepts TCP connections and never answers: an endpoint that hangs (SNS, SQS behind a partition)."""

    def __init__(self) -> None:
        self._server = socket.socket()
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(64)
        self.url = f"http://127.0.0.1:{self._server.getsockname()[1]}"
        self._held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                self._held.append(self._server.accept()[0])
            except OSError:
                return

    def close(self) -> None:
        self._server.close()
        for held in self._held:
            held.close()
