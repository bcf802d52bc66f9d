"""A cache of whole public pages for anonymous readers, keyed by a version every write bumps.

The version lives in the database (one row), so every server process sees a write at once and
nothing cached is ever served stale; the cached bytes live in Django's cache (per process by
default, or shared when OPENBEAT_CACHE_URL is set).
"""

import functools
import hashlib

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.http import HttpResponse, HttpResponseNotModified
from django.utils import translation

from openbeat.core.models import PublicVersion

TTL = 300  # pages also change as meetings pass: at most five minutes behind the clock


def current():
    row = PublicVersion.objects.filter(pk=1).values_list("counter", flat=True).first()
    return row or 0


def bump():
    """Call inside the write's transaction: public pages change when (and if) it commits."""
    if not PublicVersion.objects.filter(pk=1).update(counter=F("counter") + 1):
        with transaction.atomic():
            PublicVersion.objects.get_or_create(pk=1, defaults={"counter": 1})


def _cacheable(request):
    return (
        request.method in ("GET", "HEAD")
        and not request.user.is_authenticated
        and "messages" not in request.COOKIES
        and not request.session.get("_messages")
    )


def public_page(view):
    """Serve `view` from the cache for anonymous GETs; answer 304 when the reader has it."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _cacheable(request):
            return view(request, *args, **kwargs)
        version = current()
        raw = f"{version}:{translation.get_language()}:{request.get_full_path()}"
        key = "page:" + hashlib.sha256(raw.encode()).hexdigest()
        etag = f'"{key[5:37]}"'
        if request.headers.get("If-None-Match") == etag:
            return HttpResponseNotModified(headers={"ETag": etag})
        stored = cache.get(key)
        if stored is None:
            response = view(request, *args, **kwargs)
            if response.status_code != 200 or response.streaming:
                return response
            stored = (
                response.content,
                response["Content-Type"],
                {k: v for k, v in response.items() if k == "Content-Disposition"},
            )
            cache.set(key, stored, TTL)
        content, content_type, headers = stored
        response = HttpResponse(content, content_type=content_type, headers=headers)
        response["ETag"] = etag
        return response

    return wrapper
