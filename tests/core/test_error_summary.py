"""A form sent with mistakes lists them at its top, each linked to the field it is about.

On a phone the first mistake of a long form can be a screen or more below its top; the summary
(the GOV.UK pattern) says how many problems there are and takes a keyboard or screen-reader
user to each field.
"""

import re
from pathlib import Path

import pytest

import openbeat
from tests import factories

SUMMARY = re.compile(r'<div class="error-summary" role="alert"[^>]*>(.*?)</div>', re.S)
LINK = re.compile(r'<a href="#([^"]+)">([^<]+)</a>')


def _summary(page):
    found = SUMMARY.search(page)
    assert found, "the page has no error summary"
    return found


def _links_lead_to_their_fields(page):
    """Each link's target exists, and the target's own error says the same thing."""
    summary = _summary(page)
    links = LINK.findall(summary.group(1))
    assert links
    for anchor, message in links:
        assert f'id="{anchor}"' in page, f"the summary links to #{anchor}, not on the page"
        # The message is said again after the summary, beside the field.
        assert message in page[summary.end() :]
    return links


def test_a_report_with_three_mistakes_says_so_at_the_top(client, town):
    page = client.post(
        "/concerns/new/",
        {"category": "", "description": "", "email": "nope", "nonce": "", "website": ""},
    ).content.decode()
    assert "There are 4 problems" in _summary(page).group(1)
    anchors = [anchor for anchor, _ in _links_lead_to_their_fields(page)]
    # In the order the fields are asked, the place's mistake leading to the typed address.
    assert anchors == ["id_category", "id_description", "id_email", "id_location_text"]
    # The summary comes before the first field of the form.
    assert page.index('class="error-summary"') < page.index('id="id_category"')


def test_an_rsvp_with_one_mistake_says_there_is_a_problem_in_spanish_too(client, town):
    occurrence = factories.event(town).occurrences.get()
    url = f"{occurrence.get_absolute_url()}rsvp/"
    form = {"name": "Ana", "email": "ana@example.org", "party_size": "0", "nonce": "x"}
    page = client.post(url, form).content.decode()
    assert "There is a problem" in _summary(page).group(1)
    assert [a for a, _ in _links_lead_to_their_fields(page)] == ["id_party_size"]
    spanish = client.post(url, form, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Hay un problema" in _summary(spanish).group(1)


def test_a_subscription_with_a_wrong_address_links_to_it(client, town):
    form = {"agency": town.smyrna.slug, "email": "not-an-email", "frequency": "immediate"}
    page = client.post("/subscribe/", form).content.decode()
    assert [a for a, _ in _links_lead_to_their_fields(page)] == ["id_email"]


def test_a_form_without_mistakes_has_no_summary(client, town):
    assert "error-summary" not in client.get("/concerns/new/").content.decode()


TEMPLATES = Path(openbeat.__file__).parent


@pytest.mark.parametrize(
    "template",
    sorted(
        str(p.relative_to(TEMPLATES))
        for p in TEMPLATES.rglob("*.html")
        if "non_field_errors" in p.read_text() or "error_summary" in p.read_text()
    ),
)
def test_forms_say_their_mistakes_through_the_summary(template):
    """A whole-form error is said in the summary, not in a template's own block."""
    text = (TEMPLATES / template).read_text()
    assert "non_field_errors %}" not in text.replace("{% error_summary", ""), template
    assert "{% error_summary" in text
