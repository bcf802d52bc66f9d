"""Open311 GeoReport v2, driven by a third-party client library (georeport) over a live server,
in JSON and XML, plus the raw error bodies and the POST variants apps send."""

import json
import xml.etree.ElementTree as ET

import pytest
import requests
from georeport import GeoReport

from openbeat.concerns import actions
from openbeat.concerns.models import CategoryQuestion, Concern, Photo, Status
from openbeat.core.apikeys import create_key
from tests import factories
from tests.concerns import images

FORMATS = ["json", "xml"]


@pytest.fixture
def key(town):
    return create_key(town.smyrna, "City 311 app")[1]


@pytest.fixture
def base(live_server):
    return live_server.url + "/open311/v2"


def _client(base, fmt, key=None):
    return GeoReport(base, jurisdiction="smyrna-pd", api_key=key, output_format=fmt)


def _errors(response, fmt):
    if fmt == "json":
        return response.json()
    root = ET.fromstring(response.content)
    assert root.tag == "errors"
    return [
        {"code": int(e.findtext("code")), "description": e.findtext("description")} for e in root
    ]


def _post(base, fmt, data, files=None):
    return requests.post(f"{base}/requests.{fmt}", data=data, files=files, timeout=10)


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_and_definitions(base, town, fmt):
    graffiti = town.smyrna.categories.get(slug="vandalism-graffiti")
    CategoryQuestion.objects.create(
        category=graffiti,
        code="surface",
        question="What is painted?",
        datatype="singlevaluelist",
        required=True,
        order=1,
        choices=[{"key": "wall", "name": "A wall"}, {"key": "car", "name": "A car"}],
    )
    client = _client(base, fmt)
    services = client.get_service_list()
    by_code = {s["service_code"]: s for s in services}
    assert by_code["officer-conduct"]["type"] == "blackbox"
    assert by_code["noise"]["type"] == "realtime"
    assert str(by_code["vandalism-graffiti"]["metadata"]).lower() == "true"
    definition = client.get_service_definition("vandalism-graffiti")
    attribute = (
        definition["attributes"][0] if fmt == "json" else definition["attributes"]["attribute"]
    )
    assert attribute["code"] == "surface" and str(attribute["required"]).lower() == "true"


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_then_query_round_trip(base, town, key, fmt):
    response = _post(
        base,
        fmt,
        {
            "api_key": key,
            "jurisdiction_id": "smyrna-pd",
            "service_code": "noise",
            "lat": "39.3001",
            "long": "-75.6001",
            "description": "Loud music at night",
            "first_name": "Marker",
            "last_name": "Person",
            "email": "marker@example.org",
            "phone": "5550199",
            "device_id": "device-marker",
        },
    )
    assert response.status_code == 201
    if fmt == "json":
        request_id = response.json()[0]["service_request_id"]
    else:
        assert response.content.startswith(
            b'<?xml version="1.0" encoding="utf-8"?><service_requests>'
        )
        request_id = ET.fromstring(response.content).find("request/service_request_id").text
    concern = Concern.objects.get(pk=request_id)
    assert (concern.source, concern.reporter_name) == ("open311", "Marker Person")
    actions.change_status(
        concern, Status.RESOLVED, "Spoke to the neighbours.", acting_user=town.smyrna_officer
    )
    client = _client(base, fmt)
    item = client.get_service_request(request_id)
    assert item["status"] == "closed" and item["status_notes"] == "Spoke to the neighbours."
    assert (
        item["service_code"] == "noise" and item["agency_responsible"] == "Smyrna Police Department"
    )
    listing = client.get_service_requests(status="closed")
    listing = listing if isinstance(listing, list) else [listing]
    assert [i["service_request_id"] for i in listing] == [request_id]
    raw = requests.get(
        f"{base}/requests.{fmt}", params={"jurisdiction_id": "smyrna-pd"}, timeout=10
    ).text
    for secret in ("Marker", "marker@example.org", "5550199", "device-marker"):
        assert secret not in raw


