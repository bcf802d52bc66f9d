"""The pages that go out of the site: the block the department's website frames, and a beat's
page; on a 360 px phone in English and Spanish, with axe-core (WCAG 2.2 AA)."""

import pypdfium2
import pytest
from playwright.sync_api import expect

from openbeat.core.models import Role
from openbeat.events.models import Occurrence
from tests import factories
from tests.e2e.test_accessibility import AXE, WCAG_AA

pytestmark = pytest.mark.e2e


@pytest.fixture
def town_with_a_meeting(site):
    town = factories.town()
    town.smyrna.embed_origins = "https://www.smyrna-de.example"
    town.smyrna.save()
    event = factories.event(town, title="Community Awareness Meeting")
    officer = factories.user("r.lopez", town.smyrna, Role.OFFICER, title="Sgt.")
    officer.first_name, officer.last_name = "Rosa", "López"
    officer.save()
    role = officer.staff_roles.get()
    role.is_public_profile = True
    role.unit = "Community Policing Unit"
    role.save()
    role.areas.set(town.smyrna.areas.all())
    event.officers.add(role)
    factories.concern(description="Broken streetlight on Main Street")
    return town


def _check(person, url, language):
    page = person.page
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(url)
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    problems = [f"{url}: {width} px wide"] if width > 360 else []
    results = AXE.run(page, options=WCAG_AA)
    if results.violations_count:
        problems.append(f"{url}\n{results.generate_report()}")
    return problems


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_embed_block_fits_a_phone_and_passes_axe(site, resident, town_with_a_meeting, language):
    person = resident(locale=language)
    problems = _check(person, site.url + "/agencies/smyrna-pd/embed/", language)
    expect(person.page.get_by_role("link", name="Community Awareness Meeting")).to_be_visible()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_beat_page_fits_a_phone_and_passes_axe(site, resident, town_with_a_meeting, language):
    person = resident(locale=language)
    problems = _check(person, site.url + "/agencies/smyrna-pd/areas/smyrna/", language)
    expect(person.page.get_by_role("heading", name="Sgt. Rosa López")).to_be_visible()
    assert not problems, "\n".join(problems)


def test_the_flyer_page_prints_on_one_sheet(site, resident, town_with_a_meeting):
    """Chromium prints the print page (its print stylesheet) to a Letter PDF: one page."""
    occurrence = Occurrence.objects.get(event__title="Community Awareness Meeting")
    page = resident(locale="es").page
    page.goto(site.url + occurrence.get_absolute_url() + "flyer/")
    page.emulate_media(media="print")
    printed = pypdfium2.PdfDocument(page.pdf(format="Letter", print_background=True))
    assert len(printed) == 1
    text = printed[0].get_textpage().get_text_range()
    assert "Community Awareness Meeting" in text and "Cuándo" in text
