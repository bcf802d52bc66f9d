"""Finding open concerns that look like the one being reported, so residents can add their voice.

rapidfuzz is imported when a submission asks, not when a web worker starts (~4 MB that the
pages read never use; tests/core/test_serving_imports.py).

The candidates are read through the public point's index (the box), never through the
category's: `concern_category_status` (migration 0009, for the list's counts) looked cheaper to
SQLite's planner and read every open concern of the category in the agency's town (p50 24 -> 43
ms in the benchmark's dense town at 1,000,000 concerns), so the category is compared as
`category_id + 0`, which no index serves. The stored Open311 item (~560 bytes) is not read.
"""

import datetime

from django.db.models import F, IntegerField
from django.db.models.expressions import ExpressionWrapper
from django.utils import timezone

from openbeat.concerns.location import bbox_around, distance_m
from openbeat.concerns.models import OPEN_STATUSES, Category, Concern

NEARBY_M = 250
LOOKBACK_DAYS = 90
MIN_SCORE = 55


def similar_open_concerns(category_slug, lat, lon, description, limit=3):
    """Public open concerns of the same kind within 250 m of their PUBLIC point, best match
    first: the typed point is anyone's guess, so the distance and the score it gives never come
    from a concern's exact point."""
    if lat is None or lon is None:
        return []
    from rapidfuzz import fuzz

    since = timezone.now() - datetime.timedelta(days=LOOKBACK_DAYS)
    candidates = (
        Concern.objects.public()
        .in_public_box(*bbox_around(lat, lon, NEARBY_M))
        .alias(category_number=ExpressionWrapper(F("category_id") + 0, output_field=IntegerField()))
        .filter(
            category_number__in=Category.objects.filter(slug=category_slug).values("pk"),
            status__in=OPEN_STATUSES,
            created_at__gte=since,
        )
        .select_related("category")
        .defer("open311_item")
        .order_by("-created_at", "-id")[:200]
    )
    scored = []
    for concern in candidates:
        metres = distance_m(lat, lon, *concern.public_point())
        if metres > NEARBY_M:
            continue
        text = fuzz.token_set_ratio(description.lower(), concern.description.lower())
        # Very close reports of the same category count even when worded differently.
        score = text + max(0, 30 - metres / 10)
        if score >= MIN_SCORE:
            scored.append((score, concern))
    scored.sort(key=lambda pair: -pair[0])
    return [concern for _score, concern in scored[:limit]]
