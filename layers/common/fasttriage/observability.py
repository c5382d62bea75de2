"""Logger, Tracer and Metrics, created once, and the only helpers allowed to describe a patient in logs."""

from __future__ import annotations

import functools
import os
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics

if TYPE_CHECKING:
    from fasttriage.domain.escalation import IntakePageResult

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


class UnhandledError(RuntimeError):
    """What a handler raises instead of an unexpected exception whose text may quote patient data."""


def without_phi_in_errors[F: Callable[..., Any]](handler: F) -> F:
    """Innermost handler decorator: an unexpected exception leaves as UnhandledError(<type name>).

    The X-Ray SDK records the message of any exception that crosses a traced subsegment (whatever Powertools'
    capture_error says), and the Lambda runtime logs it: an exception's text can quote a case or a message.
    The log keeps the type and the stack's file:line frames, never the text.
    """

    @functools.wraps(handler)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return handler(*args, **kwargs)
        except Exception as exc:
            frames = [
                f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}"
                for f in traceback.extract_tb(exc.__traceback__)
            ]
            from fasttriage.config import ConfigurationError  # its text names a setting, never a value

            detail = str(exc) if isinstance(exc, ConfigurationError) else None
            logger.error("unhandled error", error=type(exc).__name__, detail=detail, frames=frames[-12:])
            raise UnhandledError(type(exc).__name__) from None

    return guarded  # type: ignore[return-value]


def record_intake_page(result: IntakePageResult, what: str) -> None:
    """Logs and counts a degraded-intake page (webhook and worker): its reference, level, reason and the job
    id (which ties the reference to the job in these logs), never patient data."""
    page = result.page
    if page is None:
        return
    keys: dict[str, Any] = {
        "job_ref": page.reference,
        "job_id": result.job_id,
        "urgency": page.urgency.value,
        "reason": page.reason,
    }
    if result.status == "paged":
        logger.warning(f"on-call paged: {what}", **keys)
        metrics.add_metric(name="intake_pages_published", unit="Count", value=1)
    elif result.error == "no pager":  # domain.escalation.NO_PAGER (not imported: observability loads first)
        logger.warning("intake page due but PAGE_TOPIC_ARN is not set", **keys)
    else:
        logger.error("intake page not sent", problem=result.error, **keys)
        metrics.add_metric(name="intake_pages_failed", unit="Count", value=1)
