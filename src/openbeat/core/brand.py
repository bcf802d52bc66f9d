"""The department's own face: which agency the site speaks for.

An installation run by one department shows that department's name, logo and colour in the
header and page titles, instead of "OpenBeat". Which agency: `OPENBEAT_SITE_AGENCY` (its short
name in links), or the only agency if there is one; several agencies sharing a site with none
named keep the neutral "OpenBeat". The colour is checked by `core.colours`.

Every rendered page shows it, so a process keeps it for a minute (MEMO_TTL) instead of asking
the database on every page-cache miss; saving or deleting an agency forgets it at once in the
process that saved it, and within the minute in the others.
"""

import threading
import time
from urllib.parse import urljoin

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from openbeat.core import colours
from openbeat.core.models import Agency

MEMO_TTL = 60.0
_memo: dict[str, tuple[Agency | None, float]] = {}
_lock = threading.Lock()


def site_agency() -> Agency | None:
    """The agency this site speaks for, or None."""
    key = settings.SITE_AGENCY
    with _lock:
        found = _memo.get(key)
    if found is not None and time.monotonic() - found[1] < MEMO_TTL:
        return found[0]
    if key:
        agency = Agency.objects.filter(slug=key).first()
    else:
        two = list(Agency.objects.all()[:2])
        agency = two[0] if len(two) == 1 else None
    with _lock:
        _memo[key] = (agency, time.monotonic())
    return agency


@receiver(post_save, sender=Agency)
@receiver(post_delete, sender=Agency)
def forget(**kwargs: object) -> None:
    with _lock:
        _memo.clear()


DEFAULT_COLOUR = "#0b4f8a"  # site.css's --brand


def email_face(agency: Agency, base_url: str) -> dict[str, str]:
    """What an email from `agency` shows of it: its name, its logo's absolute address ("" when
    it has none) and its colour for the header band and links, or the site's own blue when it
    has none or one white text cannot be read on (a row stored past validation)."""
    colour = agency.colour or ""
    if not colours.is_colour(colour) or colours.contrast_with_white(colour) < colours.MIN_CONTRAST:
        colour = DEFAULT_COLOUR
    logo = urljoin(base_url.rstrip("/") + "/", agency.logo.url) if agency.logo else ""
    return {"name": agency.name, "logo_url": logo, "colour": colour}
