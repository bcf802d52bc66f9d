"""The department's own face: the site's agency names every page, colours it and leads the
home page to its news and to the ways residents take part."""

import re

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone

from openbeat.core.models import Agency
from openbeat.outreach.models import Announcement, AnnouncementStatus
from tests import factories

HEADER = re.compile(r'<a class="brand" href="/">(.*?)</a>', re.S)
TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def _face(client):
    page = client.get("/").content.decode()
    return HEADER.search(page).group(1), TITLE.search(page).group(1), page


def test_one_department_names_and_colours_every_page(client, db):
    Agency.objects.create(name="Smyrna Police Department", slug="smyrna-pd", colour="#1f4e79")
    header, title, page = _face(client)
    assert header == "Smyrna Police Department"
    assert title.endswith("· Smyrna Police Department")
    assert '<link rel="stylesheet" href="/brand.css?v=1f4e79">' in page
    css = client.get("/brand.css?v=1f4e79")
    assert css["Content-Type"].startswith("text/css")
    assert css.content.decode() == ":root { --brand: #1f4e79; --brand-dark: #173a5b; }\n"


def test_agencies_sharing_a_site_stay_neutral_unless_one_is_named(client, db, settings):
    factories.town()
    header, title, page = _face(client)
    assert header == "OpenBeat" and title.endswith("· OpenBeat")
    assert "brand.css" not in page
    assert client.get("/brand.css").content == b""  # site.css's own colours
    settings.SITE_AGENCY = "clayton-pd"
    cache.clear()  # a setting changes with a restart, which starts with an empty page cache
    header, title, _ = _face(client)
    assert header == "Clayton Police Department"


@pytest.mark.parametrize(
    "colour, message",
    [
        ("#ffcc00", "White text on #ffcc00 has a contrast of only 1.5:1"),
        ("#767676", None),  # 4.54:1, the lightest grey that passes
        ("#777777", "only 4.5:1"),  # 4.48:1 rounds to 4.5 but does not pass
        ("blue", "# and six hexadecimal digits"),
        ("#12345", "# and six hexadecimal digits"),
    ],
)
def test_a_colour_white_text_cannot_be_read_on_is_refused(db, colour, message):
    agency = Agency(name="Smyrna Police Department", slug="smyrna-pd", colour=colour)
    if message is None:
        agency.full_clean()
        return
    with pytest.raises(ValidationError) as refused:
        agency.full_clean()
    assert message in " ".join(refused.value.message_dict["colour"])


def test_the_home_page_leads_to_the_news_and_to_taking_part(client, db):
    town = factories.town()
    now = timezone.now()
    for n, status in enumerate(
        [AnnouncementStatus.PUBLISHED] * 4
        + [AnnouncementStatus.DRAFT, AnnouncementStatus.WITHDRAWN]
    ):
        Announcement.objects.create(
            agency=town.smyrna,
            title=f"News {n} ({status})",
            body="Text",
            status=status,
            published_at=now - timezone.timedelta(days=n) if status != "draft" else None,
        )
    page = client.get("/").content.decode()
    news = page.split('id="news"')[1].split("</section>")[0]
    assert re.findall(r">(News \d \(\w+\))</a>", news) == [
        "News 0 (published)",
        "News 1 (published)",
        "News 2 (published)",
    ]
    for link in ("/concerns/new/", "/subscribe/", "/projects/", "/announcements/"):
        assert f'href="{link}' in page
    for agency in (town.smyrna, town.clayton):
        assert f'href="/agencies/{agency.slug}/transparency/"' in page


def test_a_colour_stored_past_validation_never_reaches_the_stylesheet(client, db):
    agency = Agency.objects.create(name="Smyrna Police Department", slug="smyrna-pd")
    # Written past validation (an import), within the column's 7 characters.
    Agency.objects.filter(pk=agency.pk).update(colour="red;}*{")
    assert client.get("/brand.css").content == b""
