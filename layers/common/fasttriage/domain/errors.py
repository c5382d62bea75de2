"""The project's own exceptions: callers decide retry, fallback or dead-letter by type, never by message.

Keep this a flat module of exception classes. Messages never carry patient text or secrets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fasttriage.domain.escalation import IntakePageResult


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
    """The broker did not confirm a job in time; the job must go to the spool or the message be refused."""


class SpoolError(FastTriageError):
    """The fallback store (the spool) did not confirm a job."""


class JobNotStored(FastTriageError):
    """Neither the broker nor the spool confirmed the job: nothing durable holds the message.

    `reply` is what the patient must still be told when the screen found an emergency or urgent
    instruction (that instruction and a request to send the message again); None otherwise. `page` is what
    became of the degraded-intake page to on-call (domain.escalation.page_intake), when one was due.
    """

    def __init__(self, detail: str, *, reply: str | None, page: IntakePageResult | None = None) -> None:
        super().__init__(detail)
        self.reply = reply
        self.page = page


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


# --- outbound Twilio: media downloads and follow-up messages ----------------------------------------------


class MediaUnavailable(TransientError):
    """Twilio's media did not arrive in time (timeout, connection, 5xx, 429): a later attempt may succeed."""


class MediaRejected(PermanentError):
    """A media item we will never keep: not a Twilio API URL of this account, too large, or a content type
    outside the allow-list. `reason` is a short stable code (url, redirect, too_large, content_type)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


class MediaGone(MediaRejected):
    """Twilio answered 4xx (deleted media 404/410, credentials refused 401/403): the media cannot be fetched;
    the message is triaged without it."""

    def __init__(self, status: int) -> None:
        super().__init__("unauthorized" if status in (401, 403) else "not_found", f"HTTP {status}")
        self.status = status


class MessengerUnavailable(TransientError):
    """Twilio's REST API failed (5xx, 429, network). `maybe_sent` is True when the request may have reached
    Twilio (a read timeout, a dropped connection): sending again could duplicate the message."""

    def __init__(self, detail: str, *, maybe_sent: bool) -> None:
        super().__init__(detail)
        self.maybe_sent = maybe_sent


class MessageRejected(PermanentError):
    """Twilio refused the message (4xx other than 429), e.g. 21211 invalid 'To' or 63016 outside the
    WhatsApp 24-hour window. `code` is Twilio's error code when it gave one."""

    def __init__(self, status: int, code: int | None) -> None:
        super().__init__(f"HTTP {status}, Twilio code {code}")
        self.status = status
        self.code = code


class PagerUnavailable(TransientError):
    """The page to clinicians was not published (SNS refused it or did not answer): retry, and alarm."""


class UnsupportedMediaType(FastTriageError):
    """The request's Content-Type is not the one the endpoint accepts."""


class PayloadTooLarge(FastTriageError):
    """The request body is over the configured limit."""
