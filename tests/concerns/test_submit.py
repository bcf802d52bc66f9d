import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from openbeat.concerns.models import Concern, Photo, Source
from tests import factories
from tests.concerns import images


def _form(**overrides):
    data = {
        "category": "vandalism-graffiti",
        "description": "Graffiti on the park restrooms",
        "latitude": factories.SMYRNA_POINT[0],
        "longitude": factories.SMYRNA_POINT[1],
        "nonce": "",
        "website": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_report_with_a_pin_goes_to_the_agency_whose_area_holds_it(client, town):
    response = client.post("/concerns/new/", _form(name="Rita Reporter", email="rita@example.org"))
    assert response.status_code == 302
    concern = Concern.objects.get()
    assert response.url == f"/concerns/track/{concern.tracking_token}/"
    assert (concern.agency, concern.area.slug, concern.category.agency) == (
        town.smyrna,
        "smyrna",
        town.smyrna,
    )
    assert "Received. Thank you." in client.get(response.url).content.decode()


def test_a_pin_in_the_neighbouring_town_is_routed_to_its_police(client, town):
    client.post(
        "/concerns/new/",
        _form(latitude=factories.CLAYTON_POINT[0], longitude=factories.CLAYTON_POINT[1]),
    )
    concern = Concern.objects.get()
    assert concern.agency == town.clayton and concern.category.agency == town.clayton


def test_report_without_a_map_by_typed_place_and_neighbourhood(client, town):
    area = town.clayton.areas.get()
    client.post(
        "/concerns/new/",
        _form(latitude="", longitude="", location_text="Behind the library", area=str(area.pk)),
    )
    concern = Concern.objects.get()
    assert (concern.agency, concern.location_text, concern.latitude) == (
        town.clayton,
        "Behind the library",
        None,
    )


def test_report_near_a_venue(client, town):
    client.post("/concerns/new/", _form(latitude="", longitude="", venue=str(town.hall.pk)))
    concern = Concern.objects.get()
    assert concern.venue == town.hall and float(concern.latitude) == pytest.approx(39.2995)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"latitude": "", "longitude": ""}, "Tell us where"),
        ({"latitude": "north", "longitude": "-75.6"}, "must be numbers"),
        ({"latitude": "95", "longitude": "-75.6"}, "off the map"),
        ({"latitude": "nan", "longitude": "-75.6"}, "off the map"),
        ({"latitude": "40.7128", "longitude": "-74.0060"}, "outside the areas served"),
        ({"latitude": "", "longitude": "", "location_text": "Main St"}, "Choose the neighborhood"),
        ({"category": "bribery"}, "Choose a category"),
        ({"category": ""}, "Choose what the problem is about"),
        ({"description": "   "}, "describe the problem"),
        ({"description": "x" * 5000}, "shorten the description"),
        ({"description": "x" * 10_000_000}, "too large"),
        ({"description": "Look <script>alert(1)</script>"}, "plain text only"),
        # Valid to Django's validator (up to 320), longer than the column: PostgreSQL's 500.
        ({"email": "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".com"}, "at most 254 characters"),
    ],
)
def test_bad_reports_say_what_to_fix_and_store_nothing(client, town, overrides, message):
    response = client.post("/concerns/new/", _form(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Concern.objects.exists()


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (lambda: [images.html_as_jpeg()], "not a photo we can read"),
        (lambda: [images.decompression_bomb()], "too large in pixels"),
        (lambda: [images.png(f"p{i}.png") for i in range(20)], "up to 3 photos"),
        (
            lambda: [SimpleUploadedFile("big.jpg", b"\xff" * (10 * 1024 * 1024 + 1))],
            "larger than 10 MB",
        ),
    ],
)
def test_bad_photos_refuse_the_whole_report(client, town, files, message):
    response = client.post("/concerns/new/", {**_form(), "photos": files()})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Concern.objects.exists() and not Photo.objects.exists()


def test_photo_comes_out_without_exif_or_gps(client, town):
    upload = images.jpeg_with_gps()
    assert b"PhoneMaker" in upload.read()
    upload.seek(0)
    client.post("/concerns/new/", {**_form(), "photos": [upload]})
    photo = Photo.objects.get()
    response = client.get(photo.get_absolute_url())
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    body = b"".join(response.streaming_content)
    assert b"PhoneMaker" not in body and b"Exif" not in body
    with Image.open(photo.image.path) as stored:
        assert stored.format == "JPEG" and not stored.getexif()


