import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openbeat.core import brand
from openbeat.events.models import RSVP
from tests import factories


def _rsvp_url(occurrence):
    return f"{occurrence.get_absolute_url()}rsvp/"


def test_finder_lists_upcoming_meetings_of_hosts_and_co_hosts(client, town):
    factories.event(town, title="Smyrna Alone")
    factories.event(town, title="Coffee Together", co_hosts=[town.clayton])
    factories.event(town, title="Long Ago", start=factories.in_days(-30))
    page = client.get("/events/").content.decode()
    assert "Smyrna Alone" in page and "Coffee Together" in page and "Long Ago" not in page
    clayton = client.get("/events/", {"agency": "clayton-pd"}).content.decode()
    assert "Coffee Together" in clayton and "Smyrna Alone" not in clayton


def test_finder_filters_by_programme_area_and_dates(client, town):
    factories.event(town, title="Coffee Morning", programme=town.coffee, start=factories.in_days(2))
    factories.event(
        town,
        title="Clayton Meeting",
        agency=town.clayton,
        programme=town.clayton_meeting,
        venue=town.clayton_hall,
        start=factories.in_days(20),
    )
    by_programme = client.get("/events/", {"programme": town.coffee.slug}).content.decode()
    assert "Coffee Morning" in by_programme and "Clayton Meeting" not in by_programme
    clayton_area = town.clayton.areas.get()
    by_area = client.get("/events/", {"area": clayton_area.pk}).content.decode()
    assert "Clayton Meeting" in by_area and "Coffee Morning" not in by_area
    later = factories.in_days(10).date().isoformat()
    by_date = client.get("/events/", {"start": later}).content.decode()
    assert "Clayton Meeting" in by_date and "Coffee Morning" not in by_date


@pytest.mark.parametrize(
    "query",
    [
        {"agency": "no-such-agency"},
        {"start": "yesterday"},
        {"start": "2026-05-10", "end": "2026-05-01"},
        {"programme": "abc"},
    ],
)
def test_finder_explains_bad_filters(client, town, query):
    response = client.get("/events/", query)
    assert response.status_code == 400
    assert b'class="error' in response.content or b'class="errors' in response.content


def test_finder_query_count_does_not_grow_with_events(client, town):
    factories.event(town, co_hosts=[town.clayton])

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/events/").status_code == 200
        return len(queries)

    brand.site_agency()  # a serving process has read the site's agency (kept for a minute)
    few = count()
    for _ in range(12):
        factories.event(town, co_hosts=[town.clayton], rrule="FREQ=WEEKLY;COUNT=2")
    assert count() == few


def test_feed_query_count_does_not_grow_with_events(client, town):
    factories.event(town, co_hosts=[town.clayton])

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/events.ics").status_code == 200
        return len(queries)

    few = count()
    for _ in range(12):
        factories.event(town, co_hosts=[town.clayton])
    assert count() == few


def test_event_page_by_slug_or_id_and_unknown_event(client, town):
    series = factories.event(town, rrule="FREQ=MONTHLY;COUNT=3")
    page = client.get(f"/events/{series.slug}/")
    assert page.status_code == 200
    assert page.content.decode().count('<li class="card') == 3
    assert client.get(f"/events/{series.pk}/").url == f"/events/{series.slug}/"
    assert client.get("/events/no-such-event/").status_code == 404
    assert client.get(f"/events/{series.slug}/2001-01-01/").status_code == 404
    assert client.get(f"/events/{series.slug}/not-a-date/").status_code == 404


def test_unpublished_events_are_not_public(client, town):
    hidden = factories.event(town, title="Draft Meeting")
    hidden.is_published = False
    hidden.save()
    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert "Draft Meeting" not in client.get("/events/").content.decode()
    assert b"Draft Meeting" not in client.get("/events.ics").content


