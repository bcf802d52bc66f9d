import secrets

from django.db import connection
from django.test.utils import CaptureQueriesContext

from openbeat.concerns import actions
from openbeat.concerns.models import Concern, Status
from openbeat.core import brand
from tests import factories
from tests.pins import pins_of


def _public_outputs(client, town):
    """Every public page, feed and data answer that could carry a concern."""
    urls = [
        "/",
        "/concerns/",
        "/concerns/?status=open",
        "/events/",
        "/events.ics",
        "/agencies/smyrna-pd/",
        "/agencies/clayton-pd/",
        "/concerns/pins.json?bbox=-76,39,-75,40",
    ]
    for area in (town.smyrna.areas.get(), town.clayton.areas.get()):
        urls += [f"/concerns/?area={area.pk}", f"/concerns/areas/{area.pk}/feed.atom"]
    urls += [c.get_absolute_url() for c in Concern.objects.all()]
    for url in urls:
        response = client.get(url)
        yield url, response.status_code, response.content.decode()


def test_reporter_identity_never_appears_in_public_outputs(client, town, mailbox):
    marker = secrets.token_hex(6)
    name, email, phone = f"Name{marker}", f"mail{marker}@example.org", f"555{marker[:7]}"
    client.post(
        "/concerns/new/",
        {
            "category": "noise",
            "description": "Loud music every night",
            "confirm_new": "1",
            "latitude": "39.301",
            "longitude": "-75.601",
            "name": name,
            "email": email,
            "phone": phone,
            "anonymous": "on",
        },
    )
    occurrence = factories.event(town).occurrences.get()
    staff = client
    staff.force_login(town.smyrna_officer)
    staff.post(
        f"/staff/meetings/{occurrence.pk}/intake/",
        {
            "category": "parking",
            "description": "Parking on the sidewalk",
            "name": name + "2",
            "email": "2" + email,
            "phone": phone,
        },
    )
    staff.logout()
    concern = Concern.objects.get(category__slug="noise")
    factories.supporter(concern, f"supporter{marker}@example.org")
    actions.change_status(
        concern, Status.IN_PROGRESS, "We are on it.", acting_user=town.smyrna_officer
    )
    scanned = 0
    for url, status, body in _public_outputs(client, town):
        assert status == 200, url
        for secret in (name, email, phone, marker):
            assert secret not in body, f"{secret} leaked in {url}"
        scanned += 1
    assert scanned >= 14
    # The markers are really stored and shown where they belong: the staff page.
    client.force_login(town.smyrna_officer)
    assert email in client.get(f"/staff/concerns/{concern.pk}/").content.decode()
    # The redacted export for a public-records request names no reporter or supporter either.
    client.force_login(town.smyrna_coordinator)
    export = client.get("/staff/records/smyrna-pd/concerns.csv").content.decode()
    assert "Loud music every night" in export and "Parking on the sidewalk" in export
    for secret in (name, email, phone, f"supporter{marker}"):
        assert secret not in export, f"{secret} leaked in the records export"
    client.logout()
    # What other people are emailed about the concern never names the reporter either.
    for message in mailbox.to(f"supporter{marker}@example.org"):
        text = message.as_string()
        assert name not in text and email not in text and phone not in text


def test_sensitive_concerns_are_never_public(client, town):
    complaint = factories.concern(
        category="officer-conduct", description=f"Officer was rude {secrets.token_hex(4)}"
    )
    assert client.get(complaint.get_absolute_url()).status_code == 404
    for url, _status, body in _public_outputs(client, town):
        assert complaint.description not in body, url
    # The reporter still follows it privately.
    page = client.get(f"/concerns/track/{complaint.tracking_token}/").content.decode()
    assert "private" in page


