"""Questions to a meeting in a browser: asked on a phone, and the room's live view on a
projector, whose list refreshes by itself (no reload) when a neighbour sends a question. axe-core
finds no WCAG 2.2 AA violation on the question page, the live view or the staff moderation view,
in English and Spanish."""

import pytest
from playwright.sync_api import expect

from openbeat.events import actions
from openbeat.events import views as event_views
from openbeat.events.models import Question
from tests import factories
from tests.e2e.test_accessibility import AXE, WCAG_AA

pytestmark = pytest.mark.e2e

PROJECTOR = {"width": 1280, "height": 720}


@pytest.fixture
def meeting(site):
    town = factories.town()
    occurrence = factories.event(town).occurrences.get()
    actions.ask_question(occurrence, "Will the speed cameras stay?", voter="first")
    occurrence.town = town
    return occurrence


def _axe(page, what):
    results = AXE.run(page, options=WCAG_AA)
    return [] if not results.violations_count else [f"{what}: {results.generate_report()}"]


@pytest.mark.parametrize("language", ["en", "es"])
def test_questions_pages_pass_axe(site, resident, browser, meeting, language):
    person = resident(locale=language)
    page = person.page
    base = f"{site.url}/events/{meeting.event.slug}/{meeting.date_key}/questions/"
    problems = []
    page.goto(base)
    problems += _axe(page, "question page")
    page.locator("#id_show_name").check()
    page.locator("#ask button[type=submit]").click()  # no question, no name: two mistakes
    expect(page.locator(".error-summary")).to_be_visible()
    problems += _axe(page, "question form with mistakes")
    page.locator("#id_text").fill("Can the crosswalk get a flashing light?")
    page.locator("#id_name").fill("Maria G.")
    page.locator("#ask button[type=submit]").click()
    expect(page.locator(".messages")).to_be_visible()
    problems += _axe(page, "question sent")
    expect(page.locator(".questions")).to_contain_text("Maria G.")

    screen = browser.new_context(viewport=PROJECTOR, locale=language).new_page()
    screen.goto(base + "live/")
    expect(screen.locator("html")).to_have_attribute("lang", language)
    problems += _axe(screen, "live view")
    screen.context.close()

    staff = browser.new_context(viewport={"width": 360, "height": 780}, locale=language)
    staff_page = staff.new_page()
    staff_page.goto(site.url + "/staff/login/")
    staff_page.locator("#id_username").fill("smyrna.officer")
    staff_page.locator("#id_password").fill(factories.PASSWORD)
    staff_page.locator("main form button[type=submit]").click()
    staff_page.goto(f"{site.url}/staff/meetings/{meeting.pk}/questions/")
    expect(staff_page.locator("h1")).to_be_visible()
    problems += _axe(staff_page, "moderation view")
    width = staff_page.evaluate("document.documentElement.scrollWidth")
    staff.close()
    assert width <= 360, "the moderation view scrolls sideways on a 360 px phone"
    assert not problems, "\n".join(problems)


def test_the_live_view_shows_a_new_question_without_reloading(site, browser, meeting, monkeypatch):
    monkeypatch.setattr(event_views, "LIVE_REFRESH_SECONDS", 2)
    screen = browser.new_context(viewport=PROJECTOR).new_page()
    errors = []
    screen.on("pageerror", lambda error: errors.append(str(error)))
    screen.goto(f"{site.url}/events/{meeting.event.slug}/{meeting.date_key}/questions/live/")
    expect(screen.locator(".live-questions")).to_contain_text("Will the speed cameras stay?")
    screen.evaluate("window.stillTheSamePage = true")
    first = Question.objects.get()
    # Neighbours in the room: a new question, and the first one +1-ed by two people.
    actions.ask_question(meeting, "When is the next community clean-up?", voter="second")
    actions.plus_one(first, "neighbour-a")
    actions.plus_one(first, "neighbour-b")
    expect(screen.locator(".live-questions")).to_contain_text("When is the next community")
    expect(screen.locator(".live-questions li").first).to_contain_text("2 +1s")
    assert screen.evaluate("window.stillTheSamePage") is True  # refreshed without a reload
    assert errors == []
    screen.context.close()
