"""JSON error bodies shared by both APIs: what was wrong, never internal details."""

from __future__ import annotations

import json

from aws_lambda_powertools.event_handler import Response


def error_response(status: int, code: str, message: str) -> Response:
    return Response(
        status_code=status,
        content_type="application/json",
        body=json.dumps({"error": code, "message": message}),
    )