def test_people_concerns_show_a_rounded_location(client, town):
    exact = factories.concern(category="vandalism-graffiti", point=("39.301234", "-75.601234"))
    people = factories.concern(category="drug-activity", point=("39.305678", "-75.605678"))
    answer = client.get("/concerns/pins.json?bbox=-76,39,-75,40").json()
    pins = {p["id"]: p for p in pins_of(answer)}
    assert (pins[exact.pk]["lat"], pins[exact.pk]["lon"]) == (39.30123, -75.60123)
    assert (pins[people.pk]["lat"], pins[people.pk]["lon"]) == (39.306, -75.606)
    assert "39.305678" not in client.get(people.get_absolute_url()).content.decode()


def test_people_concerns_show_their_address_to_the_block_everywhere(client, town):
    """A typed address would undo the rounded pin: about-people concerns show the block only."""
    people = factories.concern(category="drug-activity", location_text="1234 Main St, Apt 5")
    street = factories.concern(category="vandalism-graffiti", location_text="1234 Main St")
    outputs = {
        "page": client.get(people.get_absolute_url()).content.decode(),
        "api": client.get(f"/api/v1/concerns/{people.pk}").json()["location_text"],
        "open311": client.get(
            f"/open311/v2/requests/{people.pk}.json", {"jurisdiction_id": "smyrna-pd"}
        ).json()[0]["address"],
        "csv": client.get("/data/concerns.csv").getvalue().decode(),
    }
    for name, body in outputs.items():
        assert "12XX Main St" in body, name
        assert "1234 Main St, Apt" not in body and "Apt 5" not in body, name
    assert "1234 Main St" in client.get(street.get_absolute_url()).content.decode()
    assert "1234 Main St" not in outputs["page"]


def test_pins_need_a_box_and_page_through_it(client, town):
    assert client.get("/concerns/pins.json").status_code == 400
    assert client.get("/concerns/pins.json?bbox=1,2,3").status_code == 400
    assert client.get("/concerns/pins.json?bbox=-75,40,-76,39").status_code == 400
    factories.concern(point=factories.CLAYTON_POINT)
    inside = client.get("/concerns/pins.json?bbox=-75.62,39.29,-75.59,39.31").json()
    assert inside["pins"] == [] and inside["next_page"] is None


def test_list_and_pins_query_counts_do_not_grow(client, town):
    factories.concern()

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    urls = ["/concerns/", "/concerns/pins.json?bbox=-76,39,-75,40", "/concerns/areas/1/feed.atom"]
    area = town.smyrna.areas.get()
    urls[2] = f"/concerns/areas/{area.pk}/feed.atom"
    brand.site_agency()  # a serving process has read the site's agency (kept for a minute)
    before = [count(url) for url in urls]
    for i in range(15):
        factories.concern(description=f"Problem {i}", point=(f"39.3{i:02d}", "-75.600000"))
    assert [count(url) for url in urls] == before


def test_atom_feed_lists_public_concerns_of_the_area(client, town):
    factories.concern(description="Graffiti by the school")
    factories.concern(
        description="Clayton parking", category="parking", point=factories.CLAYTON_POINT
    )
    area = town.smyrna.areas.get()
    response = client.get(f"/concerns/areas/{area.pk}/feed.atom")
    assert response["Content-Type"].startswith("application/atom+xml")
    body = response.content.decode()
    assert "Graffiti by the school" in body and "Clayton parking" not in body


def test_list_filters_explain_bad_values(client, town):
    assert client.get("/concerns/?status=maybe").status_code == 400
    assert client.get("/concerns/?category=nope").status_code == 400
    assert client.get("/concerns/?area=abc").status_code == 400
    assert client.get("/concerns/?category=officer-conduct").status_code == 400


def test_tracking_link_must_be_whole(client, town):
    concern = factories.concern()
    assert client.get(f"/concerns/track/{concern.tracking_token[:-2]}/").status_code == 404


def test_report_form_in_spanish_with_911_notice(client, town):
    page = client.get("/concerns/new/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<html lang="es">' in page and "911" in page


def test_default_category_names_read_in_spanish(client, town):
    concern = factories.concern(category="noise")
    page = client.get(concern.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Ruido" in page
    assert (
        "Noise"
        in client.get(concern.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
