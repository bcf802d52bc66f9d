"""The hotspot page on a phone: axe-clean in English and Spanish, hexagons drawn, table without JS
(there and on the transparency page)."""

import pytest
from playwright.sync_api import expect

from openbeat.hotspots import compute
from openbeat.insights import dashboards
from tests import factories
from tests.e2e.test_accessibility import Audit
from tests.hotspots.test_hotspots import _cluster, _spread

pytestmark = pytest.mark.e2e


@pytest.fixture
def hot_town(site):
    town = factories.town()
    _spread(15)
    _cluster(25)
    compute.compute(town.smyrna)
    return town


@pytest.mark.parametrize("path", ["hotspots", "transparency"])
@pytest.mark.parametrize("language", ["en", "es"])
def test_hotspot_page_passes_axe_and_draws_the_hot_hexagons(
    site, resident, hot_town, language, path
):
    """The hotspot page and the transparency page (its figures, their notes and tables too)."""
    dashboards.refresh(hot_town.smyrna.pk)
    person = resident(locale=language)
    page = person.page
    audit = Audit(person, language)
    page.goto(site.url + f"/agencies/smyrna-pd/{path}/")
    expect(page.locator(".hotspot-map path.leaflet-interactive").first).to_be_visible()
    expect(page.locator(".hotspot-legend li").first).to_be_visible()
    audit.check(path)
    assert not audit.problems, audit.report()


@pytest.mark.parametrize("path", ["hotspots", "transparency"])
def test_hotspot_table_needs_no_script(site, resident, hot_town, path):
    dashboards.refresh(hot_town.smyrna.pk)  # the transparency page shows the map with its figures
    page = resident(js=False).page
    page.goto(site.url + f"/agencies/smyrna-pd/{path}/")
    rows = page.locator("table.hotspot-table tbody tr")
    expect(rows.first).to_contain_text("Hot spot")
    expect(rows.first).to_contain_text("99 %")