def test_rsvp_form_makes_one_reply_that_holds_places_once_confirmed(client, town):
    occurrence = factories.event(town, capacity=10).occurrences.get()
    form = {"name": "Ana Resident", "email": "ana@example.org", "party_size": "2", "nonce": "abc"}
    first = client.post(_rsvp_url(occurrence), form)
    second = client.post(_rsvp_url(occurrence), form)  # the double click
    assert first.status_code == second.status_code == 302
    assert first.url == second.url == occurrence.get_absolute_url() + "#rsvp"
    rsvp = RSVP.objects.get()
    places = re.compile(r"Places left</dt><dd>(\d+)</dd>")
    page = client.get(first.url).content.decode()
    assert "your place is kept once you confirm with the link in it" in page
    assert places.search(page).group(1) == "10"  # nothing is held before the address confirms
    assert "Yes, I'm coming" in client.get(rsvp.get_absolute_url()).content.decode()
    confirmed = client.post(f"/rsvp/{rsvp.token}/confirm/")
    assert confirmed.url == rsvp.get_absolute_url()
    assert "saved 2 places" in client.get(confirmed.url).content.decode()
    page = client.get(occurrence.get_absolute_url()).content.decode()
    assert places.search(page).group(1) == "8"


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"name": "Ana", "email": "nope", "party_size": "1"}, "valid email"),
        (
            {"name": "Ana", "email": "a@example.org", "party_size": "0"},
            "greater than or equal to 1",
        ),
        (
            {"name": "Ana", "email": "a@example.org", "party_size": "9999"},
            "less than or equal to 20",
        ),
        ({"name": "", "email": "a@example.org", "party_size": "1"}, "required"),
    ],
)
def test_rsvp_form_errors_say_what_to_fix_and_store_nothing(client, town, form, message):
    occurrence = factories.event(town).occurrences.get()
    response = client.post(_rsvp_url(occurrence), form)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not RSVP.objects.exists()


def test_full_past_and_cancelled_meetings_explain_themselves(client, town):
    full = factories.event(town, capacity=1, waitlist=False).occurrences.get()
    factories.rsvp(full)
    response = client.post(
        _rsvp_url(full), {"name": "B", "email": "b@example.org", "party_size": 1}
    )
    assert response.status_code == 400
    assert "This meeting is full" in response.content.decode()
    past = factories.event(town, start=factories.in_days(-2)).occurrences.get()
    response = client.post(
        _rsvp_url(past), {"name": "B", "email": "b@example.org", "party_size": 1}
    )
    assert response.status_code == 400
    assert "already started or taken place" in response.content.decode()
    assert RSVP.objects.count() == 1


def test_spanish_from_the_browser_language(client, town):
    factories.event(town)
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<html lang="es">' in page
    assert "Emergencias" in page or "emergencia" in page
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in english and "In an emergency, call 911." in english


def test_language_switcher_works_without_javascript(client, town):
    response = client.post("/i18n/setlang/", {"language": "es", "next": "/events/"})
    assert response.status_code == 302
    assert '<html lang="es">' in client.get("/events/").content.decode()


def test_reply_page_needs_the_private_token(client, town):
    occurrence = factories.event(town).occurrences.get()
    rsvp = factories.rsvp(occurrence, name="Private Person", email="private@example.org")
    assert client.get(f"/rsvp/{rsvp.pk}/").status_code == 404
    page = client.get(rsvp.get_absolute_url()).content.decode()
    assert "private@example.org" not in page
    assert "Private Person" not in client.get(occurrence.get_absolute_url()).content.decode()


def test_healthz(client, db):
    response = client.get("/healthz")
    assert response.json()["status"] == "ok"


def test_rsvp_honeypot_and_rate_limit(client, town):
    occurrence = factories.event(town).occurrences.get()
    url = _rsvp_url(occurrence)
    bot = client.post(
        url,
        {
            "name": "Bot",
            "email": "bot@example.org",
            "party_size": 1,
            "website": "http://spam.example",
        },
    )
    assert bot.status_code == 302 and not RSVP.objects.exists()
    for i in range(30):  # the limit: 30 replies an hour from one address
        client.post(url, {"name": f"P{i}", "email": f"p{i}@example.org", "party_size": 1})
    limited = client.post(url, {"name": "Late", "email": "late@example.org", "party_size": 1})
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert not RSVP.objects.filter(email="late@example.org").exists()
