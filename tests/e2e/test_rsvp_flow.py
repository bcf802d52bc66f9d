"""A resident's RSVP, start to finish, on a phone: the form, the emails, the waiting list."""

import re

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from openbeat.events.models import RSVP, RSVPStatus
from tests import factories

pytestmark = pytest.mark.e2e


@pytest.fixture
def meeting(site, mailbox):
    """A Smyrna meeting next week with one place, co-hosted by Clayton."""
    town = factories.town()
    event = factories.event(town, capacity=1, co_hosts=[town.clayton])
    return event.occurrences.get()


def _reply(page, name, email, party_size="1"):
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("People coming, including you").fill(party_size)


def _only_message(mailbox, address, subject_start):
    messages = mailbox.wait_for(address, 1)
    assert len(messages) == 1, [m["Subject"] for m in messages]
    assert messages[0]["Subject"].startswith(subject_start), messages[0]["Subject"]
    return messages[0]


def _meeting_in_calendar(message):
    """The single VEVENT of the message's text/calendar attachment."""
    attachments = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert len(attachments) == 1, [p.get_content_type() for p in message.iter_attachments()]
    assert attachments[0].get_filename().endswith(".ics")
    events = Calendar.from_ical(attachments[0].get_content()).walk("VEVENT")
    assert len(events) == 1
    return events[0]


def _assert_calendar_entry(message, occurrence, site):
    entry = _meeting_in_calendar(message)
    assert str(entry["SUMMARY"]) == occurrence.event.title
    assert entry["DTSTART"].dt == occurrence.start
    assert str(entry["URL"]) == site.url + occurrence.get_absolute_url()


def _confirm_by_email(page, mailbox, address, site):
    """Open the link of the "confirm your reply" email and press its button."""
    message = _only_message(mailbox, address, "Confirm your reply:")
    assert not list(message.iter_attachments())
    link = _manage_link(message, site)
    page.goto(link)
    page.get_by_role("button", name="Yes, I'm coming").click()
    return link


def _manage_link(message, site):
    links = re.findall(
        re.escape(site.url) + r"/rsvp/[\w-]+/", message.get_body(("plain",)).get_content()
    )
    assert len(links) == 1, message.get_body(("plain",)).get_content()
    return links[0]


def test_resident_rsvps_then_cancels_and_the_waiting_list_moves_up(
    site, mailbox, resident, meeting
):
    event = meeting.event

    ann = resident().page
    ann.goto(site.url + "/")
    next_meeting = ann.get_by_role("region", name="Next community meeting")
    expect(next_meeting).to_contain_text(event.title)
    next_meeting.get_by_role("link", name="I'll be there").click()
    expect(ann).to_have_url(re.compile(re.escape(meeting.get_absolute_url()) + "#rsvp$"))
    expect(ann.get_by_role("heading", level=1)).to_have_text(event.title)
    expect(ann.locator("main")).to_contain_text(
        "Smyrna Police Department & Clayton Police Department"
    )
    _reply(ann, "Ann Smith", "ann@example.org")
    ann.get_by_role("button", name="RSVP", exact=True).click()
    # The page answers the same whoever's address it is; the reply's link goes to the address.
    expect(ann.get_by_role("heading", level=1)).to_have_text(event.title)
    expect(ann.locator(".messages")).to_contain_text("once you confirm with the link in it")
    ann_link = _confirm_by_email(ann, mailbox, "ann@example.org", site)
    expect(ann.get_by_role("heading", level=1)).to_have_text("Your reply")
    expect(ann.locator(".panel[role=status]")).to_contain_text("You're on the list.")

    confirmation = mailbox.wait_for("ann@example.org", 2)[1]
    assert confirmation["Subject"].startswith("You're on the list:")
    _assert_calendar_entry(confirmation, meeting, site)
    assert _manage_link(confirmation, site) == ann_link
    assert ann.url.split("#")[0] == ann_link

    bob = resident().page
    bob.goto(site.url + meeting.get_absolute_url())
    expect(bob.locator("#rsvp")).to_contain_text("This meeting is full")
    _reply(bob, "Bob Jones", "bob@example.org")
    bob.get_by_role("button", name="Join the waiting list").click()
    _confirm_by_email(bob, mailbox, "bob@example.org", site)
    expect(bob.locator(".panel[role=status]")).to_contain_text("you're on the waiting list")
    waiting = mailbox.wait_for("bob@example.org", 2)[1]
    assert waiting["Subject"].startswith("On the waiting list:")
    assert not list(waiting.iter_attachments())

    ann.goto(ann_link)
    ann.get_by_role("button", name="Cancel my reply").click()
    expect(ann.locator(".messages")).to_contain_text("Your reply is canceled.")
    expect(ann.locator(".panel[role=status]")).to_have_text("This reply is canceled.")

    messages = mailbox.wait_for("bob@example.org", 3)
    assert [m["Subject"].split(":")[0] for m in messages] == [
        "Confirm your reply",
        "On the waiting list",
        "A place is yours",
    ]
    _assert_calendar_entry(messages[2], meeting, site)
    bob.goto(_manage_link(messages[2], site))
    expect(bob.get_by_role("status")).to_contain_text("You're on the list.")

    assert len(mailbox.to("ann@example.org")) == 2
    assert dict(RSVP.objects.values_list("email", "status")) == {
        "ann@example.org": RSVPStatus.CANCELLED,
        "bob@example.org": RSVPStatus.CONFIRMED,
    }


def test_the_same_form_sent_twice_makes_one_reply(site, mailbox, resident, meeting):
    page = resident().page
    page.goto(site.url + meeting.get_absolute_url())
    _reply(page, "Ann Smith", "ann@example.org")
    form = page.locator("#rsvp form")
    body = form.evaluate("f => new URLSearchParams(new FormData(f)).toString()")
    # A slow connection: the first tap's request reaches the server, the resident taps again.
    first = page.request.post(
        form.evaluate("f => f.action"),
        data=body,
        max_redirects=0,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert first.status == 302, first.text()
    page.get_by_role("button", name="RSVP", exact=True).dblclick()

    expect(page).to_have_url(re.compile(re.escape(site.url + first.headers["location"]) + "$"))
    expect(page.locator(".messages")).to_contain_text("once you confirm with the link in it")
    assert RSVP.objects.filter(email="ann@example.org").count() == 1
    _only_message(mailbox, "ann@example.org", "Confirm your reply:")


def test_a_mistyped_email_is_explained_beside_the_field(site, mailbox, resident, meeting):
    page = resident().page
    page.goto(site.url + meeting.get_absolute_url())
    _reply(page, "Ann Smith", "ann.example.org")
    page.get_by_role("button", name="RSVP", exact=True).click()

    email = page.get_by_label("Email")
    field = page.locator(".field", has=email)
    expect(field.locator(".error")).to_have_text("Enter a valid email address.")
    expect(field.locator(".error")).to_be_in_viewport()
    # Screen readers read the mistake when the field is focused.
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(re.compile("Enter a valid email address."))
    expect(email).to_have_value("ann.example.org")
    expect(page.get_by_label("Your name")).to_have_value("Ann Smith")
    assert not RSVP.objects.exists()
    assert not mailbox.messages
