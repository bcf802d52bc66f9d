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


def area_at(lat: float, lon: float, agency: int | None = None) -> Area | None:
    """The area (of `agency`, when given) holding the point, or None when none serves it.

    Boundaries are read as text, not decoded: each is parsed and prepared once per process
    (`geo.prepared`), and only those whose bounding box holds the point are tested.
    """
    areas = Area.objects.all() if agency is None else Area.objects.filter(agency=agency)
    boundaries = areas.annotate(text=Cast("boundary", TextField())).values_list("pk", "text")
    for pk, text in boundaries:
        if geo.text_contains(text, lat, lon):
            return Area.objects.select_related("agency").get(pk=pk)
    return None


def public_area(area: Area, public_point: tuple[float, float]) -> Area:
    """The area a concern is filed under: of the agency serving its exact point (`area`), the
    one holding its PUBLIC point, or `area` when none does.

    Area names, filters, feeds and figures are public: filed by the exact point, a concern
    about people near a boundary would tell which side of it the exact spot is on. Only the
    agency must follow the exact point (it is the one that serves it).
    """
    if area is None or public_point is None:
        return area
    return area_at(*public_point, agency=area.agency_id) or area


def filed_area(concern, public_point):
    """`public_area` again for a stored concern whose public point changed (its category now
    rounds it differently): from the area of its agency holding the exact point."""
    if not concern.has_point:
        return concern.area
    exact = area_at(float(concern.latitude), float(concern.longitude), agency=concern.agency_id)
    return public_area(exact or concern.area, public_point)
