"""The project's own exceptions: callers decide retry, fallback or dead-letter by type, never by message.

Keep this a flat module of exception classes. Messages never carry patient text or secrets.
"""

from __future__ import annotations


class FastTriageError(Exception):
    """Base of every error FastTriage raises on purpose."""


class SummarizerError(FastTriageError):
    """A summarizer could not produce a summary; the deterministic fallback should be used."""


class SummarizerUnavailable(SummarizerError):
    """The LLM could not be reached in time: auth, network, timeout, throttling or a server error."""


class SummarizerOutputInvalid(SummarizerError):
    """The LLM answered, but not with a summary that validates, even after one repair attempt."""


# --- intake -----------------------------------------------------------------------------------------------


class InvalidMessage(FastTriageError):
    """A webhook payload is not a message we accept; the text says which field and why (no patient data)."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class SignatureRejected(FastTriageError):
    """The X-Twilio-Signature header is missing or does not match the request."""


class PublishError(FastTriageError):
    """The broker did not confirm a job in time; the caller must not acknowledge the message."""


# --- worker ------------------------------------------------------------------------------------------------


class TransientError(FastTriageError):
    """An outside system failed in a way a later attempt may not: retry through the broker."""


class PermanentError(FastTriageError):
    """Retrying cannot help (a malformed job, a contract violation): dead-letter at once."""


class RepositoryError(TransientError):
    """MongoDB failed."""


class ReportStoreError(TransientError):
    """S3 failed."""


# --- doctors' API ------------------------------------------------------------------------------------------


class NotFound(FastTriageError):
    """The summary, report or version asked for does not exist."""


class InvalidRequest(FastTriageError):
    """A request parameter is malformed; the text says which and why."""
