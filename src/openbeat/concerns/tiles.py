"""The map's grid: tiles 0.05° on a side (about 5.5 × 4 km), numbered row × 10,000 + column.

Each concern stores its tile, and the index concern_pins (tile, created_at, id, then every
column a pin shows: concerns migration 0006) makes "the newest pins of this place" one range of
one index, however many concerns the database holds. A box's tiles are read in one statement
that merges their ranges newest first (concerns/views.py, `_merged`). A tile is also the unit the
page cache invalidates: a new concern empties the cached pins of its own tile only.
"""

import math
from decimal import Decimal

PER_DEGREE = 20
ROWS = 180 * PER_DEGREE  # rows 0..3600: latitude -90..90
COLUMNS = 360 * PER_DEGREE  # columns 0..7200: longitude -180..180
EDGE = 1e-6  # a point this near a tile's edge may be stored in the tile beside it


def tile_of(lat, lon):
    """The tile holding a point, computed exactly on the stored decimals."""
    if lat is None or lon is None:
        return None
    row = math.floor((Decimal(str(lat)) + 90) * PER_DEGREE)
    column = math.floor((Decimal(str(lon)) + 180) * PER_DEGREE)
    return min(row, ROWS) * 10_000 + min(column, COLUMNS)


def tiles_in(south, west, north, east, most):
    """The tiles a box touches (with a margin for points on an edge), or None if over `most`."""
    first_row = max(math.floor((south + 90 - EDGE) * PER_DEGREE), 0)
    last_row = min(math.floor((north + 90 + EDGE) * PER_DEGREE), ROWS)
    first_column = max(math.floor((west + 180 - EDGE) * PER_DEGREE), 0)
    last_column = min(math.floor((east + 180 + EDGE) * PER_DEGREE), COLUMNS)
    if (last_row - first_row + 1) * (last_column - first_column + 1) > most:
        return None
    return [
        row * 10_000 + column
        for row in range(first_row, last_row + 1)
        for column in range(first_column, last_column + 1)
    ]


def bounds(tile):
    """(south, west, north, east) of a tile."""
    row, column = divmod(tile, 10_000)
    return (
        row / PER_DEGREE - 90,
        column / PER_DEGREE - 180,
        (row + 1) / PER_DEGREE - 90,
        (column + 1) / PER_DEGREE - 180,
    )


def inside(tile, south, west, north, east):
    """Whether the whole tile lies in the box (its points need no test of their own)."""
    t_south, t_west, t_north, t_east = bounds(tile)
    return south <= t_south and t_north <= north and west <= t_west and t_east <= east


def scope(tile):
    """The page cache's scope for one tile's pins."""
    return f"tile:{tile}"
