"""The location oracle (issue #13, class 1): no public answer depends on a concern's exact point.

A concern about people shows its place to ~100 m. If a public filter matched the exact point, a
stranger could shrink a box around a guessed spot until the concern drops out, and read the exact
point back to 6 decimals in a few queries. The rule: every public filter, sort, count, distance,
duplicate suggestion, hotspot, area and export uses the PUBLIC point only.

The proof is a differential: one world where an about-people concern's exact point P differs from
its public point Q (another map tile, another area of the same agency), and the same world with
the concern placed exactly at Q (the row that `submit_concern` stores for Q: every column but the
concern's identity). Every row of TABLE — each public output of concerns, and each location
parameter of each public view, probed with boxes and radii from 2 m up around P, Q and between
them — must answer byte for byte the same in both worlds.

Which code is a location filter is read from the source: every function in src/openbeat that
filters, measures, bins or files by a point (`LOCATION_CODE`) must be claimed in SITES by the rows
that exercise it, or say why no public answer reaches it. A new public location filter fails
`test_every_location_filter_in_the_code_has_a_row` until it has a row here.
"""

import re
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from openbeat.concerns import actions as concern_actions
from openbeat.concerns.models import Concern
from openbeat.core import pagecache
from openbeat.core.models import Area
from openbeat.hotspots import compute as hotspots
from openbeat.insights import dashboards
from openbeat.open311 import items as open311_items
from openbeat.problems import actions as problem_actions
from tests import factories
from tests.security import sources

# P: the exact point of a drug-activity report; Q: where the public map shows it (3 decimals).
# They are 56 m apart, in different map tiles (edges at multiples of 0.05°) and in different
# areas of Smyrna (split at SPLIT below).
P = (39.2996, -75.6004)
Q = (39.3, -75.6)
MIDDLE = ((P[0] + Q[0]) / 2, (P[1] + Q[1]) / 2)
SPLIT = 39.2998
METRE = 1 / 111_320  # a metre of latitude, in degrees

# Identity: what makes the concern this concern; every other column is the location's.
IDENTITY = {"id", "tracking_token", "form_nonce", "open311_token", "created_at", "updated_at"}
# Built from the others (the twin's names the twin): built again for the concern once copied.
BUILT = {"open311_item", "open311_item_format"}


# -- Probes: the values a stranger would try ---------------------------------------------------


def _boxes():
    """(south, west, north, east): squares of 2 m to 110 m around P, Q and between them, and
    boxes whose edge runs between P and Q, so either point alone is inside."""
    found = []
    for lat, lon in (P, Q, MIDDLE):
        for half in (0.00002, 0.0001, 0.0003, 0.001):
            found.append((lat - half, lon - half, lat + half, lon + half))
    found.append((P[0] - 0.001, P[1] - 0.001, MIDDLE[0], MIDDLE[1]))  # P, not Q
    found.append((MIDDLE[0], MIDDLE[1], Q[0] + 0.001, Q[1] + 0.001))  # Q, not P
    return found


def bbox(world):
    return [{"bbox": f"{w},{s},{e},{n}"} for s, w, n, e in _boxes()]


def radius(world):
    """lat/long/radius (metres) around P, Q and the middle, from 1 m to 100 m."""
    return [
        {"lat": f"{lat:.7f}", "long": f"{lon:.7f}", "radius": str(metres)}
        for lat, lon in (P, Q, MIDDLE)
        for metres in (1, 5, 20, 40, 100)
    ]


def reported_point(world):
    """The report form's pin, which brings up similar concerns within 250 m: at P, Q and the
    middle, and 255 m south of Q (within 250 m of P, not of Q) and north of P (the other way)."""
    points = [P, Q, MIDDLE, (Q[0] - 255 * METRE, Q[1]), (P[0] + 255 * METRE, P[1])]
    return [
        {
            "category": "drug-activity",
            "description": "People dealing by the bus shelter",
            "latitude": f"{lat:.7f}",
            "longitude": f"{lon:.7f}",
            # Refused after the suggestions step, so no probe stores a concern.
            "email": "not an address",
        }
        for lat, lon in points
    ]


def area(world):
    return [{"area": str(pk)} for pk in world["areas"]]


def nothing(world):
    return [{}]


def jurisdiction(world):
    return {"jurisdiction_id": "smyrna-pd"}


# -- The table -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    name: str  # the URL's name
    probes: tuple = (nothing,)
    kwargs: object = None  # a function of the world giving the URL's arguments
    fixed: object = None  # a function of the world giving parameters every probe carries
    method: str = "GET"


def _concern(world):
    return {"pk": world["concern"]}


def _format(fmt):
    return lambda world: {"fmt": fmt}


