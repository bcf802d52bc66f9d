"""Spanish pages that mix in English where staff wrote no Spanish, checked by axe on a phone.

The demo's Smyrna staff wrote Spanish for their meetings and most programmes, but not for
National Night Out or the Lake Drive speed checks: on a Spanish page those show in English,
each marked lang="en" (axe checks every lang attribute is a valid language) and the page stays
<html lang="es">.
"""

import pytest
from playwright.sync_api import expect

from openbeat.demo.loader import load_demo
from openbeat.events.models import Event
from openbeat.outreach.models import Announcement
from tests.e2e.test_accessibility import AXE, WCAG_AA

pytestmark = pytest.mark.e2e


def test_spanish_pages_with_english_fallbacks_pass_axe(site, resident, settings):
    load_demo()
    settings.SITE_AGENCY = "smyrna-pd"
    person = resident(locale="es")
    page = person.page
    coffee = Event.objects.get(slug="coffee-with-a-cop")
    speed = Announcement.objects.get(title_en="Speed checks on Lake Drive")
    problems = []
    for url, marked in (
        ("/programmes/", "National Night Out"),
        ("/programmes/smyrna-pd/national-night-out/", "National Night Out"),
        ("/announcements/", "Speed checks on Lake Drive"),
        (speed.get_absolute_url(), "Speed checks on Lake Drive"),
        (coffee.get_absolute_url(), None),
    ):
        page.goto(site.url + url)
        expect(page.locator("html")).to_have_attribute("lang", "es")
        if marked:
            expect(page.locator('main [lang="en"]').filter(has_text=marked).first).to_be_visible()
        else:
            expect(page.get_by_role("heading", level=1)).to_have_text("Café con un Policía")
        results = AXE.run(page, options=WCAG_AA)
        if results.violations_count:
            problems.append(f"== {url}\n{results.generate_report()}")
    assert problems == [], "\n".join(problems)
