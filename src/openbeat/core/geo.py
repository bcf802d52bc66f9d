"""Areas as GeoJSON polygons, tested with shapely.

shapely (with numpy, ~17 MB of a process) is imported by the functions that use it: a web
worker that only serves public pages never loads it.
"""

import json
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

if TYPE_CHECKING:  # shapely itself is imported where it is used (see above)
    from shapely.geometry.base import BaseGeometry
    from shapely.prepared import PreparedGeometry


def validate_polygon(value: object) -> None:
    from shapely.geometry import shape

    if not isinstance(value, dict) or value.get("type") not in {"Polygon", "MultiPolygon"}:
        raise ValidationError(_("The boundary must be a GeoJSON Polygon or MultiPolygon."))
    try:
        geometry = shape(value)
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise ValidationError(
            _("The boundary is not valid GeoJSON: %(error)s"), params={"error": exc}
        ) from exc
    if not geometry.is_valid or geometry.is_empty:
        raise ValidationError(_("The boundary crosses itself or is empty; redraw it."))


@lru_cache(maxsize=512)
def _shape(frozen: str) -> "BaseGeometry":
    from shapely.geometry import shape

    return shape(json.loads(frozen))


def polygon_contains(boundary: dict[str, Any], lat: float, lon: float) -> bool:
    from shapely.geometry import Point

    return _shape(json.dumps(boundary, sort_keys=True)).covers(Point(lon, lat))


@lru_cache(maxsize=2048)
def prepared(text: str) -> tuple[tuple[float, float, float, float], "PreparedGeometry[Any]"]:
    """(bounds, prepared shape) of a boundary given as its stored JSON text, once per process."""
    from shapely.geometry import shape
    from shapely.prepared import prep

    geometry = shape(json.loads(text))
    return geometry.bounds, prep(geometry)


def text_contains(text: str, lat: float, lon: float) -> bool:
    """Whether the boundary stored as `text` holds the point; cheap when it is far away."""
    (west, south, east, north), geometry = prepared(text)
    if not (south <= lat <= north and west <= lon <= east):
        return False
    from shapely.geometry import Point

    return geometry.covers(Point(lon, lat))
