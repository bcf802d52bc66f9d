"""Per-client rate limits on public writes, counted in the database so every worker agrees.

Clients are identified by a keyed hash of their IP address: the address itself is never stored.
"""

import datetime
import hashlib
import hmac
import math

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from openbeat.core.models import RateCounter


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def too_many(request: HttpRequest, retry_after: int) -> HttpResponse:
    """The 429 page: how long to wait, and the 911 reminder; Retry-After for programs."""
    from django.shortcuts import render

    minutes = max(1, retry_after // 60)
    response = render(request, "concerns/too_many.html", {"retry_minutes": minutes}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def client_ip(request: HttpRequest) -> str:
    if settings.SECURE_PROXY_SSL_HEADER:  # behind a trusted proxy: its view of the client
        forwarded: str = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    address: str = request.META.get("REMOTE_ADDR", "")
    return address


def client_key(request: HttpRequest) -> str:
    return keyed(client_ip(request))


def keyed(value: str) -> str:
    """A keyed hash of what is counted (an address, an email): the value itself is never stored."""
    digest = hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def hit(scope: str, key: str, limit: int, period_seconds: int) -> None:
    """Count one action of `scope` by `key`; raise RateLimited past `limit` per period."""
    now = timezone.now()
    window = math.floor(now.timestamp() / period_seconds) * period_seconds
    start = datetime.datetime.fromtimestamp(window, tz=datetime.UTC)
    with transaction.atomic():
        counter, created = RateCounter.objects.get_or_create(
            scope=scope, key=key, window_start=start, defaults={"hits": 1}
        )
        if not created:
            RateCounter.objects.filter(pk=counter.pk).update(hits=F("hits") + 1)
            counter.refresh_from_db(fields=["hits"])
        if created:  # a new window: sweep the day-old ones
            RateCounter.objects.filter(window_start__lt=start - datetime.timedelta(days=1)).delete()
    if counter.hits > limit:
        raise RateLimited(int(window + period_seconds - now.timestamp()) + 1)
