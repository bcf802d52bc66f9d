"""The map's pins, as the cheap path answers them (one merged statement for a box's tiles,
category names from a map per version), byte for byte against a plain ORM reading of the rules:
public concerns only, at their public point, in the box, newest first, 500 a page."""

import random

import orjson
import pytest
from django.db.models import F
from django.utils import translation

from openbeat.concerns import views
from openbeat.concerns.models import CATEGORIES, Category, Concern, Status
from openbeat.core import pagecache
from openbeat.core.models import PageVersion
from tests import factories
from tests.pins import pins_of

CLAYTON = (39.276, -75.659, 39.304, -75.626)
BOXES = [
    (-75.660, 39.240, -75.540, 39.360),  # 3 × 3 tiles wholly inside, crossed ones around them
    (-75.650, 39.250, -75.550, 39.350),  # edges on tile edges: the neighbours are asked too
    (-75.6230, 39.2710, -75.5760, 39.3180),  # a town-sized box crossing 2 × 2 tiles
    (-75.5990, 39.2710, -75.5710, 39.2990),  # inside one tile
    (-76.0, 39.0, -75.0, 40.0),  # over 64 tiles: the newest anywhere in the box
]


def _expected(box, number, size, language):
    """What the rules say the page holds, read concern by concern through the ORM."""
    west, south, east, north = box
    public = (
        Concern.objects.filter(is_private=False, is_hidden=False, category__is_sensitive=False)
        .filter(public_latitude__range=(south, north), public_longitude__range=(west, east))
        .select_related("category")
        .order_by("-created_at", "-id")
    )
    start = (number - 1) * size
    rows = list(public[start : start + size + 1])
    shown = rows[:size]
    with translation.override(language):
        names = {c.category_id: c.category.display_name for c in shown}
        statuses = {value: str(label) for value, label in Status.choices}
    page = {
        "columns": ["id", "lat", "lon", "status", "category"],
        "pins": [
            [c.pk, float(c.public_latitude), float(c.public_longitude), c.status, c.category_id]
            for c in shown
        ],
        "categories": {str(pk): names[pk] for pk in sorted(names)},
        "statuses": statuses,
        "url": "/concerns/{id}/",
        "next_page": number + 1 if len(rows) > size else None,
    }
    assert all(
        pin["url"] == c.get_absolute_url() for pin, c in zip(pins_of(page), shown, strict=True)
    )
    return orjson.dumps(page)


def _all_pages_match(client, box, size, language):
    path = "/concerns/pins.json?bbox=" + ",".join(f"{v:.4f}" for v in box)
    number, seen = 1, 0
    while True:
        response = client.get(f"{path}&page={number}", HTTP_ACCEPT_LANGUAGE=language)
        assert response.content == _expected(box, number, size, language), (box, number)
        seen += len(pins_of(orjson.loads(response.content)))
        if orjson.loads(response.content)["next_page"] is None:
            return seen
        number += 1


@pytest.fixture
def scattered(town, monkeypatch):
    """70 concerns over six map tiles: every category (people rounded, the officer
    complaints private), every status, some hidden, some made private, ties in time."""
    monkeypatch.setattr(views, "PIN_PAGE_SIZE", 7)
    rng = random.Random(15)
    slugs = list(town.smyrna.categories.values_list("slug", flat=True))
    made = []
    for n in range(70):
        # Smyrna's area and Clayton's (tests/factories.py): five tiles of the grid
        south, west, north, east = rng.choice([(39.271, -75.624, 39.329, -75.571)] * 4 + [CLAYTON])
        point = (f"{rng.uniform(south, north):.6f}", f"{rng.uniform(west, east):.6f}")
        made.append(factories.concern(category=slugs[n % len(slugs)], point=point))
    statuses = list(Status.values)
    for n, concern in enumerate(made):
        Concern.objects.filter(pk=concern.pk).update(status=statuses[n % len(statuses)])
    Concern.objects.filter(pk__in=[c.pk for c in made[3::9]]).update(is_hidden=True)
    Concern.objects.filter(pk__in=[c.pk for c in made[5::13]]).update(is_private=True)
    # Equal moments across tiles: the id decides, as on one tile.
    tied = made[10].created_at
    Concern.objects.filter(pk__in=[c.pk for c in made[10:40:3]]).update(created_at=tied)
    pagecache.bump()
    return made


