"""A resident's concern, from a phone to the officer's desk and back.

A pin tapped on the map, the form without JavaScript, "me too" instead of a second report, the
email with the private link, and an officer's answer on a desktop screen.
"""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from openbeat.concerns.models import Concern, ConcernUpdate, Status, Supporter
from tests import factories
from tests.e2e.concern_steps import MAP_ZOOM, pinned, sign_in, tap_map_at, zoom_out
from tests.e2e.conftest import TIMEOUT_MS, Resident

pytestmark = pytest.mark.e2e

DESKTOP = {"viewport": {"width": 1280, "height": 800}}
# Well inside each town's area in factories.town().
SMYRNA_SPOT = (39.3020, -75.5980)
CLAYTON_SPOT = (39.2900, -75.6400)
# Where factories.concern() puts a neighbour's earlier report.
EXISTING_SPOT = tuple(map(float, factories.SMYRNA_POINT))


@pytest.fixture
def town(site):
    return factories.town()


@pytest.fixture
def officer(browser, site):
    """Sign an officer in on a desktop browser: officer(user) → the page, on the staff home."""
    contexts = []

    def open_desk(user):
        context = browser.new_context(**DESKTOP, locale="en-US")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = Resident(context).page
        sign_in(page, site, user)
        return page

    yield open_desk
    for context in contexts:
        context.close()


def _describe(page, category, description):
    page.get_by_label("What is it about?").select_option(label=category)
    page.get_by_label("What is happening?").fill(description)


def _send(page):
    page.get_by_role("button", name="Send the concern").click()


def _expect_tracking_page(page, site, concern):
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Your concern #{concern.pk}")
    expect(page.locator(".panel[role=status]")).to_contain_text("Status: Submitted")
    assert page.url == f"{site.url}/concerns/track/{concern.tracking_token}/"


def test_a_pin_tapped_on_a_phone_reaches_smyrna_police(site, resident, town):
    page = resident().page
    page.goto(site.url + "/concerns/new/")
    _describe(page, "Speeding and traffic", "Cars race down Main Street after school.")
    expect(page.locator(".pin-status")).to_have_text("")
    tap_map_at(page, *SMYRNA_SPOT)
    expect(page.get_by_role("button", name="Concern location")).to_be_visible()
    lat, lon = pinned(page, near=SMYRNA_SPOT)
    _send(page)

    concern = Concern.objects.get()
    _expect_tracking_page(page, site, concern)
    expect(page.locator(".messages")).to_contain_text("Received. Thank you.")
    expect(page.locator(".facts")).to_contain_text("Smyrna Police Department")
    assert (float(concern.latitude), float(concern.longitude)) == (lat, lon)
    assert concern.area.slug == "smyrna" and concern.area.contains(lat, lon)
    assert concern.agency == town.smyrna
    assert (concern.category.agency, concern.category.slug) == (town.smyrna, "speeding-traffic")


def test_a_pin_tapped_in_clayton_reaches_clayton_police(site, resident, town):
    page = resident().page
    page.goto(site.url + "/concerns/new/")
    _describe(page, "Abandoned vehicle", "A white van with flat tyres, parked for weeks.")
    # Clayton is off the edge of a phone's map at first: the resident zooms out to find it.
    zoom_out(page, MAP_ZOOM - 1)
    zoom_out(page, MAP_ZOOM - 2)
    tap_map_at(page, *CLAYTON_SPOT, zoom=MAP_ZOOM - 2)
    lat, lon = pinned(page, near=CLAYTON_SPOT, zoom=MAP_ZOOM - 2)
    _send(page)

    concern = Concern.objects.get()
    _expect_tracking_page(page, site, concern)
    expect(page.locator(".facts")).to_contain_text("Clayton Police Department")
    assert (float(concern.latitude), float(concern.longitude)) == (lat, lon)
    assert concern.area.slug == "clayton" and concern.agency == town.clayton
    assert concern.category.agency == town.clayton


def test_without_javascript_a_resident_reports_by_address_or_a_nearby_place(site, resident, town):
    page = resident(js=False).page
    page.goto(site.url + "/concerns/new/")
    _describe(page, "Parking", "Cars park on the sidewalk every morning.")
    page.get_by_label("Address or landmark").fill("Corner of Main Street and Glenwood Avenue")
    page.get_by_label("Neighborhood", exact=True).select_option(
        label="Town of Smyrna (Smyrna Police Department)"
    )
    page.get_by_label("Your name (optional)").fill("Ann Smith")
    page.get_by_label("Email (optional, for updates)").fill("ann@example.org")
    page.get_by_label("Stay anonymous", exact=False).check()
    _send(page)

    by_address = Concern.objects.get()
    _expect_tracking_page(page, site, by_address)
    assert by_address.location_text == "Corner of Main Street and Glenwood Avenue"
    assert (by_address.latitude, by_address.longitude) == (None, None)
    assert (by_address.area.slug, by_address.agency) == ("smyrna", town.smyrna)
    assert by_address.is_anonymous
    assert (by_address.reporter_name, by_address.reporter_email) == ("", "ann@example.org")

    page.goto(site.url + "/concerns/new/")
    _describe(page, "Noise", "Loud music from the parking lot after midnight.")
    page.get_by_label("Or: near a place you know").select_option(label="Clayton Town Hall")
    _send(page)

    near_hall = Concern.objects.exclude(pk=by_address.pk).get()
    _expect_tracking_page(page, site, near_hall)
    assert near_hall.venue == town.clayton_hall
    hall = town.clayton_hall
    assert (near_hall.latitude, near_hall.longitude) == (
        Decimal(hall.latitude),
        Decimal(hall.longitude),
    )
    assert (near_hall.area.slug, near_hall.agency) == ("clayton", town.clayton)


