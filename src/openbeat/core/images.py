"""Uploaded images: checked by content, size-capped, and re-encoded so no metadata survives."""

import io

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 40-megapixel photo; more is a decompression bomb
MAX_SIDE = 2048
ACCEPTED = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}


def reencode(upload: File[bytes]) -> tuple[ContentFile[bytes], int, int]:
    """A clean JPEG (ContentFile, width, height) from an uploaded file, or ValidationError.

    The original bytes are never stored: EXIF, GPS, comments and colour profiles are dropped.
    """
    if upload.size > MAX_BYTES:
        raise ValidationError(
            _("%(name)s is larger than 10 MB. Please send a smaller photo.") % {"name": upload.name}
        )
    data = upload.read()
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            if kind not in ACCEPTED:
                raise UnidentifiedImageError(kind)
            if probe.width * probe.height > MAX_PIXELS:
                raise Image.DecompressionBombError("too many pixels")
            probe.verify()
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            image = ImageOps.exif_transpose(opened).convert("RGB")
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            image.save(out, "JPEG", quality=85, optimize=True)
    except Image.DecompressionBombError as exc:
        raise ValidationError(
            _("%(name)s is too large in pixels to be a photo. Please send a smaller one.")
            % {"name": upload.name}
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            _("%(name)s is not a photo we can read. Please send a JPEG, PNG, WebP or GIF image.")
            % {"name": upload.name}
        ) from exc
    return ContentFile(out.getvalue()), image.width, image.height
