"""The concern pages a resident and an officer use, checked on a phone.

axe-core (WCAG 2.2 A and AA rules) in English and Spanish on every state of the report form,
the tracking and public pages, the list and the staff page; and mistakes that a screen reader
reads out with the field they belong to.
"""

import re

import pytest
from playwright.sync_api import expect

from openbeat.concerns.models import Concern
from tests import factories
from tests.concerns import images
from tests.e2e.concern_steps import pinned, sign_in, tap_map_at
from tests.e2e.test_accessibility import Audit

pytestmark = pytest.mark.e2e

# --danger in site.css: the border of a field with a mistake.
DANGER = "rgb(164, 22, 26)"
SMYRNA_POINT = tuple(map(float, factories.SMYRNA_POINT))


@pytest.fixture
def town(site):
    return factories.town()


def _photo():
    upload = images.png()
    return {"name": upload.name, "mimeType": upload.content_type, "buffer": upload.read()}


@pytest.mark.parametrize("language", ["en", "es"])
def test_concern_pages_pass_axe_on_a_phone(site, resident, town, language):
    existing = factories.concern(description="Graffiti on the wall of the old mill")
    person = resident(locale=language)
    page = person.page
    audit = Audit(person, language)
    send = page.locator("form.report button[type=submit]")

    page.goto(site.url + "/concerns/new/")
    audit.check("report form")
    send.click()
    expect(page.locator("#id_description_error")).to_be_visible()
    audit.check("report form with mistakes")

    page.locator("#id_category").select_option("vandalism-graffiti")
    page.locator("#id_description").fill("Someone sprayed graffiti on the mill wall")
    tap_map_at(page, *SMYRNA_POINT)
    pinned(page, near=SMYRNA_POINT)
    send.click()
    expect(page.locator("#similar")).to_be_visible()
    audit.check("is it one of these?")

    page.locator("#id_photos").set_input_files(_photo())
    send.click()
    expect(page).to_have_url(re.compile(re.escape(site.url + "/concerns/track/")))
    audit.check("tracking page")

    concern = Concern.objects.exclude(pk=existing.pk).get()
    assert concern.photos.count() == 1
    page.goto(site.url + concern.get_absolute_url())
    expect(page.locator("img.photo")).to_be_visible()
    audit.check("public concern page with a photo")
    page.goto(site.url + "/concerns/")
    expect(page.locator(".cards .card")).to_have_count(2)
    audit.check("concerns list")

    sign_in(page, site, town.smyrna_officer)
    page.goto(f"{site.url}/staff/concerns/{concern.pk}/")
    expect(page.locator("img.photo")).to_be_visible()
    audit.check("staff concern page")

    assert not audit.problems, audit.report()


def test_mistakes_in_the_report_are_read_with_their_field(site, resident, town):
    page = resident().page
    page.goto(site.url + "/concerns/new/")
    page.get_by_label("Email (optional, for updates)").fill("ann.example.org")
    page.get_by_role("button", name="Send the concern").click()

    description = page.get_by_label("What is happening?")
    field = page.locator(".field", has=description)
    expect(field.locator(".error")).to_contain_text("Please describe the problem in a few words.")
    expect(description).to_have_attribute("aria-invalid", "true")
    expect(description).to_have_css("border-top-color", DANGER)
    expect(page.get_by_label("What is it about?")).to_have_css("border-top-color", DANGER)
    # Screen readers read the help and the mistake when the field is focused.
    expect(description).to_have_accessible_description(
        re.compile(r"^Where exactly, .* Please describe the problem in a few words\.$")
    )
    email = page.get_by_label("Email (optional, for updates)")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(
        re.compile("Please enter an email address such as name@example.com.")
    )
    expect(email).to_have_value("ann.example.org")
    where = page.locator("form.report fieldset").filter(has_text="Where is it?")
    expect(where.get_by_role("alert")).to_contain_text("Tell us where")
    expect(where).to_have_class(re.compile("has-error"))
    assert not Concern.objects.exists()


def test_pins_too_close_to_tap_apart_are_one_group_that_opens_them(site, resident, town):
    """Three concerns at one place and one 800 m away: the map draws the three as one group
    (a target a finger can hit, WCAG 2.2's target size), which zooms in and, at the closest
    zoom, lists them; the lone one stays a pin."""
    for text in ("Graffiti on the mill", "More graffiti on the mill", "The mill again"):
        factories.concern(description=text)
    factories.concern(point=("39.299000", "-75.609000"), description="Graffiti by the school")
    person = resident(locale="en")
    page = person.page
    page.goto(site.url + "/concerns/")
    group = page.locator(".pin-group")
    expect(group).to_have_count(1)
    expect(group).to_have_text("3")
    expect(group).to_have_attribute("title", "3 concerns here: zoom in")
    expect(page.locator(".leaflet-marker-icon:not(.pin-group)")).to_have_count(1)
    for _ in range(10):  # each choice zooms in; the same place stays one group to the end
        if page.locator(".leaflet-popup a").count():
            break
        page.locator(".pin-group").click()
        page.wait_for_timeout(400)
    links = page.locator(".leaflet-popup li a")
    expect(links).to_have_count(3)
    assert all(text.startswith("#") for text in links.all_inner_texts())