def test_a_resident_adds_their_voice_instead_of_reporting_it_again(site, mailbox, resident, town):
    existing = factories.concern(description="Graffiti on the wall of the old mill")
    page = resident().page
    page.goto(site.url + "/concerns/new/")
    _describe(page, "Vandalism and graffiti", "Someone sprayed graffiti on the mill wall")
    tap_map_at(page, *EXISTING_SPOT)
    pinned(page, near=EXISTING_SPOT)
    page.get_by_label("Email (optional, for updates)").fill("ben@example.org")
    _send(page)

    similar = page.get_by_role("region", name="Is it one of these?")
    expect(similar.get_by_role("link")).to_have_text([f"#{existing.pk} Vandalism and graffiti"])
    expect(similar).to_contain_text("Graffiti on the wall of the old mill")
    assert Concern.objects.count() == 1
    similar.get_by_role("button", name=f"Me too: support #{existing.pk}").click()

    # The browser is told the same whoever's address it is; the link goes to the address.
    expect(page).to_have_url(f"{site.url}{existing.get_absolute_url()}")
    expect(page.locator(".messages")).to_contain_text("once you confirm with the link in it")
    expect(page.locator(".facts dt:text-is('Supporters') + dd")).to_have_text("0")
    supporter = Supporter.objects.get()
    assert (supporter.concern, supporter.email) == (existing, "ben@example.org")
    [request] = mailbox.wait_for("ben@example.org")
    link = f"{site.url}/concerns/track/{supporter.token}/"
    assert link in request.get_body(("plain",)).get_content()
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Concern #{existing.pk} you support")
    page.get_by_role("button", name="Yes, add my voice").click()
    expect(page.locator(".messages")).to_contain_text("your voice is added")
    assert Concern.objects.count() == 1

    page.get_by_role("link", name="Public page of this concern").click()
    expect(page.locator(".facts dt:text-is('Supporters') + dd")).to_have_text("1")


def test_the_received_email_links_to_the_tracking_page(site, mailbox, resident, town):
    page = resident().page
    page.goto(site.url + "/concerns/new/")
    _describe(page, "Street lighting", "The light outside the town hall is out.")
    page.get_by_label("Or: near a place you know").select_option(label="Smyrna Town Hall")
    page.get_by_label("Email (optional, for updates)").fill("cara@example.org")
    _send(page)
    concern = Concern.objects.get()
    _expect_tracking_page(page, site, concern)

    [received] = mailbox.wait_for("cara@example.org")
    assert received["Subject"] == f"Received: concern #{concern.pk} (Street lighting)"
    body = received.get_body(("plain",)).get_content()
    assert "It has reached Smyrna Police Department." in body
    links = re.findall(re.escape(site.url) + r"/concerns/track/[\w-]+/", body)
    assert links == [f"{site.url}/concerns/track/{concern.tracking_token}/"]

    # Opened later from the mail app: a fresh browser, no session from the form.
    later = resident().page
    later.goto(links[0])
    _expect_tracking_page(later, site, concern)
    expect(later.locator(".facts")).to_contain_text("The light outside the town hall is out.")


def test_an_officer_answers_and_the_reporter_and_public_are_told(
    site, mailbox, resident, officer, town
):
    concern = factories.concern(
        category="speeding-traffic",
        description="Cars race down Main Street after school.",
        email="dan@example.org",
    )
    mailbox.wait_for("dan@example.org")
    note = "Officers will watch Main Street at school time this week."

    desk = officer(town.smyrna_officer)
    desk.get_by_role("navigation", name="Main").get_by_role("link", name="Concerns queue").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Concerns queue")
    desk.get_by_role("link", name=f"#{concern.pk}", exact=True).click()
    expect(desk.get_by_role("heading", level=1)).to_have_text(
        f"Concern #{concern.pk}: Speeding and traffic"
    )
    expect(desk.locator(".facts")).to_contain_text("dan@example.org")
    desk.get_by_label("Status", exact=True).select_option(label="In progress")
    desk.get_by_label("Public reply").fill(note)
    desk.get_by_role("button", name="Save and tell followers").click()
    expect(desk.locator(".messages")).to_contain_text("Saved.")
    expect(desk.locator(".history")).to_contain_text(note)

    concern.refresh_from_db()
    assert concern.status == Status.IN_PROGRESS
    update = ConcernUpdate.objects.get(concern=concern, kind="status")
    assert (update.is_public, update.body, update.author) == (True, note, town.smyrna_officer)
    messages = mailbox.wait_for("dan@example.org", 2)
    assert [m["Subject"] for m in messages] == [
        f"Received: concern #{concern.pk} (Speeding and traffic)",
        f"Concern #{concern.pk}: In progress",
    ]
    assert note in messages[1].get_body(("plain",)).get_content()

    page = resident().page
    page.goto(site.url + concern.get_absolute_url())
    expect(page.locator(".big .status")).to_have_text("In progress")
    expect(page.get_by_role("region", name="What has happened")).to_contain_text(note)

    other_town = officer(town.clayton_officer)
    response = other_town.goto(f"{site.url}/staff/concerns/{concern.pk}/")
    assert response.status == 404
    expect(other_town.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(other_town.locator("main")).not_to_contain_text(concern.description)
