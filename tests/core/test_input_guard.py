"""A character stored text may not hold (NUL, the other controls, lone surrogates) anywhere a
person can put text is a 400 that says what to fix, on every channel and both databases, and
nothing is stored (PostgreSQL answered 500 for a NUL; a vertical tab broke the public feeds).
So is a JSON body nested deeper than any of ours (it overflowed the parser: a 500).

tests/security/test_hostile_input.py runs every character through every POST path and every
writer; these are the readable examples."""

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
    assert "Remove the invisible control character U+0000 from description" in page.content.decode()
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
    assert "Remove the invisible control character U+0000" in response.content.decode()


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


def test_a_vertical_tab_from_a_word_processor_is_refused_naming_the_field(client, town):
    page = client.post("/concerns/new/", _report(description="Line one\x0bline two"))
    assert page.status_code == 400
    assert "control character U+000B from description" in page.content.decode()
    assert Concern.objects.count() == 0


def test_a_lone_surrogate_in_json_is_refused(client, town):
    body = (
        '{"category": "noise", "description": "Loud \\ud800", "latitude": 39.3, "longitude": -75.6}'
    )
    response = client.post("/api/v1/concerns/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "description"
    assert "U+D800" in response.json()["detail"]


def test_deeply_nested_json_is_a_400_on_any_path(client, town):
    for body in ("[" * 50000, "[" * 40 + "]" * 40, '{"a":' * 33 + "1" + "}" * 33):
        for url in ("/api/v1/concerns/", "/concerns/new/", "/open311/v2/requests.xml"):
            response = client.post(url, body, content_type="application/json")
            assert response.status_code == 400, (url, body[:10])
            assert "nested more than 32 levels deep" in response.content.decode()
    # A body within the limit reaches the view, which says what it wants instead.
    fine = client.post("/api/v1/concerns/", "[" * 31 + "]" * 31, content_type="application/json")
    assert fine.status_code == 400 and "nested" not in fine.content.decode()
