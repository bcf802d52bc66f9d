"""A reporter removes their details from a concern with their tracking link, on a phone; both
pages pass axe-core (WCAG 2.2 AA). axe needs JavaScript, so the phone has it; the pages use none
(plain links and a form)."""

import pytest
from playwright.sync_api import expect

from openbeat.concerns.models import Concern
from tests import factories
from tests.e2e.test_two_factor import _axe

pytestmark = pytest.mark.e2e


def test_a_reporter_deletes_their_data_from_the_tracking_page(site, resident):
    factories.town()
    concern = factories.concern(name="Rosa Reporter", email="rosa@example.org")
    person = resident()
    page = person.page
    page.goto(f"{site.url}/concerns/track/{concern.tracking_token}/")
    page.get_by_role("link", name="Delete my data from this concern").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete my data")
    _axe(page)
    page.get_by_role("button", name="Yes, delete my data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your data is deleted")
    _axe(page)
    assert not person.broken
    concern.refresh_from_db()
    assert (concern.reporter_name, concern.reporter_email) == ("", "")
    assert Concern.objects.filter(pk=concern.pk).exists()
