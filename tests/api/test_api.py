import json
from pathlib import Path

import pytest

from openbeat.concerns.models import Concern, Status
from openbeat.core.apikeys import create_key, verify
from openbeat.core.models import AuditEvent
from tests import factories

SNAPSHOT = Path(__file__).with_name("openapi.json")


@pytest.fixture
def smyrna_key(town):
    return create_key(town.smyrna, "Smyrna dashboard")[1]


@pytest.fixture
def clayton_key(town):
    return create_key(town.clayton, "Clayton app")[1]


def test_openapi_matches_the_committed_snapshot(client, db):
    """A change to the API must be deliberate: regenerate with OPENBEAT_WRITE_SNAPSHOT=1."""
    spec = client.get("/api/v1/openapi.json").json()
    if __import__("os").environ.get("OPENBEAT_WRITE_SNAPSHOT"):
        SNAPSHOT.write_text(json.dumps(spec, indent=2, sort_keys=True) + "\n")
    assert spec == json.loads(SNAPSHOT.read_text()), (
        "API changed: review and regenerate the snapshot"
    )


def test_public_meetings(client, town):
    factories.event(town, title="Shared Coffee", co_hosts=[town.clayton])
    factories.event(town, title="Smyrna Only")
    meetings = client.get("/api/v1/events/", {"agency": "clayton-pd"}).json()
    assert [m["title"] for m in meetings] == ["Shared Coffee"]
    assert meetings[0]["co_hosts"] == ["clayton-pd"] and meetings[0]["host"] == "smyrna-pd"
    assert client.get("/api/v1/events/", {"agency": "nope"}).status_code == 404
    bad = client.get("/api/v1/events/", {"limit": "5000"})
    assert bad.status_code == 400 and "limit" in bad.json()["detail"]


def test_public_concerns_never_carry_the_reporter(client, town):
    concern = factories.concern(name="Secret Name", email="secret@example.org", phone="5550001")
    factories.concern(category="officer-conduct", description="Sensitive complaint")
    listing = client.get("/api/v1/concerns/").content.decode()
    detail = client.get(f"/api/v1/concerns/{concern.pk}").content.decode()
    for body in (listing, detail):
        assert (
            "Secret Name" not in body and "secret@example.org" not in body and "5550001" not in body
        )
        assert "Sensitive complaint" not in body
    assert json.loads(detail)["id"] == concern.pk