@pytest.mark.parametrize("fmt", FORMATS)
def test_api_key_in_query_string_and_attributes(base, town, key, fmt):
    graffiti = town.smyrna.categories.get(slug="vandalism-graffiti")
    CategoryQuestion.objects.create(
        category=graffiti,
        code="surface",
        question="What is painted?",
        datatype="multivaluelist",
        required=True,
        choices=[{"key": "wall", "name": "Wall"}, {"key": "car", "name": "Car"}],
    )
    url = f"{base}/requests.{fmt}?api_key={key}&jurisdiction_id=smyrna-pd"
    missing = requests.post(
        url,
        data={
            "service_code": "vandalism-graffiti",
            "lat": "39.3",
            "long": "-75.6",
            "description": "Tags",
        },
        timeout=10,
    )
    assert (
        missing.status_code == 400 and "What is painted?" in _errors(missing, fmt)[0]["description"]
    )
    ok = requests.post(
        url,
        data={
            "service_code": "vandalism-graffiti",
            "lat": "39.3",
            "long": "-75.6",
            "description": "Tags",
            "attribute[surface][]": ["wall", "car"],
        },
        timeout=10,
    )
    assert ok.status_code == 201
    assert Concern.objects.get().attributes == {"surface": ["wall", "car"]}


def test_blackbox_service_returns_a_token_not_an_id(base, town, key):
    response = _post(
        base,
        "json",
        {
            "api_key": key,
            "jurisdiction_id": "smyrna-pd",
            "service_code": "officer-conduct",
            "address_string": "Main St",
            "description": "Rude officer",
        },
    )
    (item,) = response.json()
    assert "service_request_id" not in item and item["token"]
    follow = requests.get(
        f"{base}/tokens/{item['token']}.json?jurisdiction_id=smyrna-pd", timeout=10
    ).json()
    assert follow == [{"token": item["token"]}]
    assert (
        "Rude officer"
        not in requests.get(f"{base}/requests.json?jurisdiction_id=smyrna-pd", timeout=10).text
    )


def test_multipart_media_is_re_encoded_without_gps(base, town, key):
    upload = images.jpeg_with_gps()
    response = _post(
        base,
        "json",
        {
            "api_key": key,
            "jurisdiction_id": "smyrna-pd",
            "service_code": "noise",
            "lat": "39.3",
            "long": "-75.6",
            "description": "See photo",
        },
        files={"media": ("p.jpg", upload.read(), "image/jpeg")},
    )
    assert response.status_code == 201
    item = requests.get(
        f"{base}/requests/{response.json()[0]['service_request_id']}.json?jurisdiction_id=smyrna-pd",
        timeout=10,
    ).json()[0]
    photo = requests.get(
        item["media_url"].replace("http://testserver", base.rsplit("/open311", 1)[0]), timeout=10
    )
    assert photo.headers["Content-Type"] == "image/jpeg"
    assert b"PhoneMaker" not in photo.content and b"Exif" not in photo.content
    assert Photo.objects.count() == 1


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("method", "path", "data", "status", "words"),
    [
        ("get", "services", {}, 400, "jurisdiction_id was not provided"),
        ("get", "services", {"jurisdiction_id": "atlantis"}, 404, "was not found"),
        ("get", "services/no-such", {"jurisdiction_id": "smyrna-pd"}, 404, "service_code no-such"),
        ("get", "requests/999999", {"jurisdiction_id": "smyrna-pd"}, 404, "999999"),
        ("get", "tokens/nope", {"jurisdiction_id": "smyrna-pd"}, 404, "token"),
        (
            "get",
            "requests",
            {
                "jurisdiction_id": "smyrna-pd",
                "start_date": "2020-01-01T00:00:00Z",
                "end_date": "2021-01-01T00:00:00Z",
            },
            400,
            "90 days",
        ),
        (
            "get",
            "requests",
            {"jurisdiction_id": "smyrna-pd", "start_date": "last tuesday"},
            400,
            "W3C",
        ),
        ("get", "requests", {"jurisdiction_id": "smyrna-pd", "status": "pending"}, 400, "status"),
        ("get", "requests", {"jurisdiction_id": "smyrna-pd", "bbox": "1,2,3"}, 400, "bbox"),
        (
            "post",
            "requests",
            {"service_code": "noise", "lat": "39.3", "long": "-75.6"},
            403,
            "api_key",
        ),
        ("post", "requests", {"api_key": "ob_bad_key", "service_code": "noise"}, 403, "not valid"),
        (
            "post",
            "requests",
            {"api_key": "KEY", "lat": "39.3", "long": "-75.6"},
            400,
            "service_code",
        ),
        (
            "post",
            "requests",
            {"api_key": "KEY", "service_code": "nope", "lat": "39.3", "long": "-75.6"},
            404,
            "nope",
        ),
        (
            "post",
            "requests",
            {"api_key": "KEY", "service_code": "noise", "description": "x"},
            400,
            "location",
        ),
        (
            "post",
            "requests",
            {
                "api_key": "KEY",
                "service_code": "noise",
                "lat": "40.7",
                "long": "-74.0",
                "description": "x",
            },
            404,
            "outside",
        ),
        (
            "post",
            "requests",
            {
                "api_key": "KEY",
                "service_code": "noise",
                "lat": "39.3",
                "long": "-75.6",
                "description": "x" * 4001,
            },
            400,
            "description",
        ),
    ],
)
def test_errors_use_the_spec_body_and_codes(
    base, town, key, fmt, method, path, data, status, words
):
    data = {k: (key if v == "KEY" else v) for k, v in data.items()}
    if method == "get":
        response = requests.get(f"{base}/{path}.{fmt}", params=data, timeout=10)
    else:
        response = requests.post(
            f"{base}/{path}.{fmt}", data={"jurisdiction_id": "smyrna-pd", **data}, timeout=10
        )
    assert response.status_code == status
    (error,) = _errors(response, fmt)
    assert error["code"] == status and words in error["description"]
    assert not Concern.objects.exists()


