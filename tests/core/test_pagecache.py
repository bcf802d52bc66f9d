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
    assert len(queries) <= 1  # at most the version number; the page itself is not rebuilt
    actions.cancel_occurrence(occurrence, "Storm warning", acting_user=town.smyrna_coordinator)
    assert "Canceled" in client.get("/events/").content.decode()
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


def test_pages_are_gzipped_for_readers_that_accept_it(client, town):
    import gzip

    factories.event(town)
    plain = client.get("/events.ics")
    packed = client.get("/events.ics", HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert packed["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed["Vary"]
    assert gzip.decompress(packed.content) == plain.content
    assert len(packed.content) < len(plain.content)


def _a_second_passes(monkeypatch):
    import time

    from openbeat.core import pagecache

    later = time.monotonic() + pagecache.VERSION_TTL
    monkeypatch.setattr(pagecache.time, "monotonic", lambda: later)


def test_another_process_sees_a_write_within_a_second(client, town, monkeypatch):
    from openbeat.core import pagecache
    from openbeat.core.models import PageVersion
    from openbeat.events.models import Event

    event = factories.event(town, title="Old Title")
    assert "Old Title" in client.get("/events/").content.decode()
    # Another server process writes: the rows and the counters change as its bump() changes
    # them, and this process is not told.
    Event.objects.filter(pk=event.pk).update(title="New Title")
    for scope in (pagecache.SITE, pagecache.WRITES):
        PageVersion.objects.update_or_create(scope=scope, defaults={"counter": 999})
    assert "Old Title" in client.get("/events/").content.decode()  # within the second
    _a_second_passes(monkeypatch)
    assert "New Title" in client.get("/events/").content.decode()


def test_cached_pages_of_many_scopes_cost_one_query_a_second(client, town, monkeypatch):
    factories.event(town)
    client.get("/events/")
    client.get("/concerns/")  # other scopes (concerns, categories, areas), read once
    with CaptureQueriesContext(connection) as queries:
        client.get("/events/")
        client.get("/concerns/")
    assert len(queries) == 0
    _a_second_passes(monkeypatch)  # one read for every scope known, not one per page
    with CaptureQueriesContext(connection) as queries:
        client.get("/events/")
        client.get("/concerns/")
    assert len(queries) == 1


def test_values_kept_per_version_are_bounded_and_follow_every_scope_they_name(db, monkeypatch):
    from openbeat.core import pagecache

    monkeypatch.setattr(pagecache, "PER_VERSION_KEYS", 10)
    computed = []
    for n in range(25):  # a busy process: a new filter's count on every page
        pagecache.per_version(["a", "b"], f"count:{n}", lambda n=n: computed.append(n) or n)
    assert len(pagecache._per_version) <= 10
    assert pagecache.per_version(["a", "b"], "count:24", lambda: -1) == 24  # the newest kept
    pagecache.bump("b")  # either scope's write makes the value stale
    assert pagecache.per_version(["a", "b"], "count:24", lambda: -1) == -1
