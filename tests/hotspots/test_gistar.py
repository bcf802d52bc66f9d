"""Gi* against PySAL's esda on fixtures: our vectorised z-scores equal esda's analytic ones."""

import h3.api.basic_int as h3
import numpy as np
import pytest
from esda.getisord import G_Local
from libpysal.weights import W
from scipy.stats import false_discovery_control

from openbeat.hotspots import gistar


def esda_z(cells, counts):
    """esda's analytic Gi* with binary weights (self included) on the same H3 k-ring neighbours."""
    row = {int(c): i for i, c in enumerate(cells)}
    neighbours = {
        i: [row[n] for n in h3.grid_disk(int(c), 1) if n != int(c) and n in row]
        for i, c in enumerate(cells)
    }
    weights = W(neighbours, silence_warnings=True)
    result = G_Local(np.asarray(counts, float), weights, transform="B", star=True, permutations=0)
    return result.Zs


def town_fixture():
    """Cells around Smyrna with holes (streets with no homes) and a cluster of concerns."""
    rng = np.random.default_rng(20251128)
    centre = h3.latlng_to_cell(39.30, -75.60, 9)
    cluster = h3.latlng_to_cell(39.305, -75.595, 9)
    near = set(h3.grid_disk(cluster, 1))
    cells = np.array(sorted(h3.grid_disk(centre, 7)), dtype=np.uint64)
    cells = cells[(rng.random(len(cells)) > 0.1) | np.isin(cells, list(near))]
    counts = rng.poisson(1.5, len(cells))
    counts = counts + np.array([12 if int(c) in near else 0 for c in cells])
    return cells, counts


def pentagon_fixture():
    """Around one of H3's pentagons, whose ring has five neighbours, not six."""
    pentagon = sorted(h3.get_pentagons(6))[3]
    cells = np.array(sorted(h3.grid_disk(pentagon, 4)), dtype=np.uint64)
    counts = np.random.default_rng(7).poisson(3, len(cells))
    return cells, counts


@pytest.mark.parametrize("fixture", [town_fixture, pentagon_fixture])
def test_z_scores_equal_esda_analytic_gi_star(fixture):
    cells, counts = fixture()
    z = gistar.gi_star(counts, gistar.neighbour_index(cells))
    np.testing.assert_allclose(z, esda_z(cells, counts), rtol=0, atol=1e-9)


def test_the_cluster_is_hot_and_quiet_places_are_not():
    cells, counts = town_fixture()
    z = gistar.gi_star(counts, gistar.neighbour_index(cells))
    level = gistar.confidence(gistar.benjamini_hochberg(gistar.two_sided_p(z)))
    hot = {int(c) for c, lv, zz in zip(cells, level, z, strict=True) if lv and zz > 0}
    cluster_centre = h3.latlng_to_cell(39.305, -75.595, 9)
    assert cluster_centre in hot
    assert all(h3.grid_distance(cell, cluster_centre) <= 2 for cell in hot)


def test_neighbours_are_the_cell_itself_and_its_ring_within_the_study_area():
    centre = h3.latlng_to_cell(39.30, -75.60, 9)
    ring = sorted(h3.grid_disk(centre, 1))
    edge = ring[0] if ring[0] != centre else ring[1]
    cells = np.array(sorted(set(ring) - {edge}), dtype=np.uint64)
    index = gistar.neighbour_index(cells)
    row = int(np.searchsorted(cells, np.uint64(centre)))
    assert row in index[row]  # the cell itself: this is Gi*, not Gi
    assert sorted(int(cells[i]) for i in index[row] if i >= 0) == sorted(set(ring) - {edge})


@pytest.mark.parametrize("fixture", [town_fixture, pentagon_fixture])
def test_rings_of_a_whole_array_are_the_rings_of_one_cell_at_a_time(fixture):
    cells, _counts = fixture()
    assert gistar._c_grid_disks() is not None  # the installed h3 exports its C library's API
    together = np.sort(gistar.k_rings(cells), axis=1)
    one_by_one = np.sort(gistar.k_rings_per_cell(cells), axis=1)
    np.testing.assert_array_equal(together, one_by_one)  # near a pentagon: the fallback


def test_benjamini_hochberg_matches_scipy_and_a_hand_computed_case():
    p = np.array([0.01, 0.04, 0.03, 0.20])
    # Ranked 0.01, 0.03, 0.04, 0.20 → ×4/rank: 0.04, 0.06, 0.0533, 0.20 → monotone from the top.
    np.testing.assert_allclose(
        gistar.benjamini_hochberg(p), [0.04, 0.0533333333, 0.0533333333, 0.20], atol=1e-9
    )
    rng = np.random.default_rng(3)
    many = rng.random(500) ** 3
    np.testing.assert_allclose(
        gistar.benjamini_hochberg(many), false_discovery_control(many), rtol=0, atol=1e-12
    )


def test_confidence_levels_follow_the_corrected_p_value():
    assert list(gistar.confidence(np.array([0.005, 0.01, 0.03, 0.07, 0.2]))) == [99, 99, 95, 90, 0]


def test_counts_that_do_not_vary_have_no_hotspots():
    cells = np.array(sorted(h3.grid_disk(h3.latlng_to_cell(39.3, -75.6, 9), 2)), dtype=np.uint64)
    z = gistar.gi_star(np.full(len(cells), 4), gistar.neighbour_index(cells))
    assert not z.any()


def test_resolution_grows_coarser_with_the_area_and_never_finer_than_9():
    assert gistar.resolution_for(30) == 9  # a small town: ~300 hexagons of 0.1 km²
    assert gistar.resolution_for(1_000) == 8
    assert gistar.resolution_for(100_000) == 6
    assert gistar.resolution_for(0.5) == 9
