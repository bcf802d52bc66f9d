"""What a page-cache miss of Open311's requests costs: one query for the whole page, each item
(its last public status note and first public photo included) stored on its concern's row,
however many items it holds."""

import json

from django.db import connection
from django.test.utils import CaptureQueriesContext

from openbeat.concerns import actions
from openbeat.core import pagecache
from tests import factories
from tests.concerns import images

URL = "/open311/v2/requests.json?jurisdiction_id=smyrna-pd"


def test_a_page_of_requests_is_one_query_with_notes_and_photos(client, town, monkeypatch):
    officer = town.smyrna_officer
    for n in range(6):
        concern = factories.concern(description=f"Graffiti {n}", photos=[images.png()])
        actions.change_status(concern, "acknowledged", "We have seen it.", acting_user=officer)
        actions.change_status(concern, "resolved", f"Painted over ({n}).", acting_user=officer)
    hidden = actions.change_status(
        concern, "in_progress", "Name and phone of a man", acting_user=officer
    )
    actions.set_hidden(hidden, True, "personal details", acting_user=officer)
    client.get(URL)  # this process reads the page versions and the jurisdiction's id once
    # ...and trusts them for the next request however slowly a loaded machine reaches it (a
    # second later it would read the versions again: one query more, not the page's cost).
    monkeypatch.setattr(pagecache, "VERSION_TTL", 3600.0)
    with CaptureQueriesContext(connection) as queries:
        items = json.loads(client.get(URL + "&page_size=50").content)  # a miss
    assert len(queries) == 1
    assert [i["status_notes"] for i in items] == [
        "Painted over (5).",  # a moderator hid the newer note: the last public one shows
        *(f"Painted over ({n})." for n in range(4, -1, -1)),
    ]
    assert all(i["media_url"].startswith("http://testserver/concerns/photos/") for i in items)
    assert [i["status"] for i in items] == ["open"] + ["closed"] * 5


def test_the_usual_window_answers_what_the_general_query_answers(client, town):
    """A jurisdiction's window (with or without status and updated_after) runs SQL compiled once
    per process; naming every service code goes through the general query. Same items, pages."""
    officer = town.smyrna_officer
    for n in range(5):
        concern = factories.concern(
            category="parking" if n % 2 else "vandalism-graffiti",
            description=f"Concern {n}",
            photos=[images.png()] if n % 3 == 0 else [],
        )
        if n % 2 == 0:
            actions.change_status(concern, "resolved", f"Done ({n}).", acting_user=officer)
    codes = "parking,vandalism-graffiti"
    expected = {"": 5, "&status=open": 2, "&status=closed": 3, "&status=open,closed": 5}
    expected["&updated_after=2000-01-01T00:00:00Z"] = 5
    for extra, total in expected.items():
        found = 0
        for page in (1, 2, 3):
            for fmt in ("json", "xml"):
                url = f"/open311/v2/requests.{fmt}?jurisdiction_id=smyrna-pd{extra}"
                url += f"&page_size=2&page={page}"
                usual = client.get(url).content
                assert usual == client.get(url + f"&service_code={codes}").content
                if fmt == "json":
                    found += len(json.loads(usual))
        assert found == total


def test_one_request_by_id_answers_as_the_window_shows_it(client, town):
    concern = factories.concern(description="A bench is broken", photos=[images.png()])
    item = json.loads(
        client.get(f"/open311/v2/requests/{concern.pk}.json?jurisdiction_id=smyrna-pd").content
    )
    window = json.loads(client.get(URL).content)
    assert item == window[:1]
    assert (
        client.get(
            f"/open311/v2/requests/{concern.pk + 1}.json?jurisdiction_id=smyrna-pd"
        ).status_code
        == 404
    )
