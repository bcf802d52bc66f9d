"""Response times, closures contested, where concerns come from, and the engagement record,
against values worked out by hand; the CSV for grant reports is staff-only and agency-scoped."""

import csv
import datetime
import io

import pytest
from django.utils import timezone

from openbeat.concerns import actions as concern_actions
from openbeat.concerns.models import Source, Status
from openbeat.core.models import Role
from openbeat.events import actions as event_actions
from openbeat.insights import metrics
from tests import factories
from tests.insights.clock import at

T0 = datetime.datetime(2026, 11, 2, 15, 0, tzinfo=datetime.UTC)


def hours(n):
    return T0 + datetime.timedelta(hours=n)


@pytest.fixture
def history(town):
    """Three graffiti concerns reported at T0: acknowledged after 2, 4 and 10 hours; the first
    closed at 24 h, contested, closed again at 72 h; the second closed at 48 h; the third open.
    And one concern raised at a meeting."""
    officer = town.smyrna_officer
    with at(hours(0)):
        first, second, third = (factories.concern(description=f"Tag {n}") for n in range(3))
        first.reporter_email = ""
        meeting = factories.event(town, start=hours(-48)).occurrences.get()
        concern_actions.submit_concern(
            {
                "category": "noise",
                "latitude": factories.SMYRNA_POINT[0],
                "longitude": factories.SMYRNA_POINT[1],
                "description": "Loud bar",
            },
            source=Source.MEETING,
            occurrence=meeting,
            acting_user=officer,
        )
    for concern, ack in ((first, 2), (second, 4), (third, 10)):
        with at(hours(ack)):
            concern_actions.change_status(concern, Status.ACKNOWLEDGED, acting_user=officer)
    with at(hours(24)):
        concern_actions.change_status(first, Status.RESOLVED, "Cleaned.", acting_user=officer)
    with at(hours(30)):
        concern_actions.contest(first.tracking_token, "It is back already.")
    with at(hours(48)):
        concern_actions.change_status(second, Status.RESOLVED, "Cleaned.", acting_user=officer)
    first.refresh_from_db()  # the contest reopened it, as the officer's next page shows
    with at(hours(72)):
        concern_actions.change_status(
            first, Status.RESOLVED, "Cleaned for good.", acting_user=officer
        )
    return town


def test_response_times_by_category_month_and_area(history, monkeypatch):
    # The arithmetic, with every figure published however few its values (test_figures.py
    # checks the minimums).
    for minimum in ("MIN_FOR_MEDIAN", "MIN_FOR_P90", "MIN_FOR_SHARE"):
        monkeypatch.setattr(metrics, minimum, 1)
    with at(hours(100)):
        result = metrics.response_metrics(history.smyrna, hours(-24 * 30))
    graffiti = next(r for r in result["category"] if r["key"] == "Vandalism and graffiti")
    # Acknowledged after 2, 4, 10 h: median 4; 90th percentile at rank 1.8: 4 + 0.8 × 6 = 8.8.
    assert graffiti["acknowledge"] == {"n": 3, "median": 4.0, "p90": 8.8}
    # Closed after 72 h (the last closing counts) and 48 h: median 60; p90 48 + 0.9 × 24 = 69.6.
    assert graffiti["close"] == {"n": 2, "median": 60.0, "p90": 69.6}
    month = next(r for r in result["month"] if r["key"] == "2026-11")
    assert month["close"] == graffiti["close"] and month["reported"] == 4
    assert [r["key"] for r in result["area"]] == ["Town of Smyrna"]
    # Three closures in November, one of them contested.
    assert result["closures"] == [{"month": "2026-11", "closed": 3, "contested": 1, "share": 33.3}]
    assert result["sources"] == [{"month": "2026-11", "meeting": 1, "online": 3}]


def test_private_concerns_are_left_out_of_public_figures(history):
    private = factories.concern(category="officer-conduct", description="Rude officer")
    with at(hours(100)):
        concern_actions.change_status(private, Status.RESOLVED, acting_user=history.smyrna_officer)
        public = metrics.concern_counts(history.smyrna, hours(-24 * 30), public=True)
        staff = metrics.concern_counts(history.smyrna, hours(-24 * 30), public=False)
    assert sum(public["raised"].values()) + 1 == sum(staff["raised"].values())


