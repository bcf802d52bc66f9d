"""QR codes of a meeting's links, drawn as inline SVG (segno), for phones to scan."""

import segno
from django.utils.safestring import SafeString, mark_safe


def qr_svg(url: str) -> SafeString:
    """A QR code of `url` as inline SVG: black on white with its quiet zone, sized by CSS."""
    code = segno.make(url, error="m")
    # segno writes the SVG from the URL's bits alone: no text of the URL reaches the markup.
    return mark_safe(code.svg_inline(scale=6, dark="#000", light="#fff", omitsize=True))  # noqa: S308
