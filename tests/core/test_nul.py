"""A NUL character (0x00) anywhere a person can put text is a 400 that says what to fix, on every
channel and both databases, and nothing is stored (PostgreSQL used to answer 500)."""

import pytest

from openbeat.concerns.models import Concern
from tests import factories


def _report(**overrides):
    return {
        "category": "vandalism-graffiti",
        "description": "Graffiti on the park restrooms",
        "latitude": factories.SMYRNA_POINT[0],
        "longitude": factories.SMYRNA_POINT[1],
        "nonce": "",
        "website": "",
        **overrides,
    }


def test_web_report_with_a_nul_is_refused_and_nothing_is_stored(client, town):
    page = client.post("/concerns/new/", _report(description="Graffiti\x00 again"))
    assert page.status_code == 400
    assert "Remove the NUL character (0x00) from description" in page.content.decode()
    assert Concern.objects.count() == 0
    # The same form without it is accepted: the refusal was about the character only.
    assert client.post("/concerns/new/", _report()).status_code == 302


@pytest.mark.parametrize(
    ("url", "content_type"),
    [
        ("/concerns/?category=noise%00", "text/html"),
        ("/api/v1/concerns/?category=noise%00", "application/json"),
        ("/open311/v2/requests.xml?jurisdiction_id=smyrna-pd%00", "text/xml"),
    ],
)
def test_a_nul_in_a_query_is_answered_in_the_callers_format(client, town, url, content_type):
    response = client.get(url)
    assert response.status_code == 400
    assert response["Content-Type"].startswith(content_type)
    assert "Remove the NUL character" in response.content.decode()


def test_api_json_body_with_a_nul_names_the_field(client, town):
    response = client.post(
        "/api/v1/concerns/",
        {"category": "noise", "description": "Loud\x00", "latitude": 39.3, "longitude": -75.6},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "description", "message": response.json()["detail"]}
    ]
    assert Concern.objects.count() == 0