@pytest.fixture
def engaged(town):
    """Yesterday's 90-minute meeting: a sergeant of the Community Policing Unit and an officer
    listed; three people in two checked-in replies, one reply that did not come, five walk-ins;
    two concerns logged there."""
    sergeant = factories.user("sgt.jones", town.smyrna, Role.OFFICER, title="Sergeant")
    sergeant.staff_roles.update(unit="Community Policing Unit")
    event = factories.event(town, start=factories.in_days(1), duration=90)
    event.officers.set([*sergeant.staff_roles.all(), *town.smyrna_officer.staff_roles.all()])
    occurrence = event.occurrences.get()
    replies = [
        factories.rsvp(occurrence, name, party_size=size) for name, size in (("A", 2), ("B", 1))
    ]
    factories.rsvp(occurrence, "C", party_size=4)  # did not come
    with at(occurrence.start):  # at the meeting
        for rsvp in replies:
            event_actions.check_in(rsvp, acting_user=town.smyrna_officer)
        event_actions.update_record(occurrence, "", "Minutes", 5, acting_user=town.smyrna_officer)
    for n in range(2):
        factories.concern(description=f"Raised {n}")
    from openbeat.concerns.models import Concern

    Concern.objects.filter(description__startswith="Raised").update(raised_at=occurrence)
    return town


def test_engagement_by_agency_unit_and_officer(engaged):
    now = factories.in_days(2)
    with at(now):
        rows = metrics.engagement(engaged.smyrna, now - datetime.timedelta(days=30), now)
    by_name = {row["name"]: row for row in rows}
    agency = by_name["Smyrna Police Department"]
    assert (agency["events"], agency["attendance"], agency["officers"]) == (1, 8, 2)
    assert (agency["officer_hours"], agency["concerns"]) == (3.0, 2)
    unit = by_name["Community Policing Unit"]
    assert (unit["officers"], unit["officer_hours"], unit["attendance"]) == (1, 1.5, 8)
    assert by_name["Sergeant sgt.jones"]["officer_hours"] == 1.5
    assert by_name["smyrna.officer"]["events"] == 1


def test_grant_report_csv_for_a_date_range(engaged, client):
    today = timezone.localdate(timezone=factories.TZ)
    with at(factories.in_days(2)):
        client.force_login(engaged.smyrna_coordinator)
        response = client.get(
            "/staff/insights/engagement.csv",
            {"start": str(today), "end": str(today + datetime.timedelta(days=2))},
        )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["Level", "Name", "Meetings held", "Attendance"]
    # No volunteer shifts recorded: the projects app counts none.
    assert rows[1][:8] == ["agency", "Smyrna Police Department", "1", "8", "2", "3.0", "2", "0.0"]


def test_a_grant_report_refuses_inverted_dates_and_other_agencies(engaged, client):
    client.force_login(engaged.smyrna_coordinator)
    inverted = client.get(
        "/staff/insights/engagement.csv", {"start": "2026-11-20", "end": "2026-11-01"}
    )
    assert inverted.status_code == 400
    assert "The end date is before the start date" in inverted.content.decode()
    other = client.get(
        "/staff/insights/engagement.csv",
        {"agency": "clayton-pd", "start": "2026-11-01", "end": "2026-11-20"},
    )
    assert other.status_code == 404
    client.logout()
    assert client.get("/staff/insights/engagement.csv").status_code == 302


@pytest.mark.parametrize(
    "zone", ["America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "America/Asuncion"]
)
def test_local_months_agree_with_converting_each_instant(zone):
    """Asunción's clocks went from 00:00 to 01:00 on 1 October 2017: a month began in a gap."""
    import types
    import zoneinfo

    agency = types.SimpleNamespace(tz=zoneinfo.ZoneInfo(zone))
    since = datetime.datetime(2017, 3, 1, tzinfo=datetime.UTC)
    months = metrics.LocalMonths(agency, since, since + datetime.timedelta(days=400))
    instants = [since + datetime.timedelta(minutes=15 * n) for n in range(4 * 24 * 420)]
    instants += [start + datetime.timedelta(seconds=s) for start in months.starts for s in (-1, 0)]
    for when in instants:  # the last 20 days fall after `until`: converted one by one
        assert months(when) == timezone.localtime(when, agency.tz).strftime("%Y-%m"), when
