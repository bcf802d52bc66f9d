"""A resident answers the survey from the email the morning after a meeting, on a phone; the
transparency page (with its hotspot map) and the staff dashboard show the record. axe-core on
every page."""

import re

import pytest
from playwright.sync_api import expect

from openbeat.hotspots import compute
from openbeat.insights import dashboards, surveys
from openbeat.insights.models import SurveyResponse
from tests import factories
from tests.e2e.concern_steps import sign_in
from tests.e2e.test_accessibility import Audit
from tests.hotspots.test_hotspots import _cluster, _spread
from tests.insights.clock import at

pytestmark = pytest.mark.e2e

ANSWERS = {"safety": 4, "respect": 5, "fairness": 4, "voice": 3, "comfort": 5}


@pytest.fixture
def invited(site, mailbox):
    """Yesterday's meeting (as the worker sees it the next morning): Ann replied, and her
    invitation went out through the real SMTP server."""
    town = factories.town()
    occurrence = factories.event(town, start=factories.in_days(1)).occurrences.get()
    factories.rsvp(occurrence, "Ann Lee", "ann@example.org")
    with at(factories.in_days(2, hour=9)):
        assert surveys.invite_due_meetings() == 1
    messages = [
        m for m in mailbox.wait_for("ann@example.org", 2) if "How did it go" in m["Subject"]
    ]
    assert len(messages) == 1
    body = messages[0].get_body(("plain",)).get_content()
    links = re.findall(re.escape(site.url) + r"/surveys/[\w-]+/", body)
    assert len(links) == 1, body
    return town, occurrence, links[0]


def _choose(page, item, value):
    page.locator(f"input[name={item}][value='{value}']").check()


def test_a_resident_answers_from_the_email_link_once(site, resident, invited):
    town, occurrence, link = invited
    person = resident()
    page = person.page
    audit = Audit(person, "en")

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("How did we do?")
    expect(page.locator("main")).to_contain_text(occurrence.event.title)
    audit.check("survey from the email link")

    for item, value in list(ANSWERS.items())[:4]:  # forgets the last question
        _choose(page, item, value)
    page.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_role("alert")).to_contain_text("Please answer every question")
    expect(page.locator("#comfort-error")).to_be_visible()
    audit.check("survey with a question left out")
    assert SurveyResponse.objects.count() == 0

    _choose(page, "comfort", 5)
    page.get_by_label("Anything else you want us to know? (optional)").fill("Felt listened to.")
    page.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_role("status")).to_contain_text("Your answer is saved")
    audit.check("survey thanks")
    answer = SurveyResponse.objects.get()
    assert {item: getattr(answer, item) for item in ANSWERS} == ANSWERS

    page.goto(link)
    expect(page.get_by_role("status")).to_contain_text("already been used")
    assert SurveyResponse.objects.count() == 1
    assert not audit.problems, audit.report()


def test_transparency_page_and_staff_dashboard_pass_axe(site, resident, invited):
    town, occurrence, link = invited
    past = factories.event(town, start=factories.in_days(-2)).occurrences.get()
    for _n in range(10):
        surveys.answer_walk_in(past, {k: str(v) for k, v in ANSWERS.items()})
    factories.concern(name="Rita Reporter", email="rita@example.org")
    _spread(15)
    _cluster(25)
    dashboards.refresh(town.smyrna.pk)
    compute.compute(town.smyrna)

    person = resident()
    page = person.page
    audit = Audit(person, "en")
    page.goto(site.url + "/agencies/smyrna-pd/transparency/")
    expect(page.get_by_role("img", name="Trust index by month, with its 95% confidence interval"))
    expect(page.locator("main")).to_contain_text("80.0–80.0")
    expect(page.locator("main")).not_to_contain_text("Rita")
    expect(page.locator(".hotspot-map path.leaflet-interactive").first).to_be_visible()
    audit.check("transparency page")

    sign_in(page, site, town.smyrna_coordinator)
    page.goto(site.url + "/staff/insights/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Insights")
    audit.check("staff dashboard")
    page.get_by_role("link", name=str(occurrence)).click()
    expect(page.get_by_role("img", name="QR code for the feedback form")).to_be_visible()
    audit.check("feedback card")
    page.goto(site.url + "/staff/insights/engagement.csv?start=2026-02-01&end=2026-01-01")
    expect(page.get_by_role("alert")).to_contain_text("The end date is before the start date")
    audit.check("grant report with inverted dates")
    assert not audit.problems, audit.report()
