"""Where a concern is: which area and agency a point falls in, and what is near it."""

import math

from django.db.models import TextField
from django.db.models.functions import Cast

from openbeat.core import geo
from openbeat.core.models import Area

EARTH_RADIUS_M = 6_371_000


def distance_m(lat1, lon1, lat2, lon2):
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def bbox_around(lat, lon, metres):
    """(south, west, north, east) of a box that holds the circle of `metres` around a point."""
    dlat = metres / 111_320
    dlon = metres / (111_320 * max(math.cos(math.radians(lat)), 0.01))
    return lat - dlat, lon - dlon, lat + dlat, lon + dlon


def area_at(lat, lon):
    """The area holding the point, or None when no agency here serves it.

    Boundaries are read as text, not decoded: each is parsed and prepared once per process
    (`geo.prepared`), and only those whose bounding box holds the point are tested.
    """
    boundaries = Area.objects.annotate(text=Cast("boundary", TextField())).values_list("pk", "text")
    for pk, text in boundaries:
        if geo.text_contains(text, lat, lon):
            return Area.objects.select_related("agency").get(pk=pk)
    return None
