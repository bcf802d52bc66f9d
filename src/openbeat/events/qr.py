"""The QR code of a reply, for check-in at the door: on the reply's page (SVG) and in its
email (PNG). It carries `RSVP.check_in_url()`: the staff check-in page of the meeting with the
reply's short code, so scanned by a stranger it opens only the staff sign-in, and it can neither
cancel the reply nor tell anyone's name. And the QR code of any of a meeting's public links (its
questions, for the room's screen).

segno is imported by the functions that draw a code, not when a web worker starts (~2 MB that
most pages never use; tests/core/test_serving_imports.py)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from openbeat.events.models import RSVP

if TYPE_CHECKING:
    import segno


def _qr(rsvp: RSVP) -> segno.QRCode:
    import segno

    return segno.make(rsvp.check_in_url(), error="m")


def check_in_svg(rsvp: RSVP) -> SafeString:
    """Inline SVG, named for screen readers with the code printed beside it."""
    label = _("QR code for check-in at the meeting, code %(code)s") % {
        "code": rsvp.check_in_code_shown
    }
    svg = _qr(rsvp).svg_inline(scale=5, light="#fff", svgclass="qr")
    # segno's own markup (the modules as one path); our label is escaped.
    return mark_safe(svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1))  # noqa: S308


def check_in_png(rsvp: RSVP) -> bytes:
    """A PNG big enough to scan from a phone's screen or a printout (about 300 px)."""
    out = io.BytesIO()
    _qr(rsvp).save(out, kind="png", scale=8, border=4)
    return out.getvalue()


def qr_svg(url: str) -> SafeString:
    """A QR code of `url` as inline SVG: black on white with its quiet zone, sized by CSS."""
    import segno

    code = segno.make(url, error="m")
    # segno writes the SVG from the URL's bits alone: no text of the URL reaches the markup.
    return mark_safe(code.svg_inline(scale=6, dark="#000", light="#fff", omitsize=True))  # noqa: S308
