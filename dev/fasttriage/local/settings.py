"""The local stack's settings: every process runs in one, so its model is the worker's and what else it reads."""

from __future__ import annotations

from fasttriage.config import StatusCallbackSettings, SweepSettings
from fasttriage.worker import WorkerSettings


class LocalStackSettings(WorkerSettings, SweepSettings, StatusCallbackSettings):
    """The worker's settings, the local escalation sweep's, and the status callback URL the tests sign for.
    The webhook and the doctors' API read their own models when the stack loads them."""