TABLE = {
    "pins": Row("concerns:pins", (bbox,)),
    "list": Row("concerns:list", (nothing, area)),
    "detail": Row("concerns:detail", kwargs=_concern),
    "new": Row("concerns:new", (reported_point,), method="POST"),
    "area feed": Row("concerns:area_feed", (nothing,), kwargs=lambda w: {"area_id": w["north"]}),
    "area feed south": Row(
        "concerns:area_feed", (nothing,), kwargs=lambda w: {"area_id": w["south"]}
    ),
    "api list": Row("api:list_concerns", (nothing, area)),
    "api concern": Row("api:get_concern", kwargs=lambda w: {"concern_id": w["concern"]}),
    "open311 json": Row("open311:requests", (nothing, bbox, radius), _format("json"), jurisdiction),
    "open311 xml": Row("open311:requests", (bbox, radius), _format("xml"), jurisdiction),
    "open311 request": Row(
        "open311:request",
        kwargs=lambda w: {"fmt": "json", "request_id": w["concern"]},
        fixed=jurisdiction,
    ),
    "export csv": Row("opendata:export", kwargs=lambda w: {"dataset": "concerns", "fmt": "csv"}),
    "export geojson": Row(
        "opendata:export", kwargs=lambda w: {"dataset": "concerns", "fmt": "geojson"}
    ),
    "problems export": Row(
        "opendata:export", kwargs=lambda w: {"dataset": "problems", "fmt": "csv"}
    ),
    "problem by outline": Row("problems:detail", kwargs=lambda w: {"pk": w["outlined"]}),
    "problem by area": Row("problems:detail", kwargs=lambda w: {"pk": w["by_area"]}),
    "hotspots": Row("hotspots:agency", kwargs=lambda w: {"slug": "smyrna-pd"}),
    "transparency": Row("transparency", kwargs=lambda w: {"slug": "smyrna-pd"}),
}

# Every function that filters, measures, bins or files concerns by a point, and the rows that
# prove its public answers never depend on an exact point (or why no public answer reaches it).
WRITE_PATH = "the write path: files a concern under its agency and area (rows: every row's area)"
SITES = {
    "concerns/views.py:_pin_rows": ("pins",),
    "concerns/views.py:_tile_pins": ("pins",),
    "concerns/duplicates.py:similar_open_concerns": ("new",),
    "concerns/models.py:ConcernQuerySet.in_public_box": ("pins", "open311 json", "new"),
    "concerns/models.py:Category.save": WRITE_PATH,
    "concerns/models.py:Concern.refile": WRITE_PATH,
    "concerns/actions.py:_locate": WRITE_PATH,
    "concerns/actions.py:submit_concern": WRITE_PATH,
    "concerns/location.py:area_at": WRITE_PATH,
    "core/models.py:Area.contains": "staff placing a venue in an area (Venue.clean)",
    "concerns/location.py:public_area": WRITE_PATH,
    "concerns/location.py:filed_area": WRITE_PATH,
    "open311/views.py:_spatial": ("open311 json", "open311 xml"),
    "problems/analysis.py:concerns_for": ("problem by outline", "problem by area"),
    "hotspots/compute.py:_concerns": ("hotspots", "transparency"),
    "hotspots/compute.py:bin_concerns": ("hotspots", "transparency"),
}

# Filtering, measuring, binning or filing by a point (lookups on coordinates or the map tile,
# distances, boxes around a point, H3 cells, areas holding a point).
LOCATION_CODE = re.compile(
    r"\b(?:public_)?(?:latitude|longitude)__\w+|\bin_public_box\(|\bdistance_m\(|\bbbox_around\("
    r"|\btile(?:__\w+)?=|\blatlng_to_cell\(|\barea_at\(|\bpublic_area\(|\bfiled_area\("
    r"|\btext_contains\(|\bpolygon_contains\("
)


def test_every_location_filter_in_the_code_has_a_row():
    found = sources.sites(LOCATION_CODE)
    missing = sorted(set(found) - set(SITES))
    assert not missing, (
        "These functions filter, measure or bin concerns by a point and no row of "
        "tests/security/test_location_oracles.py proves their public answers use the public "
        f"point only. Add them to SITES with the rows that reach them: {missing}"
    )
    stale = sorted(set(SITES) - set(found))
    assert not stale, f"SITES names functions that no longer filter by a point: {stale}"
    for site, rows in SITES.items():
        if isinstance(rows, tuple):  # otherwise, why no public answer reaches it
            assert set(rows) <= set(TABLE), f"{site} names rows that do not exist: {rows}"


# -- The two worlds ------------------------------------------------------------------------------


def _report(category, point, description):
    return concern_actions.submit_concern(
        {
            "category": category,
            "latitude": f"{point[0]:.6f}",
            "longitude": f"{point[1]:.6f}",
            "description": description,
        }
    )[0]


