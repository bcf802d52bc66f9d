"""A resident subscribes to one neighbourhood's news, confirms from the email, and later
unsubscribes from the email's link — on a phone, every page checked with axe-core."""

import re

import pytest
from playwright.sync_api import expect

from openbeat.core.models import Area
from openbeat.outreach import actions
from openbeat.outreach.models import Subscription, SubscriptionStatus
from tests import factories
from tests.e2e.test_accessibility import Audit
from tests.outreach import steps

pytestmark = pytest.mark.e2e


@pytest.fixture
def news(site, mailbox):
    town = factories.town()
    town.north = Area.objects.create(
        agency=town.smyrna,
        name="North Smyrna",
        slug="north",
        boundary=town.smyrna.areas.get().boundary,
    )
    steps.topic(town.smyrna, "Crime prevention")
    town.meeting.description = "Monthly meetings of the **Community Policing Unit**."
    town.meeting.how_to_join = "Come along; no need to book."
    town.meeting.save()
    item = steps.announcement(
        town.smyrna_coordinator, town.smyrna, title="Meet the Community Policing Unit"
    )
    actions.publish(item, acting_user=town.smyrna_coordinator)
    town.announcement = item
    return town


@pytest.mark.parametrize("language", ["en", "es"])
def test_subscribe_confirm_unsubscribe_on_a_phone(site, mailbox, resident, news, language):
    person = resident(locale=language)
    page = person.page
    audit = Audit(person, language)

    page.goto(site.url + news.meeting.get_absolute_url())
    audit.check("programme page")
    page.goto(site.url + "/programmes/")
    audit.check("programme catalogue")
    page.goto(site.url + news.announcement.get_absolute_url())
    audit.check("announcement")
    page.goto(site.url + "/announcements/")
    audit.check("announcements")

    page.goto(site.url + "/subscribe/")
    audit.check("choose an agency")
    page.locator("main a[href='/subscribe/?agency=smyrna-pd']").click()
    audit.check("subscribe form")
    page.locator("#id_email").fill("ana.example.org")
    page.get_by_label("North Smyrna").check()
    page.locator("input[name=frequency][value=weekly]").check()
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#id_email_error")).to_be_visible()
    audit.check("subscribe form with a mistake")
    page.locator("#id_email").fill("ana@example.org")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(site.url + "/subscribe/sent/")
    audit.check("check your email")

    [message] = mailbox.wait_for("ana@example.org")
    page.goto(steps.link_to(message, "/subscribe/confirm/"))
    audit.check("confirm")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".messages")).to_be_visible()
    audit.check("preferences")
    subscription = Subscription.objects.get(email="ana@example.org")
    assert subscription.status == SubscriptionStatus.ACTIVE
    assert subscription.frequency == "weekly"
    assert [a.name for a in subscription.areas.all()] == ["North Smyrna"]

    unsubscribe = re.sub(r"\s+", "", str(message["List-Unsubscribe"])).strip("<>")
    page.goto(unsubscribe)
    audit.check("unsubscribe")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main [role=status]")).to_be_visible()
    audit.check("unsubscribed")
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.UNSUBSCRIBED

    assert not audit.problems, audit.report()
