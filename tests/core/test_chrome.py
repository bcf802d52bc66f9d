"""The header, menu and footer every page shares are rendered once per language, signed-in or
not and face of the site's agency (core/templatetags/chrome.py): each page must still show its
reader's menu and language, and send the language switch back to its own address."""

import re

from django.utils.html import escape

from openbeat.core.models import Agency
from tests import factories

NEXT = re.compile(r'<input name="next" type="hidden" value="([^"]*)">')
BRAND = re.compile(r'<a class="brand" href="/">(.*?)</a>', re.S)


def _page(client, path, **headers):
    return _response(client, path, **headers).content.decode()


def _response(client, path, **headers):
    response = client.get(path, **headers)
    assert response.status_code == 200
    return response


def test_the_language_switch_returns_each_page_to_its_own_address(client, town):
    hostile = "/concerns/?status=open&note=\"><script>alert('x')</script>"
    for path in ("/events/", hostile, "/concerns/?status=closed", "/"):
        response = _response(client, path)
        page = response.content.decode()
        [value] = NEXT.findall(page)
        assert value == escape(response.wsgi_request.get_full_path())
        assert value.startswith(escape(path[:20]))
        assert "<script>alert" not in page


def test_staff_see_their_menu_and_residents_never_do_whoever_came_first(client, town):
    assert "Concerns queue" not in _page(client, "/events/")
    factories.sign_in(client, factories.user("amy.officer", town.smyrna))
    assert "Concerns queue" in _page(client, "/events/")
    client.logout()
    assert "Concerns queue" not in _page(client, "/events/")


def test_each_language_has_its_own_menu(client, town):
    spanish = _page(client, "/events/", HTTP_ACCEPT_LANGUAGE="es")
    english = _page(client, "/events/", HTTP_ACCEPT_LANGUAGE="en")
    assert ">Eventos</a>" in spanish and '<html lang="es">' in spanish
    assert ">Events</a>" in english and ">Eventos</a>" not in english


def test_the_site_agency_renamed_is_the_header_at_once(client, db):
    agency = Agency.objects.create(name="Smyrna Police Department", slug="smyrna-pd")
    assert BRAND.search(_page(client, "/")).group(1) == "Smyrna Police Department"
    agency.name = "Smyrna PD"
    agency.save()
    assert BRAND.search(_page(client, "/events/")).group(1) == "Smyrna PD"
