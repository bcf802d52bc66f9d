from django.db import connection
from django.test.utils import CaptureQueriesContext

from openbeat.events import actions
from tests import factories


def test_a_cached_page_costs_one_query_and_a_write_shows_at_once(client, town):
    occurrence = factories.event(town, title="Neighbourhood Watch Night").occurrences.get()
    first = client.get("/events/")
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/events/")
    assert again.content == first.content
    assert len(queries) == 1  # the version number
    actions.cancel_occurrence(town.smyrna_coordinator, occurrence, "Storm warning")
    assert "Cancelled" in client.get("/events/").content.decode()
    assert b"STATUS:CANCELLED" in client.get("/events.ics").content


def test_readers_who_have_the_page_get_304(client, town):
    factories.event(town)
    etag = client.get("/events.ics")["ETag"]
    assert client.get("/events.ics", HTTP_IF_NONE_MATCH=etag).status_code == 304
    factories.event(town, title="Another")
    assert client.get("/events.ics", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_each_language_has_its_own_copy(client, town):
    factories.event(town)
    assert '<html lang="en">' in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="es">' in client.get("/", HTTP_ACCEPT_LANGUAGE="es").content.decode()


def test_staff_never_get_the_anonymous_copy(client, town):
    factories.event(town)
    client.get("/")
    client.force_login(town.smyrna_officer)
    assert "Concerns queue" in client.get("/").content.decode()
