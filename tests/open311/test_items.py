"""Each concern's stored Open311 item (openbeat.open311.items) is what a fresh build of it would
be after every kind of change, holds nothing the public answer does not, and the answers made
from stored items are byte for byte the answers built from the rows."""

import datetime
import json
import xml.etree.ElementTree as ET

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.utils import timezone

from openbeat.concerns import actions
from openbeat.concerns.models import Category, Concern, Photo
from openbeat.core import pagecache
from openbeat.open311 import items
from openbeat.retention import actions as retention
from openbeat.retention.models import Reason
from tests import factories
from tests.concerns import images

SMYRNA = "jurisdiction_id=smyrna-pd"
WINDOW = "/open311/v2/requests.json?" + SMYRNA


def _stored(concern):
    return Concern.objects.values_list("open311_item_format", "open311_item").get(pk=concern.pk)


def _stored_item(concern):
    """The stored item, checked to be a fresh build of the concern now; as a dict."""
    form, text = _stored(concern)
    assert form == items.FORMAT
    assert text == items.built([concern.pk])[concern.pk]
    return json.loads(text)


def _answer(client, url):
    cache.clear()  # every answer here a page-cache miss
    pagecache.forget()
    response = client.get(url)
    assert response.status_code in (200, 404), response.content
    return response.content


def _photo(concern):
    return Photo.objects.create(
        concern=concern,
        agency=concern.agency,
        image=ContentFile(images.png().read(), name="p.jpg"),
        width=10,
        height=10,
    )


def test_every_change_of_a_concern_stores_its_item_again(town):
    officer = town.smyrna_officer
    concern = factories.concern(description="Tags on the bridge", photos=[images.png()])
    first = concern.photos.get()
    assert _stored_item(concern)["media_url"] == f"/concerns/photos/{first.pk}.jpg"

    actions.change_status(concern, "resolved", "Painted over.", acting_user=officer)
    item = _stored_item(concern)
    assert (item["status"], item["status_notes"]) == ("closed", "Painted over.")

    actions.respond(concern, "Thanks for telling us.", public=True, acting_user=officer)
    _stored_item(concern)
    later = actions.change_status(concern, "in_progress", "Back again.", acting_user=officer)
    assert _stored_item(concern)["status_notes"] == "Back again."
    actions.set_hidden(later, True, "a name in it", acting_user=officer)
    assert _stored_item(concern)["status_notes"] == "Painted over."

    second = _photo(concern)
    actions.set_hidden(first, True, "a face", acting_user=officer)
    assert _stored_item(concern)["media_url"] == f"/concerns/photos/{second.pk}.jpg"
    second.delete()
    assert _stored_item(concern)["media_url"] == ""

    referred = factories.concern(category="street-lighting", description="Lamp out")
    actions.change_status(referred, "closed_referred", "", acting_user=officer)
    assert _stored_item(referred)["agency_responsible"] == "Public Works"


def test_a_category_or_agency_renamed_is_answered_at_once_and_stored_by_the_worker(client, town):
    concern = factories.concern(description="Tags on the bridge")
    other = factories.concern(category="noise", description="Loud music")
    graffiti = Category.objects.get(agency=town.smyrna, slug="vandalism-graffiti")
    graffiti.order = 5  # not shown in an item: the items stay
    graffiti.save()
    assert _stored(concern)[0] == items.FORMAT

    graffiti.name = "Graffiti"
    graffiti.save()
    town.smyrna.name = "Smyrna PD"
    town.smyrna.save()
    assert _stored(concern) == _stored(other) == (None, None)
    answered = json.loads(_answer(client, WINDOW))
    assert [(i["service_name"], i["agency_responsible"]) for i in answered] == [
        ("Noise", "Smyrna PD"),
        ("Graffiti", "Smyrna PD"),
    ]
    items.fill_missing()
    assert _stored_item(concern)["service_name"] == "Graffiti"
    assert _stored_item(other)["agency_responsible"] == "Smyrna PD"
    assert json.loads(_answer(client, WINDOW)) == answered


def test_what_the_public_may_not_see_is_neither_stored_nor_answered(client, town):
    officer = town.smyrna_officer
    complaint = factories.concern(category="officer-conduct", description="Rude officer")
    hidden = factories.concern(description="Tags on the bridge")
    dealing = factories.concern(
        category="drug-activity",
        point=(39.291234, -75.601234),
        location_text="1234 Main St, Apt 5",
        description="Dealing at the corner",
        name="Alice Reporter",
        email="alice@example.org",
        phone="302-555-0188",
    )
    actions.set_hidden(hidden, True, "a name in it", acting_user=officer)
    assert _stored(complaint) == _stored(hidden) == (items.FORMAT, None)
    text = _stored(dealing)[1]
    for secret in ("Alice", "alice@", "555-0188", "1234", "Apt", "291234", "601234"):
        assert secret not in text
    assert json.loads(text)["address"] == "12XX Main St"
    for fmt in ("json", "xml"):
        window = _answer(client, f"/open311/v2/requests.{fmt}?{SMYRNA}").decode()
        assert "Dealing at the corner" in window
        assert "Rude officer" not in window
        assert "Tags on the bridge" not in window
        for concern in (complaint, hidden):
            url = f"/open311/v2/requests/{concern.pk}.{fmt}?{SMYRNA}"
            assert b"was not found" in _answer(client, url)
    actions.set_hidden(hidden, False, None, acting_user=officer)
    assert _stored_item(hidden)["description"] == "Tags on the bridge"