def test_empty_parameter_means_absent(base, town, key):
    factories.concern()
    with_empty = requests.get(
        f"{base}/requests.json",
        params={"jurisdiction_id": "smyrna-pd", "status": "", "service_code": ""},
        timeout=10,
    ).json()
    assert len(with_empty) == 1


def test_discovery_and_cors(base, db):
    response = requests.get(f"{base}/discovery.json", timeout=10)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    endpoint = response.json()["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert "application/json" in endpoint["formats"]
    xml = requests.get(f"{base}/discovery.xml", timeout=10)
    assert xml.headers["Content-Type"].startswith("text/xml")
    assert ET.fromstring(xml.content).tag == "discovery"


def test_rounded_location_and_bbox_extension(base, town):
    people = factories.concern(category="drug-activity", point=("39.305678", "-75.605678"))
    factories.concern(point=factories.CLAYTON_POINT)
    items = requests.get(
        f"{base}/requests.json",
        params={"jurisdiction_id": "smyrna-pd", "bbox": "-75.62,39.29,-75.59,39.31"},
        timeout=10,
    ).json()
    assert [i["service_request_id"] for i in items] == [str(people.pk)]
    assert (items[0]["lat"], items[0]["long"]) == (39.306, -75.606)
    near = requests.get(
        f"{base}/requests.json",
        params={
            "jurisdiction_id": "smyrna-pd",
            "lat": "39.3057",
            "long": "-75.6057",
            "radius": "50",
        },
        timeout=10,
    ).json()
    assert len(near) == 1
    paged = requests.get(
        f"{base}/requests.json",
        params={"jurisdiction_id": "smyrna-pd", "page_size": "1", "page": "2"},
        timeout=10,
    ).json()
    assert paged == []


def test_json_is_utf8(base, town):
    factories.concern(description="Ruido en la calle: música muy alta")
    response = requests.get(f"{base}/requests.json?jurisdiction_id=smyrna-pd", timeout=10)
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert "música" in json.loads(response.content.decode("utf-8"))[0]["description"]
