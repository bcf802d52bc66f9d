"""The list's compiled statements and Python-written cards (concerns/listing.py) answer what the
ORM and the template answered: the same concerns for every filter and cursor, none that is not
public, and the same bytes for every card, in every language, whatever text is stored."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.template import Context, Template
from django.utils import timezone, translation

from openbeat.concerns import queries, views
from openbeat.concerns.models import CATEGORIES, Category, Concern, Status, Supporter
from openbeat.core import pagecache
from openbeat.core.models import Agency, Area
from tests import factories
from tests.security.test_hostile_text import EVERYWHERE, ROUNDS

pytestmark = pytest.mark.django_db

# The cards exactly as list.html wrote them before listing.py: the reference for its CARD.
REFERENCE = Template(
    """{% load i18n %}<ul class="cards">
{% for concern in concerns %}
  <li class="card"><h3><a href="{{ concern.get_absolute_url }}">#{{ concern.pk }} {% with lang=concern.category.display_lang %}{% if lang %}<span lang="{{ lang }}">{{ concern.category.display_name }}</span>{% else %}{{ concern.category.display_name }}{% endif %}{% endwith %}</a></h3>
    <p>{% include "concerns/_status.html" %} · {{ concern.area.name|default:concern.agency.name }} · {{ concern.created_at|date:"SHORT_DATE_FORMAT" }}
    {% if concern.support_count %} · {% blocktranslate count n=concern.support_count %}{{ n }} supporter{% plural %}{{ n }} supporters{% endblocktranslate %}{% endif %}</p>
    <p>{% if concern.description %}{{ concern.description|truncatewords:30 }}{% else %}{% include "concerns/_removed.html" %}{% endif %}</p></li>
{% empty %}<li>{% translate "No concerns match." %}</li>{% endfor %}
</ul>"""  # noqa: E501
)
LANGUAGES = ["en", "en-gb", "es"]
SHOWN = len(Status.values) + 1 + 4  # every status, a referral, four others
LONG = " ".join(f"word{n}" for n in range(45))


def _cards(body):
    return body[body.index('<ul class="cards">') : body.index("</ul>", body.index("cards")) + 5]


def _reference(language, concerns):
    with translation.override(language):
        return REFERENCE.render(Context({"concerns": concerns}))


def _varied(town):
    """Concerns unlike each other in everything a card shows (and three the public never sees)."""
    agency = town.smyrna
    written = Category.objects.create(
        agency=agency, slug="potholes", name_en="Potholes", name_es="Baches", order=1
    )
    english_only = Category.objects.create(agency=agency, slug="trees", name_en="Fallen trees")
    made = []
    for n, (status, referred_to) in enumerate(
        [(s, "") for s in Status.values] + [(Status.REFERRED, "Public Works")]
    ):
        made.append(factories.concern(description=f"Report {n} {LONG[: n * 7]}"))
        Concern.objects.filter(pk=made[-1].pk).update(status=status, referred_to=referred_to)
    removed, no_area, in_clayton, popular = (factories.concern(category="noise") for _ in range(4))
    Concern.objects.filter(pk=removed.pk).update(description="")
    Concern.objects.filter(pk=no_area.pk).update(area=None, category=written)
    Concern.objects.filter(pk=in_clayton.pk).update(
        agency=town.clayton, area=town.clayton.areas.get(), category=english_only
    )
    factories.supporter(in_clayton)
    factories.supporter(in_clayton, confirm=False)  # not counted until confirmed
    factories.supporter(no_area)
    factories.supporter(no_area)
    Supporter.objects.bulk_create(
        Supporter(concern=popular, agency=agency, confirmed_at=timezone.now()) for _ in range(1234)
    )
    # Spread over days, one just after midnight UTC (the day before, in New York).
    start = datetime.datetime(2026, 3, 7, 3, 30, tzinfo=datetime.UTC)
    for n, concern in enumerate(Concern.objects.order_by("id")):
        Concern.objects.filter(pk=concern.pk).update(created_at=start - datetime.timedelta(days=n))
    private = factories.concern(category="officer-conduct")
    Concern.objects.filter(pk=private.pk).update(is_private=False)  # sensitive category alone
    Concern.objects.filter(pk=factories.concern().pk).update(is_hidden=True)
    Concern.objects.filter(pk=factories.concern().pk).update(is_private=True)
    return written, english_only


def _store(text, written, english_only):
    """`text` in every stored text a card shows, as an old row or an import could hold it."""
    if connection.vendor == "postgresql":
        text = text.replace("\x00", "")  # PostgreSQL cannot store a NUL
    Concern.objects.exclude(description="").update(description=f"{text} {LONG}")
    Concern.objects.exclude(referred_to="").update(referred_to=text[:120])
    Area.objects.filter(name="Town of Clayton").update(name=text[:200])
    Agency.objects.update(name=text[:200])
    Category.objects.filter(pk=written.pk).update(name_en=text[:120], name_es=text[::-1][:120])
    Category.objects.filter(pk=english_only.pk).update(name_en="", name_es=text[:120])
    cache.clear()  # writes that skip the actions bump no page's version
    pagecache.bump(CATEGORIES)  # as a category's save does (the labels are kept per version)


def test_the_cards_are_the_templates_byte_for_byte_in_every_language(client, town):
    written, english_only = _varied(town)
    rounds = {"plain": "Fallen trees"} | {
        name: text for name, (formats, text) in ROUNDS.items() if formats is EVERYWHERE
    }
    for name, text in rounds.items():
        if name != "plain":
            _store(text, written, english_only)
        concerns = list(queries.public_concerns().order_by("-created_at", "-id")[:20])
        assert len(concerns) == SHOWN
        for language in LANGUAGES:
            body = client.get("/concerns/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
            assert _cards(body) == _reference(language, concerns), (name, language)
        # What the page names, so that equal bytes are not two empty lists.
        body = client.get("/concerns/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
        assert body.count('<li class="card">') == SHOWN
        assert "1234 personas la apoyan" in body and "2 personas la apoyan" in body
        assert "1 persona la apoya" in body and "Baches" in body or name != "plain"
        assert "[Eliminado: ya no se conserva el texto" in body


def test_a_list_with_no_match_says_so_as_before(client, town):
    factories.concern()
    for language in LANGUAGES:
        body = client.get("/concerns/?category=parking", HTTP_ACCEPT_LANGUAGE=language)
        assert _cards(body.content.decode()) == _reference(language, [])


def _ids(body):
    return [int(pk) for pk in re.findall(r'<li class="card"><h3><a href="/concerns/(\d+)/"', body)]


def _link(body, rel):
    if f'rel="{rel}"' not in body:
        return None
    return "/concerns/" + body.split(f'rel="{rel}" href="')[1].split('"')[0].replace("&amp;", "&")


@pytest.mark.parametrize("status", ["", "open", "closed"])
def test_every_filter_and_cursor_shows_exactly_the_public_concerns_it_names(
    client, town, monkeypatch, status
):
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    monkeypatch.setattr(views, "COUNT_CAP", 5)
    _varied(town)
    for pk in Concern.objects.values_list("pk", flat=True)[::3]:
        Concern.objects.filter(pk=pk).update(
            category=Category.objects.get(slug="noise", agency=town.smyrna)
        )
    same = timezone.now() - datetime.timedelta(days=400)
    Concern.objects.filter(pk__in=Concern.objects.values("pk")[:4]).update(created_at=same)
    cache.clear()
    area = town.smyrna.areas.get()
    hidden = [c.pk for c in Concern.objects.all() if not c.is_public]
    assert len(hidden) == 3
    for category, area_id in [("noise", None), ("", area.pk), ("noise", area.pk), ("", None)]:
        expected = list(
            queries.search(Concern.objects.public(), status, category, area_id)
            .order_by("-created_at", "-id")
            .values_list("pk", flat=True)
        )
        query = {"status": status, "category": category, "area": area_id or ""}
        url = "/concerns/?" + "&".join(f"{k}={v}" for k, v in query.items() if v)
        pages, body = [], ""
        while url:
            response = client.get(url)
            assert response.status_code == 200
            body = response.content.decode()
            pages.append(_ids(body))
            url = _link(body, "next")
        assert expected and [pk for page in pages for pk in page] == expected, query
        assert not set(hidden) & set(expected)
        heading = "More than 5 concerns" if len(expected) > 5 else f"{len(expected)} concern"
        assert heading in body
        back, url = [], _link(body, "prev")
        while url:
            body = client.get(url).content.decode()
            back.append(_ids(body))
            url = _link(body, "prev")
        assert back == pages[:-1][::-1], query
    for cursor in [*hidden, 0, 10**30, "²", "1x"]:
        response = client.get(f"/concerns/?category=noise&before={cursor}")
        assert response.status_code == 400, cursor
        assert _ids(response.content.decode()) == []


def _options(body, name):
    select = body.split(f'<select id="f-{name}" name="{name}">')[1].split("</select>")[0]
    return re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select)


def test_the_filters_show_what_was_chosen_in_the_readers_language(client, town):
    area = Area.objects.filter(agency=town.smyrna).first()
    path = f"/concerns/?status=open&category=parking&area={area.pk}"
    body = client.get(path, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    categories = _options(body, "category")
    assert [(v, s) for v, s, _name in categories if s] == [("parking", " selected")]
    names = [name for value, _s, name in categories if value]
    assert "Estacionamiento" in names and "Parking" not in names
    assert names == sorted(names)
    assert "officer-conduct" not in {v for v, _s, _n in categories}  # sensitive: never offered
    assert [(v, s) for v, s, _name in _options(body, "area") if s] == [(str(area.pk), " selected")]
    # Another reader, another choice: nothing of the first page's marks is kept.
    body = client.get("/concerns/?category=noise", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert [(v, n) for v, s, n in _options(body, "category") if s] == [("noise", "Noise")]
    assert not [v for v, s, _name in _options(body, "area") if s]
    # A renamed category is the filter's name at once (the categories' version).
    Category.objects.filter(slug="noise").update(name="Loud noise")
    pagecache.bump(CATEGORIES)
    body = client.get("/concerns/?category=noise", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert [(v, n) for v, s, n in _options(body, "category") if s] == [("noise", "Loud noise")]


def _heading(body):
    return re.search(r'<h2 id="results">([^<]*)</h2>', body).group(1)


def test_every_page_of_a_filter_counts_what_is_there_now(client, town):
    for n in range(5):
        factories.concern(category="noise", description=f"Music at night {n}")
    factories.concern(category="parking", description="Blocked drive")
    first = client.get("/concerns/?category=noise").content.decode()
    assert _heading(first) == "5 concerns"
    older = [_ids(first)[2], _ids(first)[3]]
    # Other pages of the filter (each a new URL): the same count, whatever the cursor.
    for pk in older:
        assert _heading(client.get(f"/concerns/?category=noise&before={pk}").content.decode()) == (
            "5 concerns"
        )
    assert _heading(client.get("/concerns/?category=parking").content.decode()) == "1 concern"
    # A new report in the filter is counted on the next page asked for, another cursor.
    factories.concern(category="noise", description="Dog barking")
    body = client.get(f"/concerns/?category=noise&before={older[1]}").content.decode()
    assert _heading(body) == "6 concerns"
    assert _heading(client.get("/concerns/").content.decode()) == "7 concerns"
