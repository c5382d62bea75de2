"""Who is calling the doctors' API: the Cognito authorizer's claims, double-checked in the handler."""

from __future__ import annotations

import re
from typing import Any

from fasttriage.domain.cases import Doctor
from fasttriage.domain.errors import FastTriageError

__all__ = ["Doctor", "Forbidden", "Unauthenticated", "doctor_from_event", "groups_of"]


class Unauthenticated(FastTriageError):
    """No verified identity on the request (the authorizer should have refused it already)."""


class Forbidden(FastTriageError):
    """A verified identity that is not in the doctors' group."""


def groups_of(claims: dict[str, Any]) -> set[str]:
    """cognito:groups arrives as a list, a JSON-ish '[a, b]' string or 'a,b' depending on the gateway."""
    raw = claims.get("cognito:groups") or []
    if isinstance(raw, str):
        raw = [g for g in re.split(r"[\s,\[\]\"']+", raw) if g]
    return {str(g) for g in raw}


def doctor_from_event(event: dict[str, Any], group: str) -> Doctor:
    context = event.get("requestContext") or {}
    claims = (context.get("authorizer") or {}).get("claims") or {}
    subject = claims.get("sub")
    if not subject:
        raise Unauthenticated("sign in first: no verified identity on the request")
    if group not in groups_of(claims):
        raise Forbidden(f"only members of the '{group}' group may read patient data")
    return Doctor(
        subject=str(subject),
        username=str(claims.get("cognito:username") or claims.get("email") or subject),
        request_id=context.get("requestId"),
    )
