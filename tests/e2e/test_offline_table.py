"""Offline at the table: an officer's phone with no signal keeps taking concerns and checking
people in. Entries wait on the phone ("2 waiting to send"), are sent when the signal returns,
and are stored once however often they are sent; one sent after the session ended waits for the
officer to sign in again. The camera cannot be tested headless: the typed code is."""

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone
from playwright.sync_api import expect

from openbeat.concerns.models import Concern
from openbeat.core.models import AuditEvent
from openbeat.events import actions as event_actions
from openbeat.events.models import RSVP, Question
from tests import factories
from tests.e2e.concern_steps import sign_in
from tests.e2e.conftest import PHONE, TIMEOUT_MS, Resident
from tests.e2e.test_accessibility import Audit

pytestmark = pytest.mark.e2e

STATUS = "[data-offline-status]"


@pytest.fixture
def town(site):
    return factories.town()


@pytest.fixture
def meeting(town):
    """A meeting under way since ten minutes ago, two residents with a place."""
    occurrence = factories.event(town, title="Coffee at the Diner").occurrences.get()
    factories.rsvp(occurrence, name="Ana Early", email="ana@example.org")
    factories.rsvp(occurrence, name="Ben Table", email="ben@example.org", party_size=3)
    start = (timezone.now() - datetime.timedelta(minutes=10)).replace(second=0, microsecond=0)
    type(occurrence).objects.filter(pk=occurrence.pk).update(
        start=start, original_start=start, end=start + datetime.timedelta(hours=1)
    )
    occurrence.refresh_from_db()
    return occurrence


@pytest.fixture
def phone(browser):
    contexts = []

    def open_phone():
        context = browser.new_context(**PHONE, locale="en-US", service_workers="allow")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield open_phone
    for context in contexts:
        context.close()


def _open(context, url):
    resident = Resident(context)
    resident.page.goto(url)
    # The page's service worker is running and keeps the pages opened from now on.
    resident.page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    return resident


def _queued(page):
    return page.evaluate(
        """() => new Promise((resolve) => {
            const open = indexedDB.open("openbeat-offline", 1);
            open.onsuccess = () => {
                const get = open.result.transaction("entries").objectStore("entries").getAll();
                get.onsuccess = () => { resolve(get.result); open.result.close(); };
            };
        })"""
    )


def _send_again(page, entries):
    """What a phone whose queue was sent twice does: the same entries, once more."""
    return page.evaluate(
        """async (entries) => {
            const token = document.querySelector("input[name=csrfmiddlewaretoken]").value;
            const statuses = [];
            for (const entry of entries) {
                const body = new URLSearchParams(entry.body);
                body.set("csrfmiddlewaretoken", token);
                const response = await fetch(entry.url, {method: "POST", body});
                statuses.push(response.status);
            }
            return statuses;
        }""",
        entries,
    )


def test_intake_and_check_in_queue_offline_and_are_stored_once(site, town, meeting, phone):
    ana, ben = meeting.rsvps.order_by("name")
    base = f"{site.url}/staff/meetings/{meeting.pk}"
    context = phone()
    desk = Resident(context)
    sign_in(desk.page, site, town.smyrna_officer)

    # Online, the typed code checks Ana in at once (the form as it works without a camera).
    door = _open(context, f"{base}/check-in/code/")
    door.page.get_by_label("Check-in code").fill(ana.check_in_code_shown.lower())
    door.page.get_by_role("button", name="Check in", exact=True).click()
    expect(door.page.locator(".messages")).to_contain_text("Ana Early checked in at")
    intake = _open(context, f"{base}/intake/")

    context.set_offline(True)
    intake.page.locator("#id_category").select_option("vandalism-graffiti")
    intake.page.locator("#id_description").fill("Broken streetlight by the diner's car park")
    intake.page.get_by_role("button", name="Log it").click()
    expect(intake.page.locator(STATUS)).to_contain_text("1 waiting to send")
    door.page.get_by_label("Check-in code").fill(ben.check_in_code)
    door.page.get_by_role("button", name="Check in", exact=True).click()
    expect(door.page.locator(STATUS)).to_contain_text("2 waiting to send")
    expect(door.page.locator(STATUS)).to_have_attribute("role", "status")
    expect(door.page.get_by_label("Check-in code")).to_have_value("")  # ready for the next
    # The meeting's pages still open with no signal: the phone kept them.
    door.page.reload()
    expect(door.page.get_by_role("heading", name="Check in at the door")).to_be_visible()
    expect(door.page.locator(STATUS)).to_contain_text("2 waiting to send")
    entries = _queued(door.page)
    assert len(entries) == 2 and len({e["nonce"] for e in entries}) == 2
    assert not Concern.objects.exists()
    assert RSVP.objects.get(pk=ben.pk).checked_in_at is None

    # The signal returns: both tabs send what waits (at once, so some entries go twice).
    context.set_offline(False)
    expect(door.page.locator(STATUS)).to_have_attribute("data-waiting", "0")
    expect(intake.page.locator(STATUS)).to_have_attribute("data-waiting", "0")
    assert Concern.objects.filter(raised_at=meeting).count() == 1
    assert RSVP.objects.get(pk=ben.pk).checked_in_at is not None
    assert AuditEvent.objects.filter(action="rsvp.check_in").count() == 2  # Ana, Ben

    # The same entries sent once more (a queue replayed) store nothing new.
    assert _send_again(door.page, entries) == [200, 200]
    assert Concern.objects.filter(raised_at=meeting).count() == 1
    assert AuditEvent.objects.filter(action="rsvp.check_in").count() == 2
    door.page.goto(f"{base}/")
    expect(door.page.locator(".big")).to_contain_text("Arrived 4")
    assert not desk.errors + door.errors + intake.errors

    # The pages as they are at the table, and the reply page with its QR code, pass axe.
    intake.page.close()  # one meeting page open: it is the one that sends, and tells
    audit = Audit(door, "en")
    door.page.goto(f"{base}/check-in/code/?code={ben.check_in_code}")
    audit.check("check-in by code, a code already checked in")
    context.set_offline(True)
    door.page.get_by_label("Check-in code").fill("ACDE-F347")
    door.page.get_by_role("button", name="Check in", exact=True).click()
    expect(door.page.locator(STATUS)).to_contain_text("1 waiting to send")
    audit.check("check-in by code, one entry waiting")
    door.page.goto(f"{base}/intake/")
    audit.check("intake, offline")
    context.set_offline(False)
    expect(door.page.locator(STATUS)).to_contain_text("One entry was refused")
    assert _queued(door.page) == []
    door.broken.clear()  # that refusal (400) was the point, not a page that failed to load
    door.page.goto(site.url + RSVP.objects.get(pk=ben.pk).get_absolute_url())
    expect(door.page.get_by_role("img", name=f"code {ben.check_in_code_shown}")).to_be_visible()
    audit.check("a reply's page with its QR code")
    assert audit.report() == ""


