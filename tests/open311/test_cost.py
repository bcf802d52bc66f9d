"""What a page-cache miss of Open311's requests costs: one query for the whole page, each item's
last public status note and first public photo included, however many items it holds."""

import json

from django.db import connection
from django.test.utils import CaptureQueriesContext

from openbeat.concerns import actions
from tests import factories
from tests.concerns import images

URL = "/open311/v2/requests.json?jurisdiction_id=smyrna-pd"


def test_a_page_of_requests_is_one_query_with_notes_and_photos(client, town):
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
    with CaptureQueriesContext(connection) as queries:
        items = json.loads(client.get(URL + "&page_size=50").content)  # a miss
    assert len(queries) == 1
    assert [i["status_notes"] for i in items] == [
        "Painted over (5).",  # a moderator hid the newer note: the last public one shows
        *(f"Painted over ({n})." for n in range(4, -1, -1)),
    ]
    assert all(i["media_url"].startswith("http://testserver/concerns/photos/") for i in items)
    assert [i["status"] for i in items] == ["open"] + ["closed"] * 5
