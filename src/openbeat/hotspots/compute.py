"""Hotspots of an agency's public concerns: binning on H3, Gi*, storing and refreshing the result.

Only what the public may see goes in: public concerns (not private, not hidden, not in a
sensitive category) at their stored public point (about-people concerns rounded to ~100 m),
reported in the last WINDOW_DAYS days.

A cell is called hot or cold only when Gi* is significant after the Benjamini-Hochberg
correction, the map holds at least MIN_CONCERNS concerns, and — for a hot spot — the cell
itself holds at least MIN_CELL_CONCERNS: Gi* sums a cell with its six neighbours, so an empty
hexagon beside a busy one would otherwise be "hot". Each hot or cold cell is named by the
smallest of the agency's areas holding its centre and its nearest venue within NEAR_METRES.
"""

import datetime
import math
from collections import Counter

import h3.api.basic_int as h3
import numpy as np
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from openbeat.concerns.models import Concern
from openbeat.core import pagecache
from openbeat.core.background import WriteBusy, enqueue_with_write, optional_write, task
from openbeat.core.models import Agency
from openbeat.hotspots import gistar
from openbeat.hotspots.models import HotspotCell, HotspotMap, Kind, page_scope

WINDOW_DAYS = 365
MIN_CONCERNS = 30  # fewer than this and no cell is called hot or cold
MIN_CELL_CONCERNS = 5  # a hot spot holds at least this many concerns itself
NEAR_METRES = 500  # a venue this close names a hot or cold cell ("near Smyrna Town Hall")
RESOLUTION_WITHOUT_AREAS = 9
REQUEST_AGAIN_AFTER = datetime.timedelta(minutes=15)  # a queued run that never ran is asked again


def _window_start(now):
    return (now - datetime.timedelta(days=WINDOW_DAYS)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )


def _concerns(agency, since):
    return Concern.objects.public().filter(
        agency=agency,
        created_at__gte=since,
        public_latitude__isnull=False,
        public_longitude__isnull=False,
    )


def resolution_of(agency):
    boundaries = list(agency.areas.values_list("boundary", flat=True))
    if not boundaries:
        return RESOLUTION_WITHOUT_AREAS
    return gistar.resolution_for(gistar.area_km2(boundaries))


def signature(agency, now=None):
    """What a map depends on: the window, the resolution and which public concerns are in it.

    A concern hidden, made private or reported changes the count or the sum of ids.
    """
    since = _window_start(now or timezone.now())
    seen = _concerns(agency, since).order_by().aggregate(n=Count("pk"), ids=Sum("pk"))
    return f"{since.date().isoformat()}|{resolution_of(agency)}|{seen['n']}|{seen['ids'] or 0}"


def bin_concerns(rows, resolution):
    """Counts per H3 cell (int) of (public latitude, public longitude) rows."""
    counts = Counter()
    for lat, lon in rows:
        counts[h3.latlng_to_cell(float(lat), float(lon), resolution)] += 1
    return counts


def study_cells(agency, counts, resolution):
    """Every cell of the agency's areas (empty ones count: they are the quiet background), and
    any cell outside them that holds a concern."""
    cells = set(counts)
    for boundary in agency.areas.values_list("boundary", flat=True):
        cells.update(h3.geo_to_cells(boundary, resolution))
    return np.array(sorted(cells), dtype=np.uint64)


def analyse(cells, counts):
    """Gi* z, two-sided p, BH q and confidence level for each cell (row order of `cells`)."""
    y = np.array([counts.get(int(c), 0) for c in cells], dtype=np.float64)
    z = gistar.gi_star(y, gistar.neighbour_index(cells))
    p = gistar.two_sided_p(z)
    q = gistar.benjamini_hochberg(p)
    return y, z, p, q, gistar.confidence(q)


def flag(y, z, level):
    """The confidence levels kept: none below MIN_CONCERNS in the map, and no hot spot in a
    cell holding fewer than MIN_CELL_CONCERNS itself (`level` is changed in place)."""
    if y.sum() < MIN_CONCERNS:
        level[:] = 0
    level[(z > 0) & (y < MIN_CELL_CONCERNS)] = 0
    return level