def _build(town):
    """Smyrna in two areas split between P and Q; the concern at P; neighbours around it."""
    south = town.smyrna.areas.get()
    south.boundary = factories._box(39.270, -75.625, SPLIT, -75.570)
    south.save()
    north = Area.objects.create(
        agency=town.smyrna,
        name="North Smyrna",
        slug="north-smyrna",
        boundary=factories._box(SPLIT, -75.625, 39.330, -75.570),
    )
    # A cluster at Q (enough for the hotspot map to call cells), and neighbours whose public
    # point is their exact one, for order and counts around P and Q.
    for n in range(hotspots.MIN_CONCERNS):
        _report("noise", Q, f"Loud music, night {n}")
    _report("drug-activity", (39.2990, -75.6010), "Dealing on the corner by the shelter")
    _report("vandalism-graffiti", MIDDLE, "Graffiti on the bus shelter")
    concern = _report("drug-activity", P, "People dealing by the bus shelter every evening")
    drugs = town.smyrna.categories.get(slug="drug-activity")
    outlined = problem_actions.create_problem(
        town.smyrna,
        "Dealing north of the square",
        "Reports of dealing.",
        boundary=factories._box(SPLIT, -75.62, 39.32, -75.58),
        categories=[drugs],
        acting_user=town.smyrna_coordinator,
    )
    by_area = problem_actions.create_problem(
        town.smyrna,
        "Dealing in North Smyrna",
        "Reports of dealing.",
        area=north,
        categories=[drugs],
        acting_user=town.smyrna_coordinator,
    )
    return {
        "concern": concern.pk,
        "areas": [south.pk, north.pk, town.clayton.areas.get().pk],
        "south": south.pk,
        "north": north.pk,
        "outlined": outlined.pk,
        "by_area": by_area.pk,
    }


def _as_reported_at(concern_id, point):
    """Make the concern what `submit_concern` stores for a report at `point`, identity aside."""
    stored = Concern.objects.get(pk=concern_id)
    with transaction.atomic():
        twin = _report(stored.category.slug, point, stored.description)
        twin.refresh_from_db()
        transaction.set_rollback(True)
    columns = {
        f.attname: getattr(twin, f.attname)
        for f in Concern._meta.concrete_fields
        if f.name not in IDENTITY | BUILT
    }
    Concern.objects.filter(pk=concern_id).update(**columns)
    open311_items.refresh([concern_id])


def _refresh(town, now):
    """What the worker does after writes: the hotspot map and the dashboards, at one time."""
    hotspots.compute(town.smyrna, now=now)
    dashboards.refresh(town.smyrna.pk, now=now)
    cache.clear()
    pagecache.forget()


def _answer(client, row, world, params):
    url = reverse(row.name, kwargs=row.kwargs(world) if row.kwargs else None)
    data = {**(row.fixed(world) if row.fixed else {}), **params}
    with transaction.atomic():  # a probe leaves nothing behind (rate counters, stored reports)
        response = client.post(url, data) if row.method == "POST" else client.get(url, data)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        transaction.set_rollback(True)
    text = re.sub(r'csrfmiddlewaretoken" value="[^"]*"', "", body.decode("utf-8", "replace"))
    return url, data, (response.status_code, response.get("Location", ""), text)


def _answers(client, world):
    found = {}
    for key, row in TABLE.items():
        for probe in row.probes:
            for params in probe(world):
                url, data, answer = _answer(client, row, world, params)
                found[key, url, tuple(sorted(data.items()))] = answer
    return found


def test_no_public_answer_depends_on_the_exact_point(town):
    world = _build(town)
    now = timezone.now()
    client = Client(raise_request_exception=False)
    _refresh(town, now)
    exact = _answers(client, world)
    _as_reported_at(world["concern"], Q)
    _refresh(town, now)
    public = _answers(client, world)
    assert exact.keys() == public.keys()
    failures = []
    for probe, (status, location, body) in exact.items():
        expected = public[probe]
        if status >= 500:
            failures.append(f"{probe}: answers {status}")
        elif (status, location, body) != expected:
            failures.append(
                f"{probe}: answers {status} {location} ({len(body)} bytes) where the concern at "
                f"its public point gives {expected[0]} {expected[1]} ({len(expected[2])} bytes)"
            )
    print(f"location oracle: {len(exact)} probes over {len(TABLE)} rows, {len(failures)} differ")
    assert not failures, f"{len(failures)} answers tell the exact point:\n" + "\n".join(failures)


@pytest.fixture(autouse=True)
def _quiet_refusals(caplog):
    caplog.set_level("ERROR", logger="django.request")
