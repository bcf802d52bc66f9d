"""Finding open concerns that look like the one being reported, so residents can add their voice."""

import datetime

from django.utils import timezone
from rapidfuzz import fuzz

from openbeat.concerns.location import bbox_around, distance_m
from openbeat.concerns.models import OPEN_STATUSES, Concern

NEARBY_M = 250
LOOKBACK_DAYS = 90
MIN_SCORE = 55


def similar_open_concerns(category_slug, lat, lon, description, limit=3):
    """Public open concerns of the same kind within 250 m, best match first."""
    if lat is None or lon is None:
        return []
    south, west, north, east = bbox_around(lat, lon, NEARBY_M)
    since = timezone.now() - datetime.timedelta(days=LOOKBACK_DAYS)
    candidates = (
        Concern.objects.filter(
            category__slug=category_slug,
            status__in=OPEN_STATUSES,
            is_private=False,
            is_hidden=False,
            category__is_sensitive=False,
            created_at__gte=since,
            latitude__range=(south, north),
            longitude__range=(west, east),
        )
        .select_related("category")
        .order_by("-created_at")[:200]
    )
    scored = []
    for concern in candidates:
        metres = distance_m(lat, lon, float(concern.latitude), float(concern.longitude))
        if metres > NEARBY_M:
            continue
        text = fuzz.token_set_ratio(description.lower(), concern.description.lower())
        # Very close reports of the same category count even when worded differently.
        score = text + max(0, 30 - metres / 10)
        if score >= MIN_SCORE:
            scored.append((score, concern))
    scored.sort(key=lambda pair: -pair[0])
    return [concern for _score, concern in scored[:limit]]
