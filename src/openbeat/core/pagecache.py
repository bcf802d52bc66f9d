"""A cache of whole public pages for anonymous readers, keyed by a version every write bumps.

The version lives in the database (one row), so every server process sees every write; each
process re-reads it at most once a second (VERSION_TTL), and at once after its own writes. The
cached bytes live in Django's cache (per process). Cached pages are gzipped once, for the
readers (browsers, calendar apps) that accept it.
"""

import functools
import gzip
import hashlib
import threading
import time

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.http import HttpResponse, HttpResponseNotModified
from django.utils import translation
from django.utils.cache import patch_vary_headers

from openbeat.core.models import PublicVersion

TTL = 300  # pages also change as meetings pass: at most five minutes behind the clock
VERSION_TTL = 1.0  # seconds another process may take to see a write
_local = {"version": None, "read_at": 0.0}
_lock = threading.Lock()


def current():
    now = time.monotonic()
    if _local["version"] is not None and now - _local["read_at"] < VERSION_TTL:
        return _local["version"]
    row = PublicVersion.objects.filter(pk=1).values_list("counter", flat=True).first()
    with _lock:
        _local["version"], _local["read_at"] = row or 0, now
    return row or 0


def forget():
    """Read the version afresh next time (after this process's own writes, and in tests)."""
    with _lock:
        _local["version"] = None


def bump():
    """Call inside the write's transaction: public pages change when (and if) it commits."""
    if not PublicVersion.objects.filter(pk=1).update(counter=F("counter") + 1):
        with transaction.atomic():
            PublicVersion.objects.get_or_create(pk=1, defaults={"counter": 1})
    forget()
    transaction.on_commit(forget)


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
                gzip.compress(response.content, compresslevel=6),
                response["Content-Type"],
                {k: v for k, v in response.items() if k == "Content-Disposition"},
            )
            cache.set(key, stored, TTL)
        content, compressed, content_type, headers = stored
        if "gzip" in request.headers.get("Accept-Encoding", ""):
            response = HttpResponse(compressed, content_type=content_type, headers=headers)
            response["Content-Encoding"] = "gzip"
        else:
            response = HttpResponse(content, content_type=content_type, headers=headers)
        patch_vary_headers(response, ["Accept-Encoding"])
        response["ETag"] = etag
        return response

    return wrapper
