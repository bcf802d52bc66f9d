"""Hotspots from the real write paths: only public concerns, at public precision, in the worker."""

import h3
import numpy as np
from django.utils import timezone

from openbeat.concerns import actions
from openbeat.hotspots import compute
from openbeat.hotspots.models import HotspotCell, HotspotMap
from tests import factories
from tests.hotspots.test_gistar import esda_z
from tests.tasks import drain

CLUSTER = ("39.305000", "-75.595000")


def _spread(count, category="parking", seed=1):
    """Concerns spread over the town, as a quiet background."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        lat = 39.272 + 0.056 * rng.random()
        lon = -75.623 + 0.051 * rng.random()
        factories.concern(category=category, point=(f"{lat:.6f}", f"{lon:.6f}"))


def _cluster(count, category="vandalism-graffiti"):
    for i in range(count):
        lat, lon = float(CLUSTER[0]) + (i % 5) * 0.0002, float(CLUSTER[1]) + (i % 3) * 0.0002
        factories.concern(category=category, point=(f"{lat:.6f}", f"{lon:.6f}"))


def _rounding_moves_cell(resolution):
    """A point whose hexagon changes when it is rounded to ~100 m, as about-people concerns are."""
    for step in range(2000):
        lat, lon = 39.2804 + step * 0.00003, -75.5903 + step * 0.00001
        exact = h3.latlng_to_cell(round(lat, 6), round(lon, 6), resolution)
        rounded = h3.latlng_to_cell(round(lat, 3), round(lon, 3), resolution)
        if exact != rounded:
            return (f"{lat:.6f}", f"{lon:.6f}"), exact, rounded
    raise AssertionError("no such point")


def _stored(agency):
    return {c.cell: c for c in HotspotMap.objects.get(agency=agency).cells.all()}


def test_only_public_concerns_count_and_about_people_ones_where_the_public_sees_them(town):
    resolution = compute.resolution_of(town.smyrna)
    point, exact_cell, rounded_cell = _rounding_moves_cell(resolution)
    factories.concern(category="loitering", point=point)  # about people: rounded to ~100 m
    sensitive_spot = ("39.320000", "-75.580000")
    for _ in range(3):
        factories.concern(category="officer-conduct", point=sensitive_spot)  # never public
    hidden = factories.concern(point=("39.275000", "-75.575000"))
    actions.set_hidden(hidden, True, "names a neighbour", acting_user=town.smyrna_coordinator)
    compute.compute(town.smyrna)
    cells = _stored(town.smyrna)
    assert cells[rounded_cell].concerns == 1 and cells[exact_cell].concerns == 0
    assert cells[h3.latlng_to_cell(39.32, -75.58, resolution)].concerns == 0
    assert cells[h3.latlng_to_cell(39.275, -75.575, resolution)].concerns == 0
    assert sum(c.concerns for c in cells.values()) == 1
    assert HotspotMap.objects.get(agency=town.smyrna).concerns_count == 1
    # Every hexagon of the town is studied, empty ones too (they are the quiet background).
    assert len(cells) >= 250


def test_stored_z_scores_equal_esda_on_the_stored_cells_and_the_cluster_is_hot(town):
    _spread(25)
    _cluster(20)
    compute.compute(town.smyrna)
    stored = list(HotspotMap.objects.get(agency=town.smyrna).cells.order_by("cell"))
    cells = np.array([h3.str_to_int(c.cell) for c in stored], dtype=np.uint64)
    order = np.argsort(cells)
    counts = np.array([c.concerns for c in stored])[order]
    expected = esda_z(cells[order], counts)
    np.testing.assert_allclose(np.array([c.z for c in stored])[order], expected, atol=1e-9, rtol=0)
    resolution = compute.resolution_of(town.smyrna)
    hot = HotspotCell.objects.get(cell=h3.latlng_to_cell(39.3052, -75.5952, resolution))
    assert (hot.kind, hot.confidence) == ("hot", 99)
    assert not HotspotCell.objects.filter(kind="cold").exists()  # counts this low cannot be cold


def test_too_few_concerns_make_no_hotspot(town, client, django_capture_on_commit_callbacks):
    _cluster(compute.MIN_CONCERNS - 1)
    compute.compute(town.smyrna)
    assert not HotspotCell.objects.filter(confidence__gt=0).exists()
    page = client.get("/agencies/smyrna-pd/hotspots/").content.decode()
    assert "Too few concerns to call any place a hotspot" in page


def test_public_page_shows_hot_cells_in_a_table_that_needs_no_script(
    town, client, django_capture_on_commit_callbacks
):
    _spread(20)
    _cluster(20)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.get("/agencies/smyrna-pd/hotspots/")
    assert "being computed" in first.content.decode()
    # The run was queued with the page's write; the immediate backend ran it on commit.
    assert HotspotMap.objects.get(agency=town.smyrna).computed_at is not None
    page = client.get("/agencies/smyrna-pd/hotspots/").content.decode()
    assert "<table" in page and "Hot spot" in page and "99 %" in page
    assert "39.305" in page  # the hot hexagon's centre, readable without the map
    assert client.get("/agencies/no-such-pd/hotspots/").status_code == 404


def test_the_worker_computes_once_and_a_new_concern_makes_the_map_stale(
    transactional_db, database_tasks, client
):
    from django_tasks_db.models import DBTaskResult

    def queued_maps():  # other apps queue their own work on the same writes
        ready = DBTaskResult.objects.filter(status="READY")
        return ready.filter(task_path__endswith=".refresh_hotspots").count()

    town = factories.town()
    _cluster(compute.MIN_CONCERNS)
    client.get("/agencies/smyrna-pd/hotspots/")
    client.get("/agencies/clayton-pd/hotspots/")
    factories.concern(point=CLUSTER)  # a write: the page cache is bumped, the page asks again
    client.get("/agencies/smyrna-pd/hotspots/")
    assert queued_maps() == 2  # one per agency, not per view
    drain()
    smyrna_map = HotspotMap.objects.get(agency=town.smyrna)
    assert smyrna_map.computed_at is not None and smyrna_map.requested_at is None
    assert smyrna_map.concerns_count == compute.MIN_CONCERNS + 1
    assert compute.refresh_if_stale(town.smyrna) == smyrna_map  # fresh: nothing queued
    assert queued_maps() == 0
    factories.concern(point=CLUSTER)
    compute.refresh_if_stale(town.smyrna)
    assert queued_maps() == 1
    drain()
    assert HotspotMap.objects.get(agency=town.smyrna).concerns_count == compute.MIN_CONCERNS + 2
    assert HotspotMap.objects.get(agency=town.smyrna).computed_at <= timezone.now()


def test_a_hot_spot_holds_the_stated_minimum_of_concerns_itself(town):
    _spread(25)
    _cluster(20)
    compute.compute(town.smyrna)
    cells = list(HotspotMap.objects.get(agency=town.smyrna).cells.all())
    hot = [c for c in cells if c.kind == "hot"]
    assert hot and all(c.concerns >= compute.MIN_CELL_CONCERNS for c in hot)
    # Gi* alone would call the cluster's quiet neighbours hot too: they sum the cluster.
    borrowed = [c for c in cells if c.z > 0 and c.q <= 0.10 and c.concerns < 5]
    assert borrowed and all(c.kind == "" and c.confidence == 0 for c in borrowed)


def test_the_page_names_each_hot_spot_explains_it_and_has_a_legend(town, client):
    from openbeat.core.models import Area, Venue

    south, west = float(CLUSTER[0]) - 0.004, float(CLUSTER[1]) - 0.004
    Area.objects.create(
        agency=town.smyrna,
        name="Mill District",
        slug="mill",
        boundary={
            "type": "Polygon",
            "coordinates": [
                [
                    [west, south],
                    [west + 0.008, south],
                    [west + 0.008, south + 0.008],
                    [west, south + 0.008],
                    [west, south],
                ]
            ],
        },
    )
    Venue.objects.create(
        agency=town.smyrna,
        name="Mill Street Park",
        address="Mill Street, Smyrna, DE",
        latitude=CLUSTER[0],
        longitude=CLUSTER[1],
    )
    _spread(25)
    _cluster(20)
    compute.compute(town.smyrna)
    page = client.get("/agencies/smyrna-pd/hotspots/").content.decode()
    # Each hexagon by its place: the smallest area holding it and its nearest meeting place.
    row = page[page.index('<tr class="hot-99">') :]
    row = row[: row.index("</tr>")]
    assert '<td class="place"><strong>Mill District</strong><br>' in row
    assert " m from Mill Street Park (Mill Street, Smyrna, DE)" in row
    # A legend of the map's colours, and one paragraph on what a hot spot means.
    legend = page[page.index('<ul class="legend hotspot-legend"') :]
    legend = legend[: legend.index("</ul>")]
    assert [level in legend for level in ("99 %", "95 %", "90 %")] == [True] * 3
    assert (
        '<span class="swatch hot-99" aria-hidden="true"></span>Hot spot, 99 % confidence' in legend
    )
    assert "What a hot spot means: a hexagon of the map (about 0.1 km², some 350 m across)" in page
    assert f"which holds at least {compute.MIN_CELL_CONCERNS} concerns itself" in page