def test_reporting_through_the_api(client, town):
    response = client.post(
        "/api/v1/concerns/",
        {
            "category": "noise",
            "description": "Loud party every Friday",
            "latitude": 39.3,
            "longitude": -75.6,
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    concern = Concern.objects.get()
    assert response.json()["tracking_url"] == f"/concerns/track/{concern.tracking_token}/"
    assert concern.source == "api" and concern.agency == town.smyrna


BAD_REPORTS = [
    (
        {"category": "noise", "description": "x", "latitude": "north", "longitude": -75.6},
        400,
        "latitude",
    ),
    (
        {"category": "noise", "description": "x" * 4001, "latitude": 39.3, "longitude": -75.6},
        400,
        "description",
    ),
    ({"description": "x", "latitude": 39.3, "longitude": -75.6}, 400, "category"),
    (
        {"category": "noise", "description": "x", "latitude": 39.3, "longitude": -75.6, "x": 1},
        400,
        "x: Extra inputs are not permitted",
    ),
    (
        {"category": "noise", "description": "x", "latitude": 39.3, "anonymous": "yes"},
        400,
        "anonymous",
    ),
    # Well-formed, but naming what is not there: a place no agency serves, a category,
    # area or venue that does not exist.
    (
        {"category": "noise", "description": "x", "latitude": 40.71, "longitude": -74.0},
        404,
        "outside the areas",
    ),
    (
        {"category": "snow", "description": "x", "latitude": 39.3, "longitude": -75.6},
        404,
        "category: Choose a category from the list",
    ),
    (
        {"category": "noise", "description": "x", "location_text": "Park", "area": 99999},
        404,
        "area: Choose the neighborhood",
    ),
    ({"category": "noise", "description": "x", "venue": 99999}, 404, "venue: Choose a place"),
]


def test_bad_api_reports_say_what_to_fix(client, town):
    wrong = []
    for payload, status, message in BAD_REPORTS:
        response = client.post("/api/v1/concerns/", payload, content_type="application/json")
        if response.status_code != status or message not in response.json()["detail"]:
            wrong.append((payload, response.status_code, response.json()["detail"]))
    assert wrong == []
    assert not Concern.objects.exists()


def test_staff_api_needs_a_key_and_sees_only_its_agency(client, town, smyrna_key, clayton_key):
    concern = factories.concern(email="private@example.org")
    url = f"/api/v1/staff/concerns/{concern.pk}"
    assert client.get(url).status_code == 401
    assert client.get(url, HTTP_X_API_KEY="ob_nonsense_key").status_code == 401
    own = client.get(url, HTTP_X_API_KEY=smyrna_key)
    assert own.status_code == 200 and own.json()["reporter_email"] == "private@example.org"
    other = client.get(url, HTTP_X_API_KEY=clayton_key)
    assert other.status_code == 404
    assert client.get("/api/v1/staff/concerns/", HTTP_X_API_KEY=clayton_key).json() == []


def test_clayton_officer_gets_404_on_smyrna_concern_in_the_api(client, town):
    concern = factories.concern()
    client.force_login(town.clayton_officer)
    assert client.get(f"/api/v1/staff/concerns/{concern.pk}").status_code == 404
    client.force_login(town.smyrna_officer)
    assert client.get(f"/api/v1/staff/concerns/{concern.pk}").status_code == 200


def test_status_change_by_key_is_audited_and_other_agency_cannot(
    client, town, smyrna_key, clayton_key
):
    concern = factories.concern()
    url = f"/api/v1/staff/concerns/{concern.pk}/status"
    body = {"status": "in_progress", "note": "On it"}
    assert (
        client.post(
            url, body, content_type="application/json", HTTP_X_API_KEY=clayton_key
        ).status_code
        == 404
    )
    response = client.post(url, body, content_type="application/json", HTTP_X_API_KEY=smyrna_key)
    assert response.status_code == 200 and response.json()["status"] == "in_progress"
    entry = AuditEvent.objects.get(action="concern.status")
    assert entry.api_key.name == "Smyrna dashboard" and entry.actor is None
    bad = client.post(
        url, {"status": "vanished"}, content_type="application/json", HTTP_X_API_KEY=smyrna_key
    )
    assert bad.status_code == 400 and "status" in bad.json()["detail"]
    concern.refresh_from_db()
    assert concern.status == Status.IN_PROGRESS


def test_staff_session_writes_need_csrf(town):
    from django.test import Client

    concern = factories.concern()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(town.smyrna_officer)
    response = strict.post(
        f"/api/v1/staff/concerns/{concern.pk}/status",
        {"status": "resolved"},
        content_type="application/json",
    )
    assert response.status_code in (401, 403)
    concern.refresh_from_db()
    assert concern.status == Status.SUBMITTED


def test_revoked_keys_stop_working(town):
    key, raw = create_key(town.smyrna, "Old app")
    assert verify(raw) == key
    key.revoked = True
    key.save()
    assert verify(raw) is None


def test_apikey_command_prints_the_key_last(town, capsys):
    from openbeat.cli import main

    main(["apikey", "create", "--agency", "smyrna-pd", "City dashboard"])
    key = verify(capsys.readouterr().out.strip().splitlines()[-1])
    assert (key.name, key.agency) == ("City dashboard", town.smyrna)
    with pytest.raises(SystemExit, match="No agency 'nowhere'"):
        main(["apikey", "create", "--agency", "nowhere", "X"])
