"""Voice notes: a machine transcription of each stored audio item, screened like any text.

Pure: the transcriber (Amazon Transcribe in AWS, a sidecar reader locally and in tests) is passed in. A
transcription that fails or times out never blocks the case: the item is marked `transcript_status="failed"`
and triage goes on with the rest of the message (the clinician can still listen to the recording).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Protocol

from fasttriage.domain.models import Language, StoredMedia

# Amazon Transcribe language codes for the patient's language (domain.language).
LANGUAGE_CODES: dict[Language, str] = {Language.EN: "en-US", Language.ES: "es-ES", Language.PT: "pt-BR"}
MAX_TRANSCRIPT_CHARS = 4000


class TranscriptionFailed(Exception):
    """The transcriber gave no transcript: `reason` says why (timeout, failed, format...), never patient data."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Transcriber(Protocol):
    def transcribe(self, *, key: str, content_type: str, language_code: str | None, job_name: str) -> str:
        """The transcript of the audio stored at `key`; `language_code` None lets it identify the language
        among LANGUAGE_CODES. Raises TranscriptionFailed."""
        ...


def is_audio(item: StoredMedia) -> bool:
    return item.status == "stored" and item.content_type.startswith("audio/") and item.key is not None


def job_name(key: str) -> str:
    """Deterministic per stored object (a retried job finds the same transcription job), and no patient data."""
    return "fasttriage-" + hashlib.sha256(key.encode()).hexdigest()[:40]


def transcribe_voice_notes(
    items: list[StoredMedia],
    *,
    language: Language | None,
    transcriber: Transcriber,
    on_failure: Callable[[str], None] | None = None,
) -> list[StoredMedia]:
    """Each stored audio item with its transcript (or marked failed); other items unchanged. Never raises."""
    code = LANGUAGE_CODES.get(language) if language is not None else None
    out: list[StoredMedia] = []
    for item in items:
        if not is_audio(item) or item.transcript_status == "done":
            out.append(item)
            continue
        assert item.key is not None  # is_audio
        try:
            text = transcriber.transcribe(
                key=item.key, content_type=item.content_type, language_code=code, job_name=job_name(item.key)
            )
            update: dict[str, str | None] = {
                "transcript": text.strip()[:MAX_TRANSCRIPT_CHARS],
                "transcript_status": "done",
            }
        except Exception as exc:
            reason = exc.reason if isinstance(exc, TranscriptionFailed) else type(exc).__name__
            if on_failure is not None:
                on_failure(reason)
            update = {"transcript": None, "transcript_status": "failed"}
        out.append(item.model_copy(update={**update, "transcript_language": code}))
    return out
