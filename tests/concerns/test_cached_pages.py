"""The concern pages served from the page cache: a resident sees their own report at once, a
write in one agency leaves the other agency's cached pages valid, and the list and map page
through any number of concerns without counting or sorting them all."""

import re
from types import SimpleNamespace

from openbeat.concerns import actions, views
from openbeat.concerns.models import Status
from openbeat.problems import actions as problem_actions
from tests import factories
from tests.pins import pins_of

PINS = "/concerns/pins.json?bbox=-75.70,39.25,-75.55,39.35"  # both towns, many map tiles
SMYRNA_311 = "/open311/v2/requests.json?jurisdiction_id=smyrna-pd"
CLAYTON_311 = "/open311/v2/requests.json?jurisdiction_id=clayton-pd"


def _report(client, description, point=factories.SMYRNA_POINT):
    response = client.post(
        "/concerns/new/",
        {
            "category": "vandalism-graffiti",
            "description": description,
            "latitude": point[0],
            "longitude": point[1],
            "confirm_new": "1",
        },
    )
    assert response.status_code == 302
    # The resident reads on without the "Received" message, as most readers do.
    client.cookies.pop("messages", None)
    client.get(response["Location"])


def test_a_new_report_shows_at_once_on_the_cached_list_map_and_open311(client, town):
    factories.concern(description="Older graffiti")
    area = town.smyrna.areas.get()
    pages = ["/concerns/", f"/concerns/?area={area.pk}", PINS, SMYRNA_311]
    for url in pages:  # now cached
        assert "Broken bus shelter" not in client.get(url).content.decode()
    _report(client, "Broken bus shelter glass")
    for url in pages:
        assert "Broken bus shelter" in client.get(url).content.decode() or url == PINS, url
    pins = pins_of(client.get(PINS).json())
    assert len(pins) == 2 and pins[0]["url"].endswith(f"/{pins[0]['id']}/")
    newest = client.get(f"/open311/v2/requests/{pins[0]['id']}.json?jurisdiction_id=smyrna-pd")
    assert newest.json()[0]["description"] == "Broken bus shelter glass"


def test_support_and_staff_answers_show_at_once(client, town):
    concern = factories.concern(description="Streetlight out on Main Street")
    page = f"/open311/v2/requests/{concern.pk}.json?jurisdiction_id=smyrna-pd"
    assert client.get(page).json()[0]["status_notes"] == ""
    assert "supporter" not in client.get("/concerns/").content.decode()
    client.post(f"/concerns/{concern.pk}/support/", {"email": ""})
    client.cookies.pop("messages", None)
    assert "1 supporter" in client.get("/concerns/").content.decode()
    actions.change_status(
        concern, Status.RESOLVED, "Bulb replaced.", acting_user=town.smyrna_officer
    )
    item = client.get(page).json()[0]
    assert (item["status"], item["status_notes"]) == ("closed", "Bulb replaced.")


def test_hiding_a_concern_takes_it_off_the_cached_map_at_once(client, town):
    concern = factories.concern(description="Names a neighbour")
    assert [p["id"] for p in pins_of(client.get(PINS).json())] == [concern.pk]
    actions.set_hidden(concern, True, "Names a person", acting_user=town.smyrna_officer)
    assert client.get(PINS).json()["pins"] == []
    assert "Names a neighbour" not in client.get(SMYRNA_311).content.decode()


def test_a_write_in_one_agency_leaves_the_others_cached_pages_valid(client, town):
    smyrna = factories.concern(description="Smyrna graffiti")
    clayton = factories.concern(description="Clayton graffiti", point=factories.CLAYTON_POINT)
    clayton_area = town.clayton.areas.get()
    clayton_pages = [CLAYTON_311, f"/concerns/?area={clayton_area.pk}"]
    tags = {url: client.get(url)["ETag"] for url in clayton_pages}
    actions.change_status(smyrna, Status.IN_PROGRESS, "On it.", acting_user=town.smyrna_officer)
    _report(client, "More Smyrna graffiti")
    for url in clayton_pages:  # a reader holding Clayton's pages still has the latest
        assert client.get(url, HTTP_IF_NONE_MATCH=tags[url]).status_code == 304, url
    actions.change_status(clayton, Status.IN_PROGRESS, "On it.", acting_user=town.clayton_officer)
    for url in clayton_pages:
        assert client.get(url, HTTP_IF_NONE_MATCH=tags[url]).status_code == 200, url


def _link(body, rel):
    if f'rel="{rel}"' not in body:
        return None
    return "/concerns/" + body.split(f'rel="{rel}" href="')[1].split('"')[0].replace("&amp;", "&")


