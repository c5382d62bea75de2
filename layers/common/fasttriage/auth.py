"""Who is calling the doctors' API: the Cognito authorizer's claims, double-checked in the handler."""

from __future__ import annotations

from typing import Any

from fasttriage.domain.cases import Doctor
from fasttriage.domain.errors import FastTriageError

__all__ = ["Doctor", "Forbidden", "Unauthenticated", "doctor_from_event", "groups_of"]


class Unauthenticated(FastTriageError):
    """No verified identity on the request (the authorizer should have refused it already)."""


class Forbidden(FastTriageError):
    """A verified identity that is not in the doctors' group."""


def groups_of(claims: dict[str, Any], *, http_api: bool = False) -> set[str]:
    """The caller's group names, exactly as API Gateway hands over the token's `cognito:groups` array.

    - REST API, Cognito user pool authorizer (`requestContext.authorizer.claims`): one string, the names
      joined by commas: "doctors" or "doctors,nurses".
    - HTTP API, JWT authorizer (`requestContext.authorizer.jwt.claims`): one string, the names in brackets
      joined by spaces: "[doctors]" or "[doctors nurses]".
    - A real list (the local stack, a direct invocation): the names as they are.
    Names are compared whole: no trimming of brackets, quotes or blanks inside a name. A group name must not
    contain a comma, a space or brackets (docs/decisions.md); "[doctors]" or "doctors " is not "doctors".
    """
    raw = claims.get("cognito:groups")
    if raw is None or raw == "":
        return set()
    if isinstance(raw, list):
        return {g for g in raw if isinstance(g, str)}
    if not isinstance(raw, str):
        return set()
    if http_api:
        if not (raw.startswith("[") and raw.endswith("]")):
            return set()  # not the form the HTTP API writes: trust nothing in it
        return set(raw[1:-1].split(" ")) - {""}
    return set(raw.split(",")) - {""}


def doctor_from_event(event: dict[str, Any], group: str) -> Doctor:
    context = event.get("requestContext") or {}
    authorizer = context.get("authorizer") or {}
    http_api = "jwt" in authorizer  # HTTP API (payload 2.0) puts a JWT authorizer's claims under jwt.claims
    claims = ((authorizer.get("jwt") or {}) if http_api else authorizer).get("claims") or {}
    subject = claims.get("sub")
    if not subject:
        raise Unauthenticated("sign in first: no verified identity on the request")
    if group not in groups_of(claims, http_api=http_api):
        raise Forbidden(f"only members of the '{group}' group may read patient data")
    return Doctor(
        subject=str(subject),
        username=str(claims.get("cognito:username") or claims.get("email") or subject),
        request_id=context.get("requestId"),
    )