def test_double_submit_makes_one_concern(client, town):
    first = client.post("/concerns/new/", _form(nonce="same-form"))
    second = client.post("/concerns/new/", _form(nonce="same-form"))
    assert first.url == second.url
    assert Concern.objects.count() == 1


def test_honeypot_answers_politely_and_stores_nothing(client, town):
    response = client.post("/concerns/new/", _form(website="http://spam.example"))
    assert response.status_code == 200
    assert not Concern.objects.exists()


def test_rate_limit_answers_429_with_retry_after(client, town):
    for i in range(10):
        form = _form(description=f"Problem number {i}", latitude=f"39.30{i}", confirm_new="1")
        assert client.post("/concerns/new/", form).status_code == 302
    response = client.post("/concerns/new/", _form(description="One too many"))
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "try again in" in response.content.decode()
    assert Concern.objects.count() == 10
    other = client.post(
        "/concerns/new/",
        _form(description="From a neighbour", confirm_new="1"),
        REMOTE_ADDR="10.9.9.9",
    )
    assert other.status_code == 302


def test_meeting_intake_logs_privately_against_the_meeting(client, town):
    occurrence = factories.event(town).occurrences.get()
    client.force_login(town.smyrna_officer)
    response = client.post(
        f"/staff/meetings/{occurrence.pk}/intake/",
        {
            "category": "speeding-traffic",
            "description": "Speeding on Main St at school time",
            "name": "Mr Marker",
            "email": "marker@example.org",
        },
    )
    assert response.status_code == 302
    concern = Concern.objects.get()
    assert (concern.source, concern.raised_at, concern.venue) == (
        Source.MEETING,
        occurrence,
        town.hall,
    )
    assert concern.reporter_email == "marker@example.org"
    assert "Mr Marker" not in client.get(concern.get_absolute_url()).content.decode()


def test_meeting_intake_of_another_agencys_meeting_is_404(client, town):
    occurrence = factories.event(town).occurrences.get()
    client.force_login(town.clayton_officer)
    assert client.get(f"/staff/meetings/{occurrence.pk}/intake/").status_code == 404


def test_anonymous_reporter_name_is_not_kept(client, town):
    client.post(
        "/concerns/new/", _form(name="Hidden Person", email="h@example.org", anonymous="on")
    )
    concern = Concern.objects.get()
    assert (concern.is_anonymous, concern.reporter_name, concern.reporter_email) == (
        True,
        "",
        "h@example.org",
    )


def test_a_category_question_is_asked_on_the_web_form(client, town):
    from openbeat.concerns.models import CategoryQuestion

    graffiti = town.smyrna.categories.get(slug="vandalism-graffiti")
    CategoryQuestion.objects.create(
        category=graffiti,
        code="surface",
        question="What is painted?",
        datatype="singlevaluelist",
        required=True,
        choices=[{"key": "wall", "name": "A wall"}, {"key": "car", "name": "A car"}],
    )
    first = client.post("/concerns/new/", _form(confirm_new="1"))
    page = first.content.decode()
    assert first.status_code == 400
    assert "What is painted?" in page and "Please answer: What is painted?" in page
    # Once in the summary at the top, linked to the question, and once beside it.
    assert page.count("Please answer: What is painted?") == 2
    assert '<a href="#id_attribute[surface]">Please answer: What is painted?</a>' in page
    assert (
        client.post(
            "/concerns/new/", _form(confirm_new="1", **{"attribute[surface]": "car"})
        ).status_code
        == 302
    )
    assert Concern.objects.get().attributes == {"surface": "car"}


def test_each_mistake_is_said_at_the_top_and_once_beside_its_field(client, town):
    page = client.post(
        "/concerns/new/", _form(description="", email="not-an-email")
    ).content.decode()
    summary, form = page.split('<div class="error-summary"')[1].split("</div>", 1)
    assert "There are 2 problems" in summary
    assert '<a href="#id_description">Please describe the problem in a few words.</a>' in summary
    assert (
        '<a href="#id_email">Please enter an email address such as name@example.com.</a>' in summary
    )
    assert form.count("Please describe the problem in a few words.") == 1
    assert form.count("Please enter an email address such as name@example.com.") == 1
    assert "This field is required." not in page
    missing_place = client.post("/concerns/new/", _form(latitude="", longitude="")).content.decode()
    assert '<fieldset class="has-error">' in missing_place
    assert '<a href="#id_location_text">' in missing_place


def test_an_empty_report_lists_every_missing_part(client, town):
    page = client.post("/concerns/new/", {"nonce": ""}).content.decode()
    for message in (
        "Choose what the problem is about.",
        "Please describe the problem",
        "Tell us where",
    ):
        assert message in page