def test_an_entry_sent_after_the_session_ended_waits_for_sign_in(site, town, meeting, phone):
    base = f"{site.url}/staff/meetings/{meeting.pk}"
    context = phone()
    desk = Resident(context)
    sign_in(desk.page, site, town.smyrna_officer)
    intake = _open(context, f"{base}/intake/")
    context.set_offline(True)
    intake.page.locator("#id_category").select_option("vandalism-graffiti")
    intake.page.locator("#id_description").fill("Loose dog on Glenwood Avenue every morning")
    intake.page.get_by_role("button", name="Log it").click()
    expect(intake.page.locator(STATUS)).to_contain_text("1 waiting to send")

    Session.objects.all().delete()  # the working day's session ended
    context.set_offline(False)
    expect(intake.page.locator(STATUS)).to_contain_text("Sign in again to send them")
    expect(intake.page.locator(STATUS)).to_contain_text("1 waiting to send")
    assert not Concern.objects.exists()

    # Signing in gives the browser a new CSRF secret: the entry is sent with the new page's.
    sign_in(desk.page, site, town.smyrna_officer)
    desk.page.goto(f"{base}/intake/")
    expect(desk.page.locator(STATUS)).to_have_attribute("data-waiting", "0")
    assert Concern.objects.filter(raised_at=meeting).count() == 1
    assert not desk.errors + intake.errors


def test_question_moderation_queues_offline_and_is_stored_once(site, town, meeting, phone):
    """The room's questions moderated with no signal: an answer and a question made a concern
    wait on the phone, are sent when it returns, and sent again store nothing new."""
    asked = [
        event_actions.ask_question(meeting, "Will the crossing on Main Street get a guard?")[0],
        event_actions.ask_question(meeting, "Cars race on Glenwood Avenue every night.")[0],
    ]
    first, second = asked
    context = phone()
    desk = Resident(context)
    sign_in(desk.page, site, town.smyrna_officer)
    room = _open(context, f"{site.url}/staff/meetings/{meeting.pk}/questions/")

    context.set_offline(True)
    room.page.locator(f"#q{first.pk}-answer").fill("Yes: from Monday, mornings and afternoons.")
    room.page.locator(f"li:has(#q{first.pk}-answer)").get_by_role(
        "button", name="Mark answered and email"
    ).click()
    expect(room.page.locator(STATUS)).to_contain_text("1 waiting to send")
    second_item = room.page.locator(f"li:has(#q{second.pk}-category)")
    second_item.locator("summary").click()
    second_item.locator(f"#q{second.pk}-category").select_option("speeding-traffic")
    second_item.get_by_role("button", name="Make it a concern").click()
    expect(room.page.locator(STATUS)).to_contain_text("2 waiting to send")
    entries = _queued(room.page)
    assert len(entries) == 2
    assert Question.objects.filter(answered_at__isnull=False).count() == 0
    assert not Concern.objects.exists()

    context.set_offline(False)
    expect(room.page.locator(STATUS)).to_have_attribute("data-waiting", "0")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.answer == "Yes: from Monday, mornings and afternoons." and first.answered_at
    assert second.concern is not None and Concern.objects.count() == 1

    assert _send_again(room.page, entries) == [200, 200]
    assert Concern.objects.count() == 1
    assert AuditEvent.objects.filter(action="question.answer").count() == 1
    assert not desk.errors + room.errors