def test_bulk_updates_store_the_items_again(town):
    when = timezone.now() - datetime.timedelta(days=3)
    data = {"category": "noise", "description": "Loud", "latitude": 39.3, "longitude": -75.6}
    imported, _created = actions.import_concern("https://other/requests#7", data, "resolved", when)
    item = _stored_item(imported)
    assert (item["status"], item["requested_datetime"]) == ("closed", when.isoformat())

    concern = factories.concern(description="Tags on the bridge")
    actions.change_status(concern, "resolved", "", acting_user=town.smyrna_officer)
    actions.contest(concern.tracking_token, "Alice from number 12 says it is still there")
    assert "Alice" in _stored_item(concern)["status_notes"]
    retention.anonymise(concern, Reason.REQUEST)
    assert "Alice" not in json.dumps(_stored_item(concern))


def _world(town):
    officer = town.smyrna_officer
    made = []
    for n in range(7):
        category = ("vandalism-graffiti", "loitering", "street-lighting", "noise")[n % 4]
        concern = factories.concern(
            category=category,
            description=f'Concern {n} <b>&amp;</b> "quoted" \x0b',
            location_text=f"{100 + n} Main St",
            photos=[images.png()] if n % 3 == 0 else [],
        )
        if n % 2:
            status = "closed_referred" if category == "street-lighting" else "resolved"
            actions.change_status(concern, status, f"Done {n} & <over>.", acting_user=officer)
        made.append(concern)
    area = str(town.smyrna.areas.get().pk)
    factories.concern(description="No point", point=("", ""), location_text="Main St", area=area)
    return made


def _urls(made):
    urls = []
    for fmt in ("json", "xml"):
        base = f"/open311/v2/requests.{fmt}?{SMYRNA}"
        urls += [f"{base}&page_size=3&page={page}" for page in (1, 2, 3, 4)]
        start = (timezone.now() - datetime.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
        for status in ("", "&status=open", "&status=closed"):
            urls.append(f"{base}&start_date={start}{status}")
        urls.append(f"{base}&service_code=noise,loitering&page_size=2")
        urls.append(f"{base}&bbox=-75.7,39.2,-75.5,39.4")
        urls.append(f"{base}&service_request_id={made[1].pk},{made[3].pk}")
        urls += [f"/open311/v2/requests/{c.pk}.{fmt}?{SMYRNA}" for c in made]
    return urls


def test_answers_from_stored_items_are_the_answers_built_from_rows(client, town):
    made = _world(town)
    urls = _urls(made)
    stored = [_answer(client, url) for url in urls]
    items.forget(Concern.objects.all())
    built = [_answer(client, url) for url in urls]
    assert stored == built
    window = json.loads(stored[0])
    assert len(window) == 3
    photos = [i["media_url"] for i in json.loads(stored[4])]  # the 30 days' window
    assert any(photos)
    assert all(url.startswith("http://testserver/concerns/photos/") for url in photos if url)
    xml = ET.fromstring(stored[len(urls) // 2])
    assert [r.findtext("service_request_id") for r in xml] == [
        i["service_request_id"] for i in window
    ]
    assert [r.findtext("lat") for r in xml] == [str(i["lat"] or "") for i in window]
    assert [r.findtext("media_url") for r in xml] == [i["media_url"] for i in window]
    assert any(i["media_url"] for i in window)


def test_an_item_of_another_format_or_none_is_built_where_it_is_read(client, town):
    concern = factories.concern(description="Tags on the bridge")
    old = _stored(concern)[1]
    actions.change_status(concern, "resolved", "Painted over.", acting_user=town.smyrna_officer)
    Concern.objects.filter(pk=concern.pk).update(open311_item_format=items.FORMAT + 1)
    Concern.objects.filter(pk=concern.pk).update(open311_item=old)
    url = f"/open311/v2/requests/{concern.pk}.json?{SMYRNA}"
    assert json.loads(_answer(client, url))[0]["status"] == "closed"
    Concern.objects.filter(pk=concern.pk).update(
        open311_item_format=items.FORMAT, open311_item=None
    )
    assert json.loads(_answer(client, url))[0]["status_notes"] == "Painted over."


def test_the_worker_fills_missing_items_going_on_where_it_stopped(town):
    made = [factories.concern(description=f"Concern {n}") for n in range(5)]
    items.forget(Concern.objects.all())
    missing = lambda: [c.pk for c in made if _stored(c)[1] is None]  # noqa: E731
    assert items.fill_missing(limit=2) == 2
    assert missing() == [c.pk for c in made[2:]]
    items.forget(Concern.objects.filter(pk=made[0].pk))  # behind where it stopped: not yet
    assert items.fill_missing(limit=2) == 2
    assert missing() == [made[0].pk, made[4].pk]
    assert items.fill_missing(limit=2) == 2  # the last one, then from the first id again
    assert missing() == []
    assert items.fill_missing() == 0  # stored items are not stored again
    for concern in made:
        _stored_item(concern)
