"""One case's conversation as the doctor reads it: the patient's messages and what was sent to the patient
(replies, emergency instructions, follow-ups), in one thread, oldest first.

Pure: the stored messages, the outbound log's records and a link maker (short-lived presigned URLs for photo
thumbnails) are passed in.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field

from fasttriage.domain.followup import OutboundRecord
from fasttriage.domain.models import ConversationMessage, Location

MACHINE_TRANSCRIPTION = "machine transcription"


class MediaView(BaseModel):
    index: int
    content_type: str
    status: str
    thumbnail_url: str | None = Field(default=None, description="Short-lived presigned URL of the thumbnail.")
    transcript: str | None = None
    transcript_status: str | None = None
    transcript_note: str | None = Field(
        default=None, description=f"'{MACHINE_TRANSCRIPTION}' for a transcript."
    )


class LocationView(BaseModel):
    latitude: float
    longitude: float
    address: str | None = None
    label: str | None = None
    map_url: str


class ThreadEntry(BaseModel):
    direction: Literal["in", "out"]
    at: datetime
    text: str = ""
    message_sid: str | None = Field(default=None, description="Inbound: Twilio's MessageSid.")
    location: LocationView | None = None
    media: list[MediaView] = Field(default_factory=list)
    kind: str | None = Field(
        default=None, description="Outbound: reply, template, instruction:<level>, followup."
    )
    by: str | None = Field(default=None, description="Outbound: the doctor, or the system that decided.")
    state: str | None = Field(default=None, description="Outbound: sending, sent, rejected, unknown.")
    delivery_status: str | None = Field(
        default=None, description="Outbound: Twilio's last status (queued, sent, delivered, read, failed...)."
    )
    error_code: str | None = Field(default=None, description="Outbound: Twilio's error code of a failure.")


def _utc(value: datetime | None) -> datetime:
    if value is None:
        return datetime.fromtimestamp(0, UTC)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def location_view(place: Location | None) -> LocationView | None:
    if place is None:
        return None
    return LocationView(**place.model_dump(), map_url=place.map_url)


ThumbnailLink = Callable[[str, str | None], str]  # (key, version id) -> presigned URL


def inbound_entry(message: ConversationMessage, thumbnail_link: ThumbnailLink | None) -> ThreadEntry:
    media = [
        MediaView(
            index=m.index,
            content_type=m.content_type,
            status=m.status,
            thumbnail_url=(
                thumbnail_link(m.thumbnail_key, m.thumbnail_version_id)
                if thumbnail_link is not None and m.thumbnail_key
                else None
            ),
            transcript=m.transcript,
            transcript_status=m.transcript_status,
            transcript_note=MACHINE_TRANSCRIPTION if m.transcript else None,
        )
        for m in message.stored_media
    ]
    if not media:  # media never processed (downloads off): at least say what was sent
        media = [
            MediaView(index=i, content_type=m.content_type, status="not_stored")
            for i, m in enumerate(message.media)
        ]
    return ThreadEntry(
        direction="in",
        at=_utc(message.received_at),
        text=message.body,
        message_sid=message.message_sid,
        location=location_view(message.location),
        media=media,
    )


def outbound_entry(record: OutboundRecord) -> ThreadEntry:
    return ThreadEntry(
        direction="out",
        at=_utc(record.created_at),
        text=record.body,
        kind=record.kind,
        by=record.by,
        state=record.state,
        delivery_status=record.delivery_status,
        error_code=record.error_code,
    )


def build_thread(
    messages: list[ConversationMessage],
    outbound: list[OutboundRecord],
    thumbnail_link: ThumbnailLink | None = None,
) -> list[ThreadEntry]:
    """Inbound and outbound in one list, oldest first (an inbound message first on a tie)."""
    entries = [inbound_entry(m, thumbnail_link) for m in messages] + [outbound_entry(r) for r in outbound]
    return sorted(entries, key=lambda e: (e.at, e.direction != "in"))
