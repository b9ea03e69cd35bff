"""Checking review photos: a file is a photo only if Pillow decodes it as one of the formats we
accept, within the size limits. Names are random, so a stored photo cannot be found by guessing."""

import secrets
from dataclasses import dataclass
from typing import IO, Any

from PIL import Image, UnidentifiedImageError

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_PHOTOS = 3
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}


class PhotoError(ValueError):
    pass


@dataclass(frozen=True)
class CheckedPhoto:
    content_type: str
    extension: str
    width: int
    height: int


def photo_check(upload: IO[bytes], size: int | None) -> CheckedPhoto:
    """Decode `upload` fully (not only its header); raise PhotoError with a reason a customer reads."""
    if size is not None and size > MAX_BYTES:
        raise PhotoError(f"A photo may be at most {MAX_BYTES // (1024 * 1024)} MB.")
    try:
        with Image.open(upload) as image:
            kind = image.format or ""
            width, height = image.size
            if kind not in FORMATS:
                raise PhotoError("Photos must be JPEG, PNG or WebP images.")
            if width * height > MAX_PIXELS:
                raise PhotoError("That photo has too many pixels.")
            image.load()  # decodes every pixel: a truncated or disguised file fails here
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError) as error:
        raise PhotoError("That file is not a photo we can read.") from error
    finally:
        upload.seek(0)
    content_type, extension = FORMATS[kind]
    return CheckedPhoto(content_type=content_type, extension=extension, width=width, height=height)


def photo_name(instance: Any, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"feedback/reviews/{secrets.token_urlsafe(18)}.{extension}"
