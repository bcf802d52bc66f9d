from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from openbeat.core import pagecache
from openbeat.core.models import Agency
from openbeat.core.pagecache import public_page
from openbeat.hotspots.models import HotspotMap, Kind, page_scope


def significant_cells(hotspot_map):
    """The hot and cold cells of a map, with their outline and centre, as pages show them."""
    import h3  # numpy and h3 load with the first hotspot page, not with every process's URLs

    if hotspot_map is None or hotspot_map.computed_at is None:
        return []
    cells = []
    significant = hotspot_map.cells.filter(confidence__gt=0).select_related("area", "venue")
    for cell in significant.order_by("-confidence", "-z", "cell"):
        lat, lon = h3.cell_to_latlng(cell.cell)
        cells.append(
            {
                "cell": cell.cell,
                "kind": cell.kind,
                "hot": cell.kind == Kind.HOT,
                "label": cell.get_kind_display(),
                "confidence": cell.confidence,
                "concerns": cell.concerns,
                "z": round(cell.z, 2),
                "q": cell.q,
                "area": cell.area.name if cell.area else "",
                "venue": cell.venue.name if cell.venue else "",
                "address": cell.venue.address if cell.venue else "",
                "metres": cell.venue_metres,
                "lat": round(lat, 4),
                "lon": round(lon, 4),
                "outline": [[round(a, 6), round(b, 6)] for a, b in h3.cell_to_boundary(cell.cell)],
            }
        )
    return cells


def hotspot_context(agency, ask_for_refresh=True):
    """What a page needs to show an agency's hotspots.

    With `ask_for_refresh`, a run is queued when the map is stale (which counts the agency's
    concerns of the year); without, the stored map is shown as it is: for pages that must not
    read the concerns table, whose map the worker keeps fresh (see insights.dashboards).
    """
    import h3

    from openbeat.hotspots import compute, gistar

    if ask_for_refresh:
        hotspot_map = compute.refresh_if_stale(agency)
    else:
        hotspot_map = HotspotMap.objects.filter(agency=agency).first()
    cells = significant_cells(hotspot_map)
    resolution = hotspot_map.resolution if hotspot_map and hotspot_map.computed_at else 9
    return {
        "hotspot_map": hotspot_map,
        "hotspot_cells": cells,
        "hotspot_legend": [
            (kind, level)
            for kind in ("hot", "cold")
            for level in gistar.LEVELS
            if kind == "hot" or any(c["kind"] == "cold" for c in cells)
        ],
        "min_concerns": compute.MIN_CONCERNS,
        "min_cell_concerns": compute.MIN_CELL_CONCERNS,
        "near_metres": compute.NEAR_METRES,
        # A hexagon's size, for the page's explanation: its area, and its width side to side.
        "cell_km2": f"{h3.average_hexagon_area(resolution, 'km^2'):.1g}",
        "cell_across": int(round(3**0.5 * h3.average_hexagon_edge_length(resolution, "m"), -1)),
    }


def _hotspot_scopes(request, slug):
    agency_id = pagecache.agency_id_for_slug(slug)
    if agency_id is None:
        return None
    return [pagecache.SITE, page_scope(agency_id)]


@require_GET
@public_page(scopes=_hotspot_scopes)
def agency_hotspots(request, slug):
    agency = get_object_or_404(Agency, slug=slug)
    return render(request, "hotspots/agency.html", {"agency": agency, **hotspot_context(agency)})
