"""An agency's block for its own website: a framed page only its listed websites may frame, and
a public JSON feed of its next meetings."""

import pytest
from django.core.exceptions import ValidationError

from openbeat.core import pagecache
from openbeat.core.models import Agency, Role
from tests import factories


def _directives(response):
    policy = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())


def _list(agency, origins):
    agency.embed_origins = origins
    agency.full_clean()
    agency.save()
    pagecache.forget()  # as a write through the admin does (audit.record bumps the versions)


def test_by_default_no_website_may_frame_the_block(client, town):
    response = client.get("/agencies/smyrna-pd/embed/")
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert _directives(response)["frame-ancestors"] == "'none'"


def test_the_listed_websites_and_only_they_may_frame_the_block(client, town):
    factories.event(town, title="Community Awareness Meeting")
    _list(town.smyrna, "https://www.smyrna.example\nhttps://News.Smyrna.example:8443/")
    for _reading in range(2):  # the page cache's answer is framed alike
        response = client.get("/agencies/smyrna-pd/embed/")
        assert response.status_code == 200
        assert "X-Frame-Options" not in response
        assert _directives(response)["frame-ancestors"] == (
            "https://www.smyrna.example https://news.smyrna.example:8443"
        )
        assert "Community Awareness Meeting" in response.content.decode()
    # Every other page, and another agency's block, still refuse every frame.
    for url in ["/agencies/smyrna-pd/", "/agencies/clayton-pd/embed/", "/events/", "/"]:
        other = client.get(url)
        assert other["X-Frame-Options"] == "DENY", url
        assert _directives(other)["frame-ancestors"] == "'none'", url


def test_the_block_is_light_and_speaks_the_readers_language(client, town):
    factories.event(town, title="Coffee with a Cop", programme=town.coffee)
    english = client.get("/agencies/smyrna-pd/embed/").content.decode()
    assert "Coffee with a Cop" in english and "Report a concern" in english
    assert "<script" not in english and "leaflet" not in english.lower()
    assert 'target="_top"' in english
    spanish = client.get("/agencies/smyrna-pd/embed/?lang=es").content.decode()
    assert '<html lang="es">' in spanish and "Reportar una inquietud" in spanish
    browser = client.get("/agencies/smyrna-pd/embed/", HTTP_ACCEPT_LANGUAGE="es")
    assert '<html lang="es">' in browser.content.decode()


@pytest.mark.parametrize(
    "origins",
    [
        "http://www.smyrna.example",  # not https
        "https://www.smyrna.example/news",  # a path
        "https://*.smyrna.example",  # a wildcard
        "*",
        "'self'",
        "https://www.smyrna.example?x=1",
        "https://user@www.smyrna.example",
        "https://www.smyrna.example; script-src *",  # a second directive
        "www.smyrna.example",
        "https://localhost",
        "\n".join(f"https://site{n}.example" for n in range(11)),
    ],
)
def test_only_https_origins_may_be_listed(db, origins):
    agency = Agency(name="Smyrna Police Department", slug="smyrna-pd", embed_origins=origins)
    with pytest.raises(ValidationError) as refused:
        agency.full_clean()
    assert refused.value.message_dict["embed_origins"]


def test_the_admin_refuses_a_bad_origin_and_shows_the_snippet(client, town):
    admin = factories.user("smyrna.admin", town.smyrna, Role.ADMIN)
    client.force_login(admin)
    url = f"/admin/core/agency/{town.smyrna.pk}/change/"
    page = client.get(url).content.decode()
    assert "/agencies/smyrna-pd/embed/" in page and "&lt;iframe" in page
    assert "/agencies/smyrna-pd/meetings.json" in page
    form = {
        "name": town.smyrna.name,
        "slug": town.smyrna.slug,
        "timezone": town.smyrna.timezone,
        "embed_origins": "https://*.smyrna.example",
    }
    refused = client.post(url, form)
    assert refused.status_code == 200  # the admin's form, again, with the error
    assert "is not a website&#x27;s address" in refused.content.decode()
    assert Agency.objects.get(pk=town.smyrna.pk).embed_origins == ""
    client.post(url, {**form, "embed_origins": "https://www.smyrna.example"})
    assert Agency.objects.get(pk=town.smyrna.pk).frame_origins() == ["https://www.smyrna.example"]
    response = client.get("/agencies/smyrna-pd/embed/")
    assert _directives(response)["frame-ancestors"] == "https://www.smyrna.example"


def test_the_json_feed_lists_the_next_meetings_for_any_website(client, town):
    factories.event(town, title="Community Awareness Meeting")
    factories.event(town, title="Clayton Only", agency=town.clayton, programme=town.clayton_meeting)
    factories.event(town, title="Long Ago", start=factories.in_days(-30))
    for _reading in range(2):
        response = client.get("/agencies/smyrna-pd/meetings.json")
        assert response.status_code == 200
        assert response["Access-Control-Allow-Origin"] == "*"
        feed = response.json()
        assert [m["title"] for m in feed["meetings"]] == ["Community Awareness Meeting"]
    meeting = feed["meetings"][0]
    assert meeting["place"]["name"] == "Smyrna Town Hall"
    assert meeting["url"].endswith("/")
    assert meeting["flyer_pdf"].endswith("/flyer.pdf")
    assert meeting["start"].endswith(("-05:00", "-04:00"))
    assert feed["report_a_concern"].endswith("/concerns/new/")
    assert client.get("/agencies/nowhere/meetings.json").status_code == 404
