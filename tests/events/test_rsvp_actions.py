import pytest
from django.core.exceptions import ValidationError

from openbeat.events import actions
from openbeat.events.models import RSVP, RSVPStatus
from tests import factories


@pytest.fixture
def meeting(town):
    return factories.event(town, capacity=4).occurrences.get()


def test_places_fill_then_the_waiting_list_takes_over(meeting):
    first = factories.rsvp(meeting, party_size=3)
    second = factories.rsvp(meeting, party_size=2)
    assert first.status == RSVPStatus.CONFIRMED
    assert second.status == RSVPStatus.WAITLISTED


def test_cancelling_promotes_the_waiting_list_in_order_and_emails_them(meeting, mailbox):
    first = factories.rsvp(meeting, party_size=3)
    waiting_big = factories.rsvp(meeting, party_size=4, email="big@example.org")
    waiting_small = factories.rsvp(meeting, party_size=1, email="small@example.org")
    assert waiting_small.status == RSVPStatus.CONFIRMED  # one place was still free
    actions.cancel_rsvp(first.token)
    waiting_big.refresh_from_db()
    # 3 places freed, but the group of 4 still does not fit beside the one confirmed.
    assert waiting_big.status == RSVPStatus.WAITLISTED
    actions.cancel_rsvp(waiting_small.token)
    waiting_big.refresh_from_db()
    assert waiting_big.status == RSVPStatus.CONFIRMED
    subjects = [m["Subject"] for m in mailbox.to("big@example.org")]
    assert [s.split(":")[0] for s in subjects] == [
        "Confirm your reply",  # the address confirms the reply from the first email
        "On the waiting list",
        "A place is yours",
    ]


def test_a_full_meeting_without_waiting_list_refuses(town):
    meeting = factories.event(town, capacity=1, waitlist=False).occurrences.get()
    factories.rsvp(meeting)
    with pytest.raises(ValidationError, match="full"):
        factories.rsvp(meeting)
    assert meeting.rsvps.count() == 1


def test_one_live_reply_per_email_and_double_submit_makes_one(meeting):
    rsvp, outcome = actions.create_rsvp(meeting.pk, "Ana", "Ana@Example.org", 1, form_nonce="n1")
    again, outcome_again = actions.create_rsvp(
        meeting.pk, "Ana", "ana@example.org", 1, form_nonce="n1"
    )
    assert (outcome, outcome_again, again.pk) == ("new", "same", rsvp.pk)
    # Sent again, the address is asked again to confirm; once confirmed, it is told it replied.
    assert actions.create_rsvp(meeting.pk, "Ana", "ana@example.org", 1)[1] == "pending"
    assert rsvp.status == RSVPStatus.PENDING
    actions.confirm_rsvp(rsvp.token)
    assert actions.create_rsvp(meeting.pk, "Ana", "ana@example.org", 2)[1] == "already"
    assert RSVP.objects.count() == 1
    actions.cancel_rsvp(rsvp.token)
    renewed, outcome = actions.create_rsvp(meeting.pk, "Ana", "ana@example.org", 1)
    assert (outcome, renewed.status) == ("new", RSVPStatus.PENDING)
    assert actions.confirm_rsvp(renewed.token)[0].status == RSVPStatus.CONFIRMED


@pytest.mark.parametrize(
    ("name", "email", "size", "field"),
    [
        ("", "a@example.org", 1, "name"),
        ("Ana", "not-an-email", 1, "email"),
        ("Ana", "a@example.org", 0, "party_size"),
        ("Ana", "a@example.org", -2, "party_size"),
        ("Ana", "a@example.org", 500, "party_size"),
        ("Ana", "a@example.org", "two", "party_size"),
        ("Ana", "a@example.org", 5, "party_size"),  # more than the 4 places the meeting has
    ],
)
def test_bad_replies_are_refused_and_change_nothing(meeting, name, email, size, field):
    with pytest.raises(ValidationError) as refused:
        actions.create_rsvp(meeting.pk, name, email, size)
    assert list(refused.value.message_dict) == [field]
    assert not RSVP.objects.exists()


def test_past_and_cancelled_meetings_take_no_replies(town):
    past = factories.event(town, start=factories.in_days(-3)).occurrences.get()
    with pytest.raises(ValidationError, match="already started or taken place"):
        factories.rsvp(past)
    upcoming = factories.event(town).occurrences.get()
    actions.cancel_occurrence(upcoming, "Storm", acting_user=town.smyrna_coordinator)
    with pytest.raises(ValidationError, match="canceled"):
        factories.rsvp(upcoming)
    assert not RSVP.objects.exists()


def test_moving_a_meeting_emails_everyone_with_the_new_time(town, mailbox):
    occurrence = factories.event(town).occurrences.get()
    factories.rsvp(occurrence, email="moved@example.org")
    new_start = factories.in_days(9, hour=19)
    actions.move_occurrence(
        occurrence, new_start, None, "Room change", acting_user=town.smyrna_coordinator
    )
    message = mailbox.to("moved@example.org")[-1]
    assert message["Subject"].startswith("New time or place")
    assert "7:00 PM" in message.get_body(("plain",)).get_content()