def _metres(lat1, lon1, lat2, lon2):
    """Distance in metres, equirectangular (exact enough within a town)."""
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return 6_371_000 * math.hypot(x, math.radians(lat2 - lat1))


def place_finder(agency):
    """A function naming a point: (smallest area holding it, nearest venue, metres), the venue
    and metres None beyond NEAR_METRES."""
    from shapely.geometry import Point, shape

    areas = sorted(
        ((shape(area.boundary), area) for area in agency.areas.all()), key=lambda a: a[0].area
    )
    venues = [(float(v.latitude), float(v.longitude), v) for v in agency.venues.all()]

    def place_of(lat, lon):
        point = Point(lon, lat)
        area = next((area for geometry, area in areas if geometry.covers(point)), None)
        near = min(((_metres(lat, lon, a, b), v) for a, b, v in venues), default=None)
        if near is None or near[0] > NEAR_METRES:
            return area, None, None
        return area, near[1], round(near[0] / 10) * 10

    return place_of


def compute(agency, now=None):
    """Recompute and store an agency's hotspot map (replacing the last one) in one transaction."""
    now = now or timezone.now()
    since = _window_start(now)
    resolution = resolution_of(agency)
    key = signature(agency, now)
    rows = (
        _concerns(agency, since)
        .values_list("public_latitude", "public_longitude")
        .order_by()
        .iterator(chunk_size=5000)
    )
    counts = bin_concerns(rows, resolution)
    total = sum(counts.values())
    cells = study_cells(agency, counts, resolution)
    y, z, p, q, level = analyse(cells, counts)
    flag(y, z, level)
    place_of = place_finder(agency)
    places = {
        i: place_of(*h3.cell_to_latlng(int(cells[i]))) for i in np.flatnonzero(level).tolist()
    }
    with transaction.atomic():
        hotspot_map, _created = HotspotMap.objects.update_or_create(
            agency=agency,
            defaults={
                "resolution": resolution,
                "window_days": WINDOW_DAYS,
                "signature": key,
                "concerns_count": total,
                "cells_count": len(cells),
                "computed_at": now,
                "requested_at": None,
            },
        )
        hotspot_map.cells.all().delete()
        rows = []
        for i, cell in enumerate(cells):
            area, venue, metres = places.get(i, (None, None, None))
            rows.append(
                HotspotCell(
                    map=hotspot_map,
                    agency=agency,
                    cell=h3.int_to_str(int(cell)),
                    concerns=int(y[i]),
                    z=float(z[i]),
                    p=float(p[i]),
                    q=float(q[i]),
                    confidence=int(level[i]),
                    kind=(Kind.HOT if z[i] > 0 else Kind.COLD) if level[i] else Kind.NONE,
                    area=area,
                    venue=venue,
                    venue_metres=metres,
                )
            )
        HotspotCell.objects.bulk_create(rows, batch_size=1000)
        # Its pages only: the agency's hotspot page and transparency page, not the whole site.
        pagecache.bump(page_scope(agency.pk))
    return hotspot_map


def refresh_if_stale(agency, now=None):
    """Queue one background run when the stored map is missing or stale; returns the map.

    Called by pages: when the worker is busy writing, the request is skipped (the next page
    asks again) rather than keeping the reader waiting.
    """
    now = now or timezone.now()
    hotspot_map = HotspotMap.objects.filter(agency=agency).first()
    if hotspot_map is not None and hotspot_map.signature == signature(agency, now):
        return hotspot_map
    requested = hotspot_map.requested_at if hotspot_map is not None else None
    if requested and now - requested < REQUEST_AGAIN_AFTER:
        return hotspot_map
    try:
        with optional_write():
            if hotspot_map is None:
                HotspotMap.objects.get_or_create(
                    agency=agency,
                    defaults={"resolution": 0, "window_days": WINDOW_DAYS, "signature": ""},
                )
            HotspotMap.objects.filter(agency=agency).update(requested_at=now)
            enqueue_with_write(refresh_hotspots, agency.pk)
    except WriteBusy:
        return hotspot_map
    return HotspotMap.objects.filter(agency=agency).first()


@task()
def refresh_hotspots(agency_id):
    """Gi* runs in the worker, never while a page waits (queued by refresh_if_stale)."""
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is not None:
        compute(agency)
