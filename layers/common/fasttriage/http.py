"""JSON error bodies shared by both APIs: what was wrong, never internal details."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools.event_handler import Response

# Exception type -> (HTTP status, error code). The first entry the exception is an instance of wins.
ErrorTable = Mapping[type[Exception], tuple[int, str]]


def error_response(status: int, code: str, message: str) -> Response:
    return Response(
        status_code=status,
        content_type="application/json",
        body=json.dumps({"error": code, "message": message}),
    )


def map_errors(
    resolver: Any, table: ErrorTable, *, on_error: Callable[[Exception, int, str], None] | None = None
) -> None:
    """The one way both APIs turn domain exceptions into answers: a table registered on the Powertools
    resolver (or router) in one exception handler; the body says what was wrong (the exception's message,
    which never carries internals), `on_error` logs or counts."""

    def answer(exc: Exception) -> Response:
        status, code = next(value for kind, value in table.items() if isinstance(exc, kind))
        if on_error is not None:
            on_error(exc, status, code)
        return error_response(status, code, str(exc))

    resolver.exception_handler(list(table))(answer)