def test_the_list_pages_by_older_and_newer_and_caps_its_count(client, town, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    monkeypatch.setattr(views, "COUNT_CAP", 4)
    for n in range(5):
        factories.concern(description=f"Report number {n}")
    factories.concern(description="Report number 9", category="noise")
    pages, url = [], "/concerns/?category=vandalism-graffiti"
    while url:
        body = client.get(url).content.decode()
        pages.append(re.findall(r"Report number (\d)</p>", body))
        url = _link(body, "next")
    assert pages == [["4", "3"], ["2", "1"], ["0"]]
    assert "More than 4 concerns" in client.get("/concerns/").content.decode()
    assert "0 concerns" in client.get("/concerns/?category=noise&status=closed").content.decode()
    back = client.get(_link(body, "prev")).content.decode()
    assert re.findall(r"Report number (\d)</p>", back) == ["2", "1"]
    assert "category=vandalism-graffiti" in _link(back, "prev")
    assert client.get("/concerns/?before=999999").status_code == 400


def test_pins_merge_the_newest_of_every_tile_and_page_on(client, town, monkeypatch):
    monkeypatch.setattr(views, "PIN_PAGE_SIZE", 2)
    points = [("39.301", "-75.601"), ("39.281", "-75.581"), ("39.291", "-75.641")]
    made = [factories.concern(description=f"Pin {n}", point=points[n % 3]) for n in range(5)]
    first = client.get(PINS).json()
    second = client.get(PINS + "&page=2").json()
    third = client.get(PINS + "&page=3").json()
    ids = [p["id"] for page in (first, second, third) for p in pins_of(page)]
    assert ids == [c.pk for c in reversed(made)]
    assert (first["next_page"], second["next_page"], third["next_page"]) == (2, 3, None)


def test_the_problem_page_counts_a_new_concern_at_once(client, town):
    concerns = [factories.concern(category="speeding-traffic") for _ in range(2)]
    problem = problem_actions.create_problem(
        town.smyrna,
        "Speeding near the school",
        "Cars speed at pick-up.",
        area=town.smyrna.areas.get(),
        categories=[town.smyrna.categories.get(slug="speeding-traffic")],
        concerns=concerns,
        acting_user=town.smyrna_coordinator,
    )

    def total():
        body = client.get(problem.get_absolute_url()).content.decode()
        table = body.split('id="chart-day"')[1].split("</table>")[0]
        return sum(int(n) for n in re.findall(r"<td>(\d+)</td>", table))

    assert total() == 2
    factories.concern(category="speeding-traffic")
    assert total() == 3


def test_stored_tiles_match_for_points_on_tile_edges(town):
    import importlib

    from django.apps import apps
    from django.db import connection

    from openbeat.concerns import tiles
    from openbeat.concerns.models import Concern

    migration = importlib.import_module("openbeat.concerns.migrations.0004_public_place")
    edges = [("39.300000", "-75.600000"), ("39.299990", "-75.599990"), ("39.305000", "-75.650000")]
    made = [factories.concern(point=point) for point in edges]
    saved = {c.pk: c.tile for c in made}
    assert saved == {c.pk: tiles.tile_of(*point) for c, point in zip(made, edges, strict=True)}
    assert len(set(saved.values())) == 3
    Concern.objects.update(tile=None, public_latitude=None, public_longitude=None)
    # What the migration runs on an existing database.
    migration.store_public_places(apps, SimpleNamespace(connection=connection))
    assert dict(Concern.objects.values_list("pk", "tile")) == saved


def test_pins_keep_to_the_box_inside_a_map_tile(client, town):
    inside = factories.concern(point=("39.3010", "-75.6010"))
    factories.concern(point=("39.3040", "-75.6040"))  # the same 0.05° tile, outside the box
    box = client.get("/concerns/pins.json?bbox=-75.6020,39.3000,-75.6000,39.3020").json()
    assert [p["id"] for p in pins_of(box)] == [inside.pk]


def test_the_cached_problem_pages_forms_work_for_every_reader(client, town):
    from django.test import Client

    problem = problem_actions.create_problem(
        town.smyrna,
        "Speeding near the school",
        "Cars speed at pick-up.",
        area=town.smyrna.areas.get(),
        acting_user=town.smyrna_coordinator,
    )
    client.get(problem.get_absolute_url())  # the first reader's copy is cached
    second = Client(enforce_csrf_checks=True)
    page = second.get(problem.get_absolute_url()).content.decode()
    follow = re.search(r'<form method="post" action="([^"]*/follow/[^"]*)"', page).group(1)
    answer = second.post(follow, {"email": "neighbour@example.org"})
    assert answer.status_code in (200, 302), answer.status_code
