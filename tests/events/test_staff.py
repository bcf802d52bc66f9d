"""Staff meeting pages: who may see and do what, asserted for every named person."""

import datetime

import pytest
from django.utils import timezone

from openbeat.core.models import AuditEvent
from openbeat.events.models import OccurrenceStatus
from tests import factories


def _under_way(occurrence):
    """The meeting began ten minutes ago (after its replies came in): its day has come, and it
    can still be moved or cancelled."""
    start = (timezone.now() - datetime.timedelta(minutes=10)).replace(second=0, microsecond=0)
    length = occurrence.end - occurrence.start
    type(occurrence).objects.filter(pk=occurrence.pk).update(
        start=start, original_start=start, end=start + length
    )
    occurrence.refresh_from_db()
    return occurrence


@pytest.fixture
def smyrna_only(town):
    occurrence = factories.event(town, title="Smyrna Only").occurrences.get()
    factories.rsvp(occurrence, name="Maria Resident", email="maria@example.org")
    return _under_way(occurrence)


@pytest.fixture
def shared(town):
    occurrence = factories.event(town, title="Shared Coffee", co_hosts=[town.clayton])
    factories.rsvp(occurrence.occurrences.get(), name="Co Guest", email="co.guest@example.org")
    return _under_way(occurrence.occurrences.get())


@pytest.fixture
def next_week(town):
    occurrence = factories.event(town, title="Next Week", start=factories.in_days(7))
    occurrence = occurrence.occurrences.get()
    factories.rsvp(occurrence, name="Early Bird", email="early@example.org")
    return occurrence


def _as(client, user):
    client.force_login(user)
    return client


def test_staff_pages_need_sign_in(client, smyrna_only):
    response = client.get(f"/staff/meetings/{smyrna_only.pk}/")
    assert response.status_code == 302 and response.url.startswith("/staff/login/")


def test_host_officer_sees_replies_and_other_agency_gets_404(client, town, smyrna_only):
    page = _as(client, town.smyrna_officer).get(f"/staff/meetings/{smyrna_only.pk}/")
    assert "maria@example.org" in page.content.decode()
    for outsider in (town.clayton_officer, town.clayton_coordinator, town.outsider):
        assert _as(client, outsider).get(f"/staff/meetings/{smyrna_only.pk}/").status_code == 404


def test_staff_home_lists_only_own_and_co_hosted_meetings(client, town, smyrna_only, shared):
    page = _as(client, town.clayton_officer).get("/staff/").content.decode()
    assert "Shared Coffee" in page and "Smyrna Only" not in page
    assert "Smyrna Only" in _as(client, town.smyrna_officer).get("/staff/").content.decode()


def test_check_in_is_audited_and_counts_arrivals(client, town, smyrna_only):
    rsvp = smyrna_only.rsvps.get()
    response = _as(client, town.smyrna_officer).post(
        f"/staff/meetings/{smyrna_only.pk}/check-in/", {"rsvp": rsvp.pk, "present": "1"}
    )
    assert response.status_code == 302
    rsvp.refresh_from_db()
    assert rsvp.checked_in_at is not None
    event = AuditEvent.objects.get(action="rsvp.check_in")
    assert event.actor == town.smyrna_officer and event.agency == town.smyrna
    assert event.before["checked_in_at"] is None and event.after["checked_in_at"]
    assert "Arrived 1" in client.get(f"/staff/meetings/{smyrna_only.pk}/").content.decode()


