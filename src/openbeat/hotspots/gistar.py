"""Getis-Ord Gi* on H3 cells, with the analytic z-score and a Benjamini-Hochberg correction.

Weights, as PySAL's `esda.G_Local(y, w, transform="B", star=True)` takes them:

- binary: a cell's neighbours (its H3 k-ring, `grid_disk(cell, k)`, among the cells studied)
  weigh 1, every other cell 0. Not row-standardised: esda's analytic variance,
  E[G]·(n - W_i)/(n - 1)·s²/x̄², holds only when Σ_j w_ij² = Σ_j w_ij, i.e. for 0/1 weights;
  with row-standardised weights its z-scores would not be Getis and Ord's.
- the cell itself is included with weight 1 (that is what makes it Gi* rather than Gi): a cell
  full of concerns is hot even when its neighbours are quiet.

So for cell i with W_i = 1 + (its neighbours among the studied cells), n cells, counts x,
x̄ = mean(x) and s² the population variance (divided by n):

    z_i = (Σ_j w_ij x_j − x̄ W_i) / (s · sqrt(W_i (n − W_i) / (n − 1)))

which is esda's (G_i − E[G_i]) / sqrt(V[G_i]) multiplied through by Σx. Cells at the edge of the
study area have fewer neighbours, and a smaller W_i, exactly as in esda.
"""

import ctypes
import functools
import math

import h3.api.basic_int as h3
import h3.api.memview_int as h3_memview
import numpy as np

# Two-sided confidence levels, highest first, as hot-spot maps conventionally show them.
LEVELS = (99, 95, 90)


@functools.cache
def _c_grid_disks():
    """H3's C `gridDisksUnsafe` (the rings of a whole array in one call), or None.

    h3-py has no array API, but its extension modules carry the H3 C library with its public
    functions exported; ctypes reaches the one that takes an array. Should a later h3-py hide
    them, k_rings falls back to one call per cell: slower, the same rings.
    """
    try:
        from h3._cy import cells as h3_cells

        function = ctypes.CDLL(h3_cells.__file__).gridDisksUnsafe
    except (ImportError, OSError, AttributeError):
        return None
    # H3Error gridDisksUnsafe(H3Index *h3Set, int length, int k, H3Index *out)
    function.restype = ctypes.c_uint32
    function.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_void_p]
    return function


def k_rings(cells, k=1):
    """Each cell's k-ring from H3 as an (n, 3k(k+1)+1) array of cells, the cell itself included.

    One call to H3's C library for every cell at once (0.04 s for 178,000 cells in
    bench/hotspots.py, against 1.2 s for a Python call per cell, ~10 s on a loaded machine). Its
    fast algorithm refuses rings that touch a pentagon (twelve cells per resolution, mostly at
    sea); then every ring is taken one cell at a time, where a ring near a pentagon is short.
    """
    cells = np.ascontiguousarray(cells, dtype=np.uint64)
    width = 3 * k * (k + 1) + 1
    rings = np.zeros((len(cells), width), dtype=np.uint64)
    grid_disks = _c_grid_disks()
    found = (
        len(cells) > 0
        and grid_disks is not None
        and grid_disks(cells.ctypes.data, len(cells), k, rings.ctypes.data) == 0
    )
    return rings if found else k_rings_per_cell(cells, k)  # else: no C library, or a pentagon


def k_rings_per_cell(cells, k=1):
    """k_rings with one H3 call per cell (its memoryview API, the cheapest), the rings joined as
    raw bytes. Near a pentagon a ring is short: padded with 0, never a cell."""
    cells = np.asarray(cells, dtype=np.uint64)
    width = 3 * k * (k + 1) + 1
    disks = []
    for cell in cells.tolist():
        disk = h3_memview.grid_disk(cell, k)
        if len(disk) != width:
            disk = np.pad(np.asarray(disk, dtype=np.uint64), (0, width - len(disk)))
        disks.append(disk)
    if not disks:
        return np.zeros((0, width), dtype=np.uint64)
    return np.frombuffer(b"".join(disks), dtype=np.uint64).reshape(len(cells), width)


def rows_of(cells, rings):
    """`rings` as row numbers of `cells` (-1 for a neighbour outside them): one sort and search."""
    cells = np.asarray(cells, dtype=np.uint64)
    if len(cells) == 0:
        return np.zeros(rings.shape, dtype=np.int64)
    order = np.argsort(cells)
    ordered = cells[order]
    found = np.searchsorted(ordered, rings).clip(max=len(cells) - 1)
    return np.where(ordered[found] == rings, order[found], -1)


def neighbour_index(cells, k=1):
    """Each cell's k-ring within `cells` as row numbers, the cell itself included; -1 pads."""
    return rows_of(cells, k_rings(cells, k))


def gi_star(counts, neighbours):
    """Analytic Gi* z-scores for `counts` (one per row) with the binary k-ring weights above.

    Returns an array of z-scores; all zeros when the counts do not vary (nothing stands out).
    """
    x = np.asarray(counts, dtype=np.float64)
    n = len(x)
    present = neighbours >= 0
    if n < 2:
        return np.zeros(n)
    lag = np.where(present, x[neighbours.clip(min=0)], 0.0).sum(axis=1)
    weight = present.sum(axis=1).astype(np.float64)
    mean = x.mean()
    spread = x.std()  # population standard deviation, as esda's E[x²] − E[x]²
    if spread == 0:
        return np.zeros(n)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (lag - mean * weight) / (spread * np.sqrt(weight * (n - weight) / (n - 1)))
    # A cell whose ring covers every studied cell (W_i = n) has no variance: it cannot stand out.
    return np.where(weight < n, z, 0.0)


_erfc = np.frompyfunc(math.erfc, 1, 1)


def two_sided_p(z):
    """P(|Z| ≥ |z|) under the standard normal: erfc(|z| / √2), exact in the far tails too."""
    return _erfc(np.abs(np.asarray(z, dtype=np.float64)) / math.sqrt(2.0)).astype(np.float64)


def benjamini_hochberg(p):
    """Benjamini-Hochberg adjusted p-values (q-values): the false discovery rate of each test."""
    p = np.asarray(p, dtype=np.float64)
    m = len(p)
    if m == 0:
        return p
    order = np.argsort(p)
    ranked = p[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1].clip(max=1.0)
    q = np.empty(m)
    q[order] = adjusted
    return q


def confidence(q):
    """The highest level (99, 95, 90) at which each cell stands out after the correction; 0 if none."""
    result = np.zeros(len(q), dtype=np.int16)
    for level in reversed(LEVELS):
        result[q <= 1 - level / 100 + 1e-12] = level
    return result


def resolution_for(area_km2, max_cells=2000, finest=9, coarsest=6):
    """The finest H3 resolution at which the area is at most `max_cells` cells.

    Never finer than 9 (cells of about 0.1 km², some 350 m across): a cell then always spans
    more than the ~100 m to which concerns about people are rounded in public.
    """
    for resolution in range(finest, coarsest - 1, -1):
        if area_km2 / h3.average_hexagon_area(resolution, "km^2") <= max_cells:
            return resolution
    return coarsest


def area_km2(polygons):
    """Rough area of GeoJSON polygons in km² (equirectangular at each polygon's latitude)."""
    from shapely.geometry import shape

    total = 0.0
    for polygon in polygons:
        geometry = shape(polygon)
        if geometry.is_empty:
            continue
        lat = geometry.centroid.y
        total += geometry.area * 111.32**2 * math.cos(math.radians(lat))
    return total