@pytest.mark.parametrize("language", ["en", "es"])
def test_pins_answer_byte_for_byte_what_the_rules_say(client, scattered, language):
    seen = [_all_pages_match(client, box, views.PIN_PAGE_SIZE, language) for box in BOXES]
    # The boxes hold pins enough to page through several tiles (not a vacuous comparison),
    # and never a hidden, private or sensitive concern.
    assert seen[0] >= 30 and seen[2] >= 5 and seen[4] >= 40
    hidden = {c.pk for c in Concern.objects.exclude(pk__in=Concern.objects.public())}
    assert len(hidden) >= 10
    answer = client.get("/concerns/pins.json?bbox=-76,39,-75,40&page=1")
    assert hidden.isdisjoint(p["id"] for p in pins_of(answer.json()))


def test_pins_follow_a_category_renamed_or_made_sensitive(client, scattered):
    box = BOXES[0]
    Category.objects.filter(slug="noise").update(name_en="Loud noise", name_es="Ruido fuerte")
    Category.objects.filter(slug="parking").update(is_sensitive=True)
    pagecache.bump(CATEGORIES)  # as every staff edit of a category does
    for language in ("en", "es"):
        _all_pages_match(client, box, views.PIN_PAGE_SIZE, language)
    names = {
        p["category"] for p in pins_of(client.get("/concerns/pins.json?bbox=-76,39,-75,40").json())
    }
    assert "Parking" not in names


def test_pins_leave_out_a_sensitive_concern_made_not_private(client, scattered):
    """The write path keeps a sensitive category's concerns private, so the pins read their
    tiles without testing the category; an officer complaint an admin un-privates (a write that
    bumps the concerns' version) must still stay off every page, and the pages still count
    exactly the public concerns."""
    complaint = next(c for c in scattered if c.category.is_sensitive)
    assert Concern.objects.get(pk=complaint.pk).is_private
    _all_pages_match(client, BOXES[0], views.PIN_PAGE_SIZE, "en")  # read without the test
    Concern.objects.filter(pk=complaint.pk).update(is_private=False, is_hidden=False)
    pagecache.bump(*Concern.objects.get(pk=complaint.pk).page_scopes())
    for box in BOXES:
        _all_pages_match(client, box, views.PIN_PAGE_SIZE, "en")
    answer = client.get("/concerns/pins.json?bbox=-75.70,39.20,-75.50,39.40&page=1").json()
    assert complaint.pk not in {p["id"] for p in pins_of(answer)}


def test_a_pin_is_found_by_its_public_point_never_its_exact_one(client, town):
    """About-people concerns are rounded to ~100 m; a tiny box around the exact spot that
    misses the rounded one finds nothing, in a merged box of several tiles as in one tile."""
    exact = ("39.301234", "-75.601234")
    people = factories.concern(category="drug-activity", point=exact)
    assert (float(people.public_latitude), float(people.public_longitude)) == (39.301, -75.601)
    # 0.0002° around the exact point, beside the rounded one; then the same strip made wide
    # enough to cross four tiles.
    for box in ("-75.6014,39.3011,-75.6011,39.3014", "-75.6520,39.3011,-75.6011,39.3514"):
        assert client.get(f"/concerns/pins.json?bbox={box}").json()["pins"] == []
    found = client.get("/concerns/pins.json?bbox=-75.6520,39.3000,-75.6000,39.3514").json()
    assert [(p["id"], p["lat"], p["lon"]) for p in pins_of(found)] == [(people.pk, 39.301, -75.601)]


def test_pins_name_a_category_renamed_by_another_server_process(client, scattered, monkeypatch):
    """Another process's edit bumps the categories' version in the database only: this one
    reads the names again once it reads that version (at most VERSION_TTL later)."""
    pagecache.bump(CATEGORIES)  # the version's row, as any category edit makes it
    _all_pages_match(client, BOXES[0], views.PIN_PAGE_SIZE, "en")  # names read at this version
    monkeypatch.setattr(pagecache, "VERSION_TTL", 0.0)
    Category.objects.filter(slug="noise").update(name_en="Loud noise")
    PageVersion.objects.filter(scope__in=[CATEGORIES, pagecache.WRITES]).update(
        counter=F("counter") + 1
    )
    path = "/concerns/pins.json?bbox=-76,39,-75,40&page=1&other=process"
    names = {p["category"] for p in pins_of(client.get(path).json())}
    assert "Loud noise" in names and "Noise" not in names
