"""Logger, Tracer and Metrics, created once, and the only helpers allowed to describe a patient in logs."""

from __future__ import annotations

import hashlib
import hmac
import os

from aws_lambda_powertools import Logger, Metrics, Tracer

NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "FastTriage")

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "fasttriage"))
tracer = Tracer(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "fasttriage"))
metrics = Metrics(namespace=NAMESPACE)


def keyed_hash(value: str, key: bytes) -> str:
    """A stable pseudonym for a phone number: HMAC-SHA256, hex, never reversible without the key."""
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


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
