"""The local stack's dev sign-in: HMAC-signed tokens carrying Cognito-shaped claims.

Local only. A deployed stack uses the Cognito user pool authorizer; the handler checks the same claims.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

from fasttriage.local.constants import LOCAL_DEV_TOKEN_KEY

TOKEN_TTL_S = 8 * 3600


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def issue_token(username: str, groups: list[str], *, now: float | None = None) -> str:
    issued = int(now if now is not None else time.time())
    claims = {
        "sub": str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{username}.local")),
        "cognito:username": username,
        "cognito:groups": groups,
        "iat": issued,
        "exp": issued + TOKEN_TTL_S,
    }
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = _b64(hmac.new(LOCAL_DEV_TOKEN_KEY.encode(), payload.encode(), hashlib.sha256).digest())
    return f"dev.{payload}.{signature}"


def verify_token(token: str, *, now: float | None = None) -> dict[str, Any] | None:
    """The claims of a valid, unexpired dev token; None otherwise."""
    try:
        prefix, payload, signature = token.split(".")
    except ValueError:
        return None
    expected = _b64(hmac.new(LOCAL_DEV_TOKEN_KEY.encode(), payload.encode(), hashlib.sha256).digest())
    if prefix != "dev" or not hmac.compare_digest(signature, expected):
        return None
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    if claims.get("exp", 0) < (now if now is not None else time.time()):
        return None
    claims["cognito:groups"] = ",".join(claims.get("cognito:groups", []))  # as API Gateway passes it
    return claims
