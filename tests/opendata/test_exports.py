"""Open data exports: public fields only, rounded as the pages round, streamed, bad input refused."""

import csv
import io
import json

import pytest

from openbeat.concerns import actions
from openbeat.concerns.models import Concern
from openbeat.problems import actions as problem_actions
from tests import factories

EXPORTS = [f"/data/{d}.{f}" for d in ("concerns", "events", "problems") for f in ("csv", "geojson")]


def _body(response):
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content).decode()


def _csv(client, url):
    return list(csv.DictReader(io.StringIO(_body(client.get(url)))))


def _features(client, url):
    return json.loads(_body(client.get(url)))["features"]


@pytest.fixture
def planted(town):
    """Residents' names, emails and phones planted everywhere they can be, and the private bits."""
    markers = []

    def mark(text):
        markers.append(text)
        return text

    public = factories.concern(
        name=mark("Quentin Markerfield"),
        email=mark("quentin.markerfield@example.org"),
        phone=mark("+1 302 555 0199"),
    )
    people = factories.concern(
        category="loitering",
        point=("39.301234", "-75.598765"),
        name=mark("Rosalind Tracewell"),
        email=mark("rosalind.tracewell@example.org"),
        phone=mark("302-555-0142"),
    )
    private = factories.concern(
        category="officer-conduct",
        description=mark("Private complaint text Zebulon"),
        name=mark("Ulrich Privateson"),
        email=mark("ulrich.privateson@example.org"),
    )
    hidden = factories.concern(description=mark("Hidden text naming Yolanda Neighbour"))
    actions.set_hidden(hidden, True, "names a neighbour", acting_user=town.smyrna_coordinator)
    actions.respond(
        public, mark("Internal note Xavierstone"), public=False, acting_user=town.smyrna_officer
    )
    factories.supporter(public, mark("supporter.vantablack@example.org"))
    meeting = factories.event(town).occurrences.get()
    factories.rsvp(meeting, name=mark("Wilhelmina Rsvpson"), email=mark("wilhelmina@example.org"))
    problem = problem_actions.create_problem(
        town.smyrna,
        "Graffiti on Main Street",
        "Paint and patrols.",
        acting_user=town.smyrna_coordinator,
    )
    problem.concerns.add(public, private)
    markers += [public.tracking_token, people.tracking_token, private.tracking_token]
    return {"markers": markers, "public": public, "people": people, "problem": problem}


def test_no_export_carries_a_resident_s_details_or_anything_private(client, planted):
    for url in [*EXPORTS, "/data/"]:
        response = client.get(url)
        body = _body(response) if response.streaming else response.content.decode()
        for marker in planted["markers"]:
            assert marker not in body, f"{marker!r} found in {url}"


def test_concerns_are_the_public_ones_with_the_page_s_rounding(client, planted):
    rows = {int(r["id"]): r for r in _csv(client, "/data/concerns.csv")}
    public, people = planted["public"], planted["people"]
    assert set(rows) == {public.pk, people.pk}  # private and hidden ones are not there
    assert (rows[people.pk]["latitude"], rows[people.pk]["longitude"]) == ("39.301", "-75.599")
    assert rows[people.pk]["location_precision"] == "about_100m"
    assert rows[public.pk]["location_precision"] == "exact"
    assert rows[public.pk]["supporters"] == "1"
    features = {f["id"]: f for f in _features(client, "/data/concerns.geojson")}
    assert features[people.pk]["geometry"] == {"type": "Point", "coordinates": [-75.599, 39.301]}
    page_point = Concern.objects.get(pk=people.pk).public_point()
    assert tuple(features[people.pk]["geometry"]["coordinates"][::-1]) == page_point


def test_events_and_problems_export_what_their_pages_show(client, planted, town):
    (meeting,) = _csv(client, "/data/events.csv")
    assert meeting["agency"] == "smyrna-pd" and meeting["venue"] == "Smyrna Town Hall"
    assert meeting["url"].startswith("http://testserver/events/")
    assert client.get(meeting["url"].removeprefix("http://testserver")).status_code == 200
    (problem,) = _features(client, "/data/problems.geojson")
    assert problem["properties"]["title"] == "Graffiti on Main Street"
    assert problem["properties"]["public_concerns"] == 1  # the private one is not counted
    assert problem["geometry"] is None or problem["geometry"]["type"] in {"Polygon", "MultiPolygon"}


def test_date_and_agency_filters_select_rows(client, planted, town):
    factories.concern(point=factories.CLAYTON_POINT)
    assert len(_csv(client, "/data/concerns.csv?agency=clayton-pd")) == 1
    assert len(_csv(client, "/data/concerns.csv?agency=smyrna-pd")) == 2
    assert len(_csv(client, "/data/concerns.csv?from=2000-01-01&to=2001-01-01")) == 0
    assert len(_csv(client, "/data/concerns.csv?from=2020-01-01")) == 3


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-05-01&to=2026-01-01", "is after to"),
        ("from=0001-01-01&to=9999-12-31", "longer than ten years"),
        ("from=yesterday", "YYYY-MM-DD"),
        ("to=2026-02-30", "YYYY-MM-DD"),
        ("agency=nowhere-pd", "no agency nowhere-pd"),
        ("since=2026-01-01", "Unknown filter: since"),
    ],
)
def test_bad_filters_are_400s_that_say_what_to_fix(client, town, query, message):
    for fmt in ("csv", "geojson"):
        response = client.get(f"/data/concerns.{fmt}?{query}")
        assert response.status_code == 400
        assert message in response.content.decode()


def test_unknown_data_sets_and_formats_are_not_found(client, town):
    assert client.get("/data/reporters.csv").status_code == 404
    assert client.get("/data/concerns.xlsx").status_code == 404


def test_exports_are_rate_limited_per_client(client, town, monkeypatch):
    from openbeat.opendata import views

    monkeypatch.setattr(views, "EXPORT_LIMIT", (3, 3600))
    for _ in range(3):
        assert client.get("/data/events.csv").status_code == 200
    refused = client.get("/data/events.csv")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    # Another client is not held back by this one.
    assert client.get("/data/events.csv", REMOTE_ADDR="198.51.100.7").status_code == 200


def test_data_dictionary_names_every_field_of_every_export(client, town):
    from openbeat.opendata.datasets import DATASETS

    page = client.get("/data/").content.decode()
    for dataset in DATASETS.values():
        for field in dataset.fields:
            assert f"<code>{field.name}</code>" in page
        header = next(csv.reader(io.StringIO(_body(client.get(f"/data/{dataset.slug}.csv")))))
        assert header == dataset.names
    spanish = client.get("/data/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<html lang="es">' in spanish
