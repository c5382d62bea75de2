"""Photo thumbnails for the PDF and the console: a size-capped JPEG made from a stored photo.

The full photo stays in S3 (private, under the case); the thumbnail is what the report embeds and what the
console shows through a short-lived presigned URL. Pillow does the work (it comes with reportlab); a photo it
cannot read, or one too large to decode safely, simply gets no thumbnail (the photo is still stored and listed).
"""

from __future__ import annotations

import io

MAX_SIDE_PX = 480  # the longest side of a thumbnail
MAX_BYTES = 80 * 1024  # a thumbnail never weighs more than this (quality steps down until it fits)
MAX_SOURCE_PIXELS = 40_000_000  # refuse to decode anything larger (a decompression bomb)
_QUALITIES = (80, 65, 50, 35)
THUMBNAIL_TYPES = frozenset({"image/jpeg", "image/jpg", "image/png", "image/gif", "image/webp"})


def thumbnail_key(media_key: str) -> str:
    return f"{media_key}.thumb.jpg"


def make_thumbnail(body: bytes, content_type: str) -> bytes | None:
    """A JPEG of at most MAX_SIDE_PX x MAX_SIDE_PX and MAX_BYTES; None for a type or an image it cannot use."""
    if content_type not in THUMBNAIL_TYPES:
        return None
    from PIL import Image, ImageOps

    try:
        with Image.open(io.BytesIO(body)) as image:
            if image.width * image.height > MAX_SOURCE_PIXELS:
                return None
            image.draft("RGB", (MAX_SIDE_PX * 2, MAX_SIDE_PX * 2))  # JPEG: decode at a reduced scale
            picture = ImageOps.exif_transpose(image).convert("RGB")  # phones store rotation in EXIF
            picture.thumbnail((MAX_SIDE_PX, MAX_SIDE_PX))
            for quality in _QUALITIES:
                out = io.BytesIO()
                picture.save(out, "JPEG", quality=quality, optimize=True)  # no EXIF: no location, no device
                if out.tell() <= MAX_BYTES:
                    return out.getvalue()
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    return None
