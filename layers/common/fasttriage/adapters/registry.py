"""What keeps the webhook's dependencies off its critical path: the patient registry, built in the
background and bypassed while it is not ready or after a failure; and the publisher, bypassed for a few
seconds after a failure so that during a broker outage every message goes straight to the spool instead of
waiting out the confirm timeout first.

MongoDB only decides the privacy notice and where a case starts; it never decides whether a message is
accepted. So the webhook never waits for it to load (pymongo's import costs ~150 ms of a cold start) or to
recover: until the registry is ready, and for `cooldown_s` after a failure, every call raises
RepositoryError at once and intake degrades (the notice is sent again, commands travel as jobs).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fasttriage.domain.errors import PublishError, RepositoryError
from fasttriage.domain.intake import JobPublisher, PatientRegistry
from fasttriage.domain.models import TriageJob


class GuardedRegistry:
    """A PatientRegistry that is never waited for: not ready or cooling down -> RepositoryError at once."""

    def __init__(
        self,
        build: Callable[[], PatientRegistry],
        *,
        cooldown_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._build = build
        self._cooldown_s = cooldown_s
        self._clock = clock
        self._registry: PatientRegistry | None = None
        self._loading: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed_until = 0.0
        self.failures = 0

    @property
    def ready(self) -> bool:
        return self._registry is not None

    def warm(self) -> None:
        """Starts building the registry in a background thread (once; again after a failed build)."""
        with self._lock:
            if self._registry is not None or (self._loading is not None and self._loading.is_alive()):
                return
            if self._clock() < self._closed_until:
                return
            self._loading = threading.Thread(target=self._load, name="registry-warmup", daemon=True)
            self._loading.start()

    def wait_ready(self, timeout_s: float) -> bool:
        """For tests and tools: start building and wait for it (the webhook itself never waits)."""
        self.warm()
        loading = self._loading
        if loading is not None:
            loading.join(timeout_s)
        return self.ready

    def _load(self) -> None:
        try:
            registry = self._build()
        except Exception:  # any failure to build means "not ready"; retried after the cool-down
            self._trip()
            return
        self._registry = registry

    def _trip(self) -> None:
        self.failures += 1
        self._closed_until = self._clock() + self._cooldown_s

    def _call(self, name: str, *args: Any) -> Any:
        registry = self._registry
        if registry is None:
            raise RepositoryError("patient registry not ready")
        if self._clock() < self._closed_until:
            raise RepositoryError("patient registry cooling down after a failure")
        try:
            return getattr(registry, name)(*args)
        except RepositoryError:
            self._trip()
            raise

    def lookup(self, patient_key: str) -> tuple[bool, int]:
        result: tuple[bool, int] = self._call("lookup", patient_key)
        return result

    def register(self, patient_key: str, now: datetime) -> tuple[bool, int]:
        result: tuple[bool, int] = self._call("register", patient_key, now)
        return result

    def start_new_case(self, patient_key: str, now: datetime) -> int:
        return int(self._call("start_new_case", patient_key, now))

    def request_erasure(self, patient_key: str, now: datetime) -> None:
        self._call("request_erasure", patient_key, now)


class GuardedPublisher:
    """A JobPublisher that, for `cooldown_s` after a failed publish, fails at once (PublishError) without
    trying the broker: the caller spools the job, and the first request after the pause tries again."""

    def __init__(
        self, publisher: JobPublisher, *, cooldown_s: float = 5.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.publisher = publisher
        self._cooldown_s = cooldown_s
        self._clock = clock
        self._closed_until = 0.0

    def publish(self, job: TriageJob) -> None:
        if self._clock() < self._closed_until:
            raise PublishError("broker skipped: it failed less than a cool-down ago")
        try:
            self.publisher.publish(job)
        except PublishError:
            self._closed_until = self._clock() + self._cooldown_s
            raise

    def close(self) -> None:
        close = getattr(self.publisher, "close", None)
        if close is not None:
            close()
