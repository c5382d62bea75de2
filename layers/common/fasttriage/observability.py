"""Logger, Tracer and Metrics, created once, and the only helpers allowed to describe a patient in logs."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics

NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "FastTriage")
SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "fasttriage")


class _TracingOff:
    """Stands in for Powertools' Tracer when tracing is off: the same decorators, doing nothing.

    Tracer() imports the X-Ray SDK even when disabled (300-450 ms of cold start here), so it is only built
    when POWERTOOLS_TRACE_DISABLED is not set.
    """

    def capture_lambda_handler(self, handler: Callable[..., Any] | None = None, **_: Any) -> Any:
        return handler if handler is not None else (lambda fn: fn)

    def capture_method(self, method: Callable[..., Any] | None = None, **_: Any) -> Any:
        return method if method is not None else (lambda fn: fn)

    def put_annotation(self, key: str, value: Any) -> None:
        return None


def _tracer() -> Any:
    if os.environ.get("POWERTOOLS_TRACE_DISABLED", "").lower() in {"1", "true"}:
        return _TracingOff()
    from aws_lambda_powertools import Tracer

    return Tracer(service=SERVICE)


logger = Logger(service=SERVICE)
tracer = _tracer()
metrics = Metrics(namespace=NAMESPACE)


def mask_phone(sender: str) -> str:
    """'whatsapp:+15551234567' -> 'whatsapp:***4567': enough for a doctor to recognise, not to dial."""
    channel, _, number = sender.rpartition(":")
    digits = "".join(ch for ch in number if ch.isdigit())
    tail = digits[-4:] if len(digits) >= 4 else ""
    return f"{channel + ':' if channel else ''}***{tail}"


def mask_name(name: str | None) -> str | None:
    """'Maria Souza' -> 'M. S.': initials only."""
    if not name:
        return None
    parts = [part for part in name.split() if part]
    return " ".join(f"{part[0]}." for part in parts) or None
