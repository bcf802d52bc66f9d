"""An officer sets up two-factor sign-in on a desktop browser, then signs in with a code.

The code is computed from the key the page shows for typing into an app, as a phone would;
the enrolment and verification pages pass axe-core (WCAG 2.2 AA).
"""

from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from openbeat.core.models import AuditEvent
from tests import factories
from tests.e2e.concern_steps import sign_in
from tests.e2e.conftest import TIMEOUT_MS, Resident
from tests.e2e.test_accessibility import AXE, WCAG_AA

pytestmark = pytest.mark.e2e


def _axe(page):
    results = AXE.run(page, options=WCAG_AA)
    assert results.violations_count == 0, results.generate_report()


def test_an_officer_sets_up_an_authenticator_and_signs_in_with_it(site, browser, settings):
    settings.OPENBEAT_STAFF_2FA = "required"
    town = factories.town()
    officer = town.smyrna_officer
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    desk = Resident(context)
    page = desk.page

    page.goto(site.url + "/staff/login/?next=/staff/concerns/")
    page.get_by_label("Username").fill(officer.username)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    _axe(page)

    key = b32decode(page.locator("#secret").inner_text().replace(" ", ""))
    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page.get_by_role("alert")).to_contain_text("did not match")
    _axe(page)  # the page with its error message too

    officer.totpdevice_set.update(throttling_failure_count=0)  # the 1-second wait, not waited
    page.get_by_label("Code from your authenticator app").fill(f"{TOTP(key).token():06d}")
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your backup codes")
    expect(page.locator(".backup-codes li")).to_have_count(10)
    page.get_by_role("link", name="I have saved them: continue").click()
    expect(page).to_have_url(site.url + "/staff/concerns/")

    page.goto(site.url + "/staff/")
    page.get_by_role("button", name="Sign out").click()
    page.goto(site.url + "/staff/login/")
    page.get_by_label("Username").fill(officer.username)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your sign-in code")
    _axe(page)
    page.get_by_label("Code").fill(factories.authenticator_code(officer))
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(site.url + "/staff/")
    assert not desk.errors and not desk.broken
    actions = list(
        AuditEvent.objects.filter(action__startswith="auth.").values_list("action", flat=True)
    )
    assert actions.count("auth.2fa_verified") == 1 and "auth.2fa_enrolled" in actions
    context.close()


def test_the_shared_sign_in_step_types_the_code(site, browser, settings):
    settings.OPENBEAT_STAFF_2FA = "required"
    town = factories.town()
    factories.enrol(town.clayton_officer)
    context = browser.new_context(locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    sign_in(page, site, town.clayton_officer)
    expect(page.get_by_role("heading", level=1)).to_have_text("Today's work")
    context.close()
