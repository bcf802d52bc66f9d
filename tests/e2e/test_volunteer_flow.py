"""A volunteer's sign-up on a phone: choose a shift, confirm by email, cancel; the waiting list.

Ann (English, JavaScript on) takes the shift's one place; Bea (Spanish, JavaScript off) finds it
full, joins the waiting list, and gets the place by email when Ann cancels. Every page they see
passes axe-core (WCAG 2.2 AA).
"""

import re

import pytest
from playwright.sync_api import expect

from openbeat.projects.models import SignUp, SignUpStatus
from tests import factories
from tests.e2e.test_accessibility import Audit

pytestmark = pytest.mark.e2e


@pytest.fixture
def project(site, mailbox):
    town = factories.town()
    return factories.project(
        town, slots=1, requirements="Completed the Neighbourhood Watch training evening."
    )


def _link(mailbox, address, count, subject_start, site):
    messages = mailbox.wait_for(address, count)
    assert len(messages) == count, [m["Subject"] for m in messages]
    message = messages[-1]
    assert str(message["Subject"]).strip().startswith(subject_start), message["Subject"]
    body = message.get_body(("plain",)).get_content()
    links = re.findall(re.escape(site.url) + r"/projects/sign-ups/[\w-]+/(?:confirm/)?", body)
    assert len(links) == 1, body
    return links[0]


def _fill(page, name, email):
    page.locator("input[name=shift]").first.check()
    page.locator("#id_name").fill(name)
    page.locator("#id_email").fill(email)
    page.locator("#id_meets_requirements").check()


def test_volunteer_signs_up_confirms_and_cancels_and_the_waiting_list_moves_up(
    site, mailbox, resident, project
):
    ann = resident()
    audit = Audit(ann, "en")
    page = ann.page
    page.goto(site.url + "/projects/")
    audit.check("project list")
    page.get_by_role("link", name="Neighbourhood Watch walks").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Neighbourhood Watch walks")
    expect(page.locator("#sign-up")).to_contain_text("1 of 1 places left")
    audit.check("project page")

    _fill(page, "Ann Smith", "ann.example.org")
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator("#id_email_error")).to_have_text("Enter a valid email address.")
    audit.check("sign-up form with a mistake")
    assert not SignUp.objects.exists()

    page.locator("#id_email").fill("ann@example.org")
    page.locator("#id_meets_requirements").check()
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator(".messages")).to_contain_text("your sign-up counts once you confirm")
    confirm = _link(mailbox, "ann@example.org", 1, "Please confirm your sign-up", site)
    assert confirm.endswith("/confirm/")
    page.goto(confirm)
    audit.check("confirm page")
    page.get_by_role("button", name="Yes, confirm my sign-up").click()
    expect(page.get_by_role("status")).to_contain_text("You're on the shift.")
    audit.check("sign-up confirmed")
    manage = _link(mailbox, "ann@example.org", 2, "You're on the shift:", site)
    assert page.url == manage

    # Bea's phone has JavaScript off (axe needs it, so her pages are checked in Spanish below).
    other = resident(locale="es", js=False).page
    other.goto(site.url + project.get_absolute_url())
    expect(other.locator("html")).to_have_attribute("lang", "es")
    _fill(other, "Bea Ruiz", "bea@example.org")
    other.locator("#sign-up button[type=submit]").click()
    expect(other.locator(".messages")).to_be_visible()
    other.goto(_link(mailbox, "bea@example.org", 1, "Por favor, confirme su inscripción", site))
    other.locator("main form button[type=submit]").click()
    expect(other.locator(".panel[role=status]")).to_contain_text("lista de espera")
    bea_manage = other.url

    spanish = resident(locale="es")
    bea_audit = Audit(spanish, "es")
    spanish.page.goto(site.url + project.get_absolute_url())
    bea_audit.check("project page, full, in Spanish")
    spanish.page.goto(bea_manage)
    bea_audit.check("on the waiting list, in Spanish")

    page.goto(manage)
    page.get_by_role("button", name="Cancel my sign-up").click()
    expect(page.locator(".messages")).to_contain_text("Your sign-up is canceled.")
    audit.check("sign-up cancelled")
    expect(page.get_by_role("button", name="Cancel my sign-up")).to_have_count(0)

    # Bea signed up in Spanish: her emails are in Spanish.
    _link(mailbox, "bea@example.org", 3, "Tiene un lugar:", site)
    assert dict(SignUp.objects.values_list("email", "status")) == {
        "ann@example.org": SignUpStatus.CANCELLED,
        "bea@example.org": SignUpStatus.CONFIRMED,
    }
    problems = audit.problems + bea_audit.problems
    assert not problems, "\n".join(problems)
