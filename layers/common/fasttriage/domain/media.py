"""A message's media (photos, voice notes, documents): which we keep, where, and what happened to each.

Pure: the fetcher (Twilio) and the store (S3) are passed in. A media item that is gone (404) or refused by
policy never blocks the message's text: it is recorded as "unavailable" or "rejected" and triage carries on.
Only a transient failure (Twilio slow or down) raises, so the broker retries the job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from fasttriage.domain.errors import MediaGone, MediaRejected, MediaUnavailable, PermanentError
from fasttriage.domain.models import (
    CASE_ID_PATTERN,
    MESSAGE_SID_PATTERN,
    StoredMedia,
    TriageJob,
)
from fasttriage.domain.thumbnails import make_thumbnail, thumbnail_key

MAX_MEDIA_BYTES = 10 * 1024 * 1024

# SVG is an image/* type that can carry scripts; the console and the PDF never need it.
_DENIED = frozenset({"image/svg+xml"})
_ALLOWED_PREFIXES = ("image/", "audio/", "video/")
_ALLOWED_EXACT = frozenset({"application/pdf"})

# A fixed table, not `mimetypes` (which reads the host's /etc/mime.types): the same key on every worker.
_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/jpg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/heic": "heic",
    "image/heif": "heif",
    "audio/ogg": "ogg",
    "audio/mpeg": "mp3",
    "audio/mp4": "m4a",
    "audio/aac": "aac",
    "audio/amr": "amr",
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "video/mp4": "mp4",
    "video/3gpp": "3gp",
    "video/quicktime": "mov",
    "application/pdf": "pdf",
}
_SUBTYPE = re.compile(r"[^a-z0-9]+")


def normalize_content_type(content_type: str | None) -> str:
    """'Image/JPEG; charset=x' -> 'image/jpeg'; '' when absent."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def is_allowed_content_type(content_type: str | None) -> bool:
    """image/*, audio/*, video/* (but not SVG) and application/pdf."""
    kind = normalize_content_type(content_type)
    if kind in _DENIED:
        return False
    return kind in _ALLOWED_EXACT or (kind.startswith(_ALLOWED_PREFIXES) and len(kind.split("/", 1)[1]) > 0)


def extension_for(content_type: str) -> str:
    """A file extension for an allowed content type; deterministic, letters and digits only."""
    kind = normalize_content_type(content_type)
    if kind in _EXTENSIONS:
        return _EXTENSIONS[kind]
    subtype = _SUBTYPE.sub("", kind.partition("/")[2].removeprefix("x-"))[:10]
    return subtype or "bin"


def media_key(case_id: str, message_sid: str, index: int, content_type: str) -> str:
    """triage/<summary_id>/media/<message_sid>-<index>.<ext>: the same key for the same media item."""
    if not CASE_ID_PATTERN.match(case_id):
        raise PermanentError("summary_id is not 32 hex digits")
    if not MESSAGE_SID_PATTERN.match(message_sid):
        raise PermanentError("message_sid is not a Twilio message SID")
    return f"triage/{case_id}/media/{message_sid}-{index}.{extension_for(content_type)}"


@dataclass(frozen=True)
class FetchedMedia:
    body: bytes
    content_type: str


class MediaFetcher(Protocol):
    def fetch(self, url: str, declared_content_type: str) -> FetchedMedia:
        """The media's bytes and content type. Raises MediaUnavailable (retry), MediaGone (4xx) or
        MediaRejected (policy: URL, size, content type)."""
        ...


class StoredObjectLike(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def version_id(self) -> str | None: ...


class MediaStore(Protocol):
    def put(self, key: str, body: bytes, content_type: str) -> StoredObjectLike: ...


def store_media(
    job: TriageJob,
    case_id: str,
    fetcher: MediaFetcher,
    store: MediaStore,
    *,
    retry_transient: bool = True,
    thumbnails: bool = False,
) -> list[StoredMedia]:
    """Downloads each media item of the job's message and stores it under the case; one result per item.

    Idempotent: the same message gives the same keys (a redelivery overwrites identical content, a new S3
    object version in a versioned bucket). Gone (4xx) -> "unavailable"; refused by policy -> "rejected";
    neither raises. A transient failure raises MediaUnavailable so the job is retried, unless
    `retry_transient` is False (e.g. on the last attempt): then the item is "unavailable" (reason
    "transient") and the text is triaged without it. ReportStoreError (S3) always propagates. With
    `thumbnails`, each stored photo also gets a size-capped JPEG (domain.thumbnails) beside it.
    """
    message_sid = job.message.message_sid
    results: list[StoredMedia] = []
    for index, item in enumerate(job.message.media):
        declared = normalize_content_type(item.content_type)
        if declared and not is_allowed_content_type(declared):
            results.append(
                StoredMedia(index=index, content_type=declared, status="rejected", reason="content_type")
            )
            continue
        try:
            fetched = fetcher.fetch(item.url, declared)
        except MediaGone as exc:
            results.append(
                StoredMedia(index=index, content_type=declared, status="unavailable", reason=exc.reason)
            )
            continue
        except MediaRejected as exc:
            results.append(
                StoredMedia(index=index, content_type=declared, status="rejected", reason=exc.reason)
            )
            continue
        except MediaUnavailable:
            if retry_transient:
                raise
            results.append(
                StoredMedia(index=index, content_type=declared, status="unavailable", reason="transient")
            )
            continue
        content_type = normalize_content_type(fetched.content_type)
        if not is_allowed_content_type(content_type):  # a fetcher must check this too; never store it
            results.append(
                StoredMedia(index=index, content_type=declared, status="rejected", reason="content_type")
            )
            continue
        key = media_key(case_id, message_sid, index, content_type)
        stored = store.put(key, fetched.body, content_type)
        thumb = None
        if thumbnails:
            small = make_thumbnail(fetched.body, content_type)
            thumb = store.put(thumbnail_key(key), small, "image/jpeg") if small is not None else None
        results.append(
            StoredMedia(
                index=index,
                content_type=content_type,
                status="stored",
                key=stored.key,
                s3_version_id=stored.version_id,
                size=len(fetched.body),
                thumbnail_key=thumb.key if thumb is not None else None,
                thumbnail_version_id=thumb.version_id if thumb is not None else None,
            )
        )
    return results
