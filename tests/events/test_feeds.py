import datetime
import zoneinfo

import icalendar
from django.utils import timezone

from openbeat.events import actions
from tests import factories

NY = zoneinfo.ZoneInfo("America/New_York")


def _events(response):
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    return [c for c in calendar.walk("VEVENT")]


def test_feed_has_every_meeting_with_a_link_back(client, town):
    series = factories.event(town, rrule="FREQ=MONTHLY;BYDAY=1MO;COUNT=3", co_hosts=[town.clayton])
    items = _events(client.get("/events.ics"))
    assert len(items) == 3
    for item, occurrence in zip(items, series.occurrences.order_by("start"), strict=True):
        assert str(item["url"]) == "http://testserver" + occurrence.get_absolute_url()
        assert item.decoded("dtstart") == occurrence.start
        assert "Clayton Police Department" in str(item["description"])
        assert "Smyrna Town Hall" in str(item["location"])
    assert len({str(item["uid"]) for item in items}) == 3


def test_feed_keeps_six_pm_local_across_daylight_saving(client, town):
    # Starts in October, runs past the first Sunday of November: 18:00 New York every time.
    year = timezone.localdate().year + 1
    first = datetime.datetime(year, 10, 1, 18, tzinfo=NY)
    factories.event(town, start=first, rrule="FREQ=MONTHLY;BYDAY=1MO;COUNT=3")
    starts = [item.decoded("dtstart").astimezone(NY) for item in _events(client.get("/events.ics"))]
    assert {(s.hour, s.minute) for s in starts} == {(18, 0)}
    assert {s.utcoffset() for s in starts} == {
        datetime.timedelta(hours=-4),
        datetime.timedelta(hours=-5),
    }


def test_agency_feed_has_hosted_and_co_hosted_meetings_only(client, town):
    factories.event(town, title="Smyrna Only")
    factories.event(town, title="Shared Coffee", co_hosts=[town.clayton])
    titles = [str(i["summary"]) for i in _events(client.get("/agencies/clayton-pd/events.ics"))]
    assert titles == ["Shared Coffee"]
    assert client.get("/agencies/nowhere/events.ics").status_code == 404


def test_cancelled_meeting_is_marked_cancelled_with_a_new_sequence(client, town):
    occurrence = factories.event(town).occurrences.get()
    actions.cancel_occurrence(occurrence, "Snow", acting_user=town.smyrna_coordinator)
    (item,) = _events(client.get("/events.ics"))
    assert str(item["status"]) == "CANCELLED"
    assert int(item["sequence"]) == 1


def test_single_meeting_download(client, town):
    occurrence = factories.event(town).occurrences.get()
    url = f"/events/{occurrence.event.slug}/{occurrence.date_key}.ics"
    (item,) = _events(client.get(url))
    assert item.decoded("dtstart") == occurrence.start
