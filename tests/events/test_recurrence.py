import datetime
import zoneinfo

import pytest
from django.core.exceptions import ValidationError

from openbeat.events import recurrence
from openbeat.events.models import Event
from tests import factories

NY = zoneinfo.ZoneInfo("America/New_York")
NOW = datetime.datetime(2026, 9, 1, 12, tzinfo=datetime.UTC)


def test_monthly_meeting_stays_at_six_pm_across_the_dst_change():
    # 2026-11-01 is when New York leaves daylight saving time.
    first = datetime.datetime(2026, 10, 5, 18, tzinfo=NY)
    starts = recurrence.utc_starts(first, "FREQ=MONTHLY;BYDAY=1MO;COUNT=4", NY, now=NOW)
    local = [s.astimezone(NY) for s in starts]
    assert [d.date().isoformat() for d in local] == [
        "2026-10-05",
        "2026-11-02",
        "2026-12-07",
        "2027-01-04",
    ]
    assert {(d.hour, d.minute) for d in local} == {(18, 0)}
    # Same wall clock, different instants: 22:00 UTC in October, 23:00 UTC after the change.
    assert [s.hour for s in starts] == [22, 23, 23, 23]


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("FREQ=MONTHLY;BYDAY=1MO", "never ends"),
        ("FREQ=MINUTELY;COUNT=100000", "at most once a day"),
        ("FREQ=DAILY;INTERVAL=0;COUNT=3", "INTERVAL must be 1"),
        ("FREQ=MONTHLY;BYDAY=9MO;COUNT=3", "cannot be read"),
        ("FREQ=DAILY;UNTIL=20401231T000000Z", "more than 260"),
        ("FREQ=YEARLY;COUNT=20", "years ahead"),
        ("FREQ=SOMETIMES;COUNT=2", "cannot be read"),
        ("FREQ=MONTHLY;UNTIL=20270101T000000", "UNTIL in UTC"),
        ("FREQ=MONTHLY;UNTIL=20200101T000000Z", "no meetings"),
    ],
)
def test_it_refuses_rules_that_run_away_or_cannot_be_read(rule, message):
    with pytest.raises(ValidationError) as refused:
        recurrence.utc_starts(datetime.datetime(2026, 10, 5, 18, tzinfo=NY), rule, NY, now=NOW)
    assert message in " ".join(refused.value.messages)


def test_an_invalid_rule_saves_nothing(town):
    record = Event(
        agency=town.smyrna,
        programme=town.meeting,
        title="Runaway",
        slug="runaway",
        venue=town.hall,
        start=factories.in_days(3),
        rrule="FREQ=HOURLY",
    )
    with pytest.raises(ValidationError):
        record.full_clean()
    with pytest.raises(ValidationError):
        factories.actions.save_event(record, is_new=True, acting_user=None)
    assert not Event.objects.filter(slug="runaway").exists()


def test_changing_the_rule_keeps_replies_and_tells_residents(town, mailbox):
    series = factories.event(town, start=factories.in_days(3), rrule="FREQ=WEEKLY;COUNT=4")
    last = series.occurrences.order_by("start").last()
    factories.rsvp(last, email="keeps@example.org")
    series.rrule = "FREQ=WEEKLY;COUNT=2"
    factories.actions.save_event(series, is_new=False, acting_user=None)
    statuses = list(series.occurrences.order_by("start").values_list("status", flat=True))
    # The empty third date is gone; the fourth, which had a reply, is cancelled, not deleted.
    assert statuses == ["scheduled", "scheduled", "cancelled"]
    assert "Canceled" in mailbox.to("keeps@example.org")[-1]["Subject"]
