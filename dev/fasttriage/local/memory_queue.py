"""An in-memory stand-in for RabbitMQ, for `make demo` on a machine without a broker.

Same contract as the real pair (RabbitPublisher + RabbitConsumer): publish is durable for the life of the
process, emergencies are taken first, one job at a time, a job leaves the queue only when its handler's
verdict is settled (ack, retry after a delay, or dead-letter with a reason). It is not durable across
restarts: that is what RabbitMQ is for.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from fasttriage.adapters.consumer import Decision, Delivery, Verdict
from fasttriage.adapters.rabbitmq import RETRY_DELAYS_S, emergency_queue
from fasttriage.domain.models import TriageJob


class MemoryQueue:
    def __init__(
        self, queue: str = "triage.jobs", *, max_attempts: int = 5, delay_scale: float = 1.0
    ) -> None:
        self.queue = queue
        self._queues: dict[str, deque[Delivery]] = {emergency_queue(queue): deque(), queue: deque()}
        self.dead: list[tuple[Delivery, str]] = []
        self._max_attempts = max_attempts
        self._delay_scale = delay_scale
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._in_flight = 0
        self.connected = threading.Event()
        self.connected.set()

    # publisher side
    def publish(self, job: TriageJob) -> None:
        name = emergency_queue(self.queue) if job.assessment.is_emergency else self.queue
        self._put(Delivery(job.model_dump_json().encode(), name, 1, False, job.job_id))

    def _put(self, delivery: Delivery) -> None:
        with self._cond:
            self._queues[delivery.queue].append(delivery)
            self._cond.notify_all()

    # consumer side
    def _take(self) -> Delivery | None:
        with self._cond:
            while not self._stop.is_set():
                for q in self._queues.values():  # emergency first
                    if q:
                        self._in_flight += 1
                        return q.popleft()
                self._cond.wait(0.2)
        return None

    def run(self, handler: Callable[[Delivery], Verdict]) -> None:
        while (delivery := self._take()) is not None:
            verdict = handler(delivery)
            decision = verdict.decision
            if decision is Decision.RETRY and delivery.attempt >= self._max_attempts:
                decision = Decision.DEAD
            if decision is Decision.RETRY:
                delay = RETRY_DELAYS_S[min(delivery.attempt - 1, len(RETRY_DELAYS_S) - 1)] * self._delay_scale
                again = Delivery(
                    delivery.body, delivery.queue, delivery.attempt + 1, False, delivery.message_id
                )
                timer = threading.Timer(delay, self._put, args=(again,))
                timer.daemon = True
                timer.start()
            elif decision is Decision.DEAD:
                self.dead.append((delivery, verdict.reason))
            with self._cond:
                self._in_flight -= 1
                self._cond.notify_all()

    def stop(self) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()

    def pending(self) -> int:
        with self._cond:
            return sum(len(q) for q in self._queues.values()) + self._in_flight

    def wait_idle(self, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.pending() == 0:
                return True
            time.sleep(0.05)
        return False
