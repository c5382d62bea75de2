"""Helpers the tests share (importable as `support`: pytest's pythonpath includes tests/)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fasttriage.local.lambdas import repo_root

ROOT = repo_root()
EVENTS = ROOT / "events"


def event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


def webhook_events() -> list[Path]:
    return sorted(p for p in EVENTS.glob("webhook_*.json") if "forged" not in p.name)


def header(answer: dict[str, Any], name: str) -> str | None:
    """A response header from a proxy result (REST answers carry multiValueHeaders)."""
    multi = {k.lower(): v for k, v in (answer.get("multiValueHeaders") or {}).items()}
    single = {k.lower(): v for k, v in (answer.get("headers") or {}).items()}
    return multi[name.lower()][0] if name.lower() in multi else single.get(name.lower())