def test_check_in_refuses_a_reply_from_another_meeting(client, town, smyrna_only, shared):
    other = shared.rsvps.get()
    response = _as(client, town.smyrna_officer).post(
        f"/staff/meetings/{smyrna_only.pk}/check-in/", {"rsvp": other.pk, "present": "1"}
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.checked_in_at is None


def test_co_host_can_check_in_but_not_cancel(client, town, shared):
    rsvp = shared.rsvps.get()
    clayton = _as(client, town.clayton_coordinator)
    assert (
        clayton.post(
            f"/staff/meetings/{shared.pk}/check-in/", {"rsvp": rsvp.pk, "present": "1"}
        ).status_code
        == 302
    )
    assert clayton.post(f"/staff/meetings/{shared.pk}/cancel/", {"note": "x"}).status_code == 404
    shared.refresh_from_db()
    assert shared.status == OccurrenceStatus.SCHEDULED


def test_officer_cannot_cancel_but_coordinator_can(client, town, smyrna_only, mailbox):
    url = f"/staff/meetings/{smyrna_only.pk}/cancel/"
    assert _as(client, town.smyrna_officer).post(url, {"note": "x"}).status_code == 404
    assert _as(client, town.smyrna_coordinator).post(url, {"note": "Flooded"}).status_code == 302
    smyrna_only.refresh_from_db()
    assert smyrna_only.status == OccurrenceStatus.CANCELLED
    assert mailbox.to("maria@example.org")[-1]["Subject"].startswith("Canceled")


def test_minutes_are_sanitised_on_the_public_page(client, town, smyrna_only):
    _as(client, town.smyrna_coordinator).post(
        f"/staff/meetings/{smyrna_only.pk}/record/",
        {
            "agenda": "1. Welcome",
            "walk_ins": "12",
            "minutes": "**Speeding** on Main St <script>alert(1)</script> [x](javascript:alert(1))",
        },
    )
    client.logout()
    page = client.get(smyrna_only.get_absolute_url()).content.decode()
    assert "<strong>Speeding</strong>" in page
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert 'href="javascript' not in page


def test_bad_walk_in_count_is_refused(client, town, smyrna_only):
    response = _as(client, town.smyrna_officer).post(
        f"/staff/meetings/{smyrna_only.pk}/record/", {"walk_ins": "-4", "minutes": "x"}
    )
    assert response.status_code == 400
    smyrna_only.refresh_from_db()
    assert smyrna_only.minutes == "" and smyrna_only.walk_ins == 0


def test_move_keeps_local_time_and_tells_residents(client, town, smyrna_only, mailbox):
    new_start = factories.in_days(10, hour=19, minute=30)
    response = _as(client, town.smyrna_coordinator).post(
        f"/staff/meetings/{smyrna_only.pk}/move/",
        {"start": new_start.strftime("%Y-%m-%dT%H:%M"), "note": "Bigger room"},
    )
    assert response.status_code == 302
    smyrna_only.refresh_from_db()
    assert smyrna_only.start == new_start
    assert smyrna_only.sequence == 1
    assert mailbox.to("maria@example.org")[-1]["Subject"].startswith("New time or place")


def test_move_into_the_past_is_refused(client, town, smyrna_only):
    response = _as(client, town.smyrna_coordinator).post(
        f"/staff/meetings/{smyrna_only.pk}/move/", {"start": "2001-01-01T10:00", "note": ""}
    )
    assert response.status_code == 400
    assert "future" in response.content.decode()


@pytest.mark.parametrize("start", ["9999-12-31T23:59", "0001-01-01T00:00", "2999-06-01T10:00"])
def test_move_to_an_impossible_year_is_refused_and_changes_nothing(
    client, town, smyrna_only, start
):
    before = smyrna_only.start
    response = _as(client, town.smyrna_coordinator).post(
        f"/staff/meetings/{smyrna_only.pk}/move/", {"start": start, "note": "typo"}
    )
    assert response.status_code == 400
    assert "Enter a year between 2000 and" in response.content.decode()
    smyrna_only.refresh_from_db()
    assert smyrna_only.start == before and smyrna_only.sequence == 0


def test_check_in_opens_on_the_meeting_day(client, town, next_week):
    rsvp = next_week.rsvps.get()
    staff = _as(client, town.smyrna_officer)
    assert (
        "Check-in opens on the day of the meeting."
        in staff.get(f"/staff/meetings/{next_week.pk}/").content.decode()
    )
    response = staff.post(
        f"/staff/meetings/{next_week.pk}/check-in/", {"rsvp": rsvp.pk, "present": "1"}
    )
    assert response.status_code == 400
    assert "Check-in opens on the day of the meeting." in response.content.decode()
    rsvp.refresh_from_db()
    assert rsvp.checked_in_at is None
    assert not AuditEvent.objects.filter(action="rsvp.check_in").exists()


def test_walk_ins_are_counted_from_the_meeting_day_within_bounds(
    client, town, next_week, smyrna_only
):
    staff = _as(client, town.smyrna_officer)
    # Ahead of the day the agenda is written, and walk-ins stay at 0.
    early = staff.post(
        f"/staff/meetings/{next_week.pk}/record/", {"agenda": "1. Welcome", "walk_ins": "40"}
    )
    assert early.status_code == 400
    assert "Walk-ins are counted from the day of the meeting" in early.content.decode()
    next_week.refresh_from_db()
    assert next_week.walk_ins == 0 and next_week.agenda == ""
    ahead = staff.post(
        f"/staff/meetings/{next_week.pk}/record/", {"agenda": "1. Welcome", "walk_ins": "0"}
    )
    assert ahead.status_code == 302
    next_week.refresh_from_db()
    assert next_week.agenda == "1. Welcome"
    # On the day: counted, but never a typo of 100000.
    typo = staff.post(f"/staff/meetings/{smyrna_only.pk}/record/", {"walk_ins": "100000"})
    assert typo.status_code == 400
    assert (
        staff.post(f"/staff/meetings/{smyrna_only.pk}/record/", {"walk_ins": "35"}).status_code
        == 302
    )
    smyrna_only.refresh_from_db()
    assert smyrna_only.walk_ins == 35


def test_cancelling_needs_a_reason_which_residents_get(client, town, next_week, mailbox):
    coordinator = _as(client, town.smyrna_coordinator)
    url = f"/staff/meetings/{next_week.pk}/cancel/"
    refused = coordinator.post(url, {"note": "   "})
    assert refused.status_code == 400
    assert "Say why, for the residents who replied." in refused.content.decode()
    next_week.refresh_from_db()
    assert next_week.status == OccurrenceStatus.SCHEDULED
    assert not mailbox.to("early@example.org")
    assert coordinator.post(url, {"note": "The hall is flooded."}).status_code == 302
    (email,) = mailbox.to("early@example.org")
    assert email["Subject"].startswith("Canceled")
    assert "The hall is flooded." in email.get_body(("plain",)).get_content()
    # Cancelling twice tells no one twice.
    assert coordinator.post(url, {"note": "Again"}).status_code == 400
    assert len(mailbox.to("early@example.org")) == 1


def test_a_cancelled_meeting_offers_neither_places_nor_a_calendar_entry(client, town, mailbox):
    occurrence = factories.event(
        town, title="Full Coffee", start=factories.in_days(5), capacity=80
    ).occurrences.get()
    page = client.get(occurrence.get_absolute_url()).content.decode()
    assert "Places left" in page and "Add to my calendar" in page
    _as(client, town.smyrna_coordinator).post(
        f"/staff/meetings/{occurrence.pk}/cancel/", {"note": "Snow."}
    )
    client.logout()
    page = client.get(occurrence.get_absolute_url()).content.decode()
    assert "This meeting is canceled." in page and "Snow." in page
    assert "Places left" not in page and "Add to my calendar" not in page
