"""A beat's public page: the officers who agreed to be shown, its meetings, its open public
concerns and problems, and news of it by email."""

import io
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from openbeat.concerns.models import Category
from openbeat.core.models import Area, Role, StaffRole
from openbeat.problems.models import Problem
from tests import factories


def _officer(town, username, first, last, *, public=True, areas=("smyrna",)):
    user = factories.user(username, town.smyrna, Role.OFFICER, title="Cpl.")
    user.first_name, user.last_name = first, last
    user.save()
    role = user.staff_roles.get()
    role.unit = "Community Policing Unit"
    role.is_public_profile = public
    role.save()
    role.areas.set(Area.objects.filter(agency=town.smyrna, slug__in=areas))
    return role


def test_a_beat_page_introduces_only_the_officers_who_agreed(client, town):
    shown = _officer(town, "a.shown", "Ana", "Shown")
    _officer(town, "h.hidden", "Hal", "Hidden", public=False)
    event = factories.event(town, title="Community Awareness Meeting")
    event.officers.add(shown)
    page = client.get("/agencies/smyrna-pd/areas/smyrna/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Cpl. Ana Shown" in html and "Community Policing Unit" in html
    assert "Hidden" not in html
    assert html.count("Community Awareness Meeting") >= 2  # her meetings, and the area's
    assert "/subscribe/?agency=smyrna-pd&amp;area=" in html
    # Another agency's area never lists Smyrna's officers.
    assert "Ana Shown" not in client.get("/agencies/clayton-pd/areas/clayton/").content.decode()
    assert client.get("/agencies/clayton-pd/areas/smyrna/").status_code == 404


def test_open_public_concerns_and_problems_show_without_their_reporter(client, town):
    open_one = factories.concern(
        description="Broken streetlight on Main", name="Rita Reporter", email="rita@example.org"
    )
    sensitive = Category.objects.filter(agency=town.smyrna, is_sensitive=True).first()
    if sensitive is not None:
        hidden = factories.concern(description="About an officer")
        hidden.category = sensitive
        hidden.save()
    private = factories.concern(description="Private matter")
    private.is_private = True
    private.save()
    Problem.objects.create(
        agency=town.smyrna,
        title="Speeding on Glenwood Avenue",
        summary="Cars speed past the school.",
        area=Area.objects.get(slug="smyrna"),
    )
    html = client.get("/agencies/smyrna-pd/areas/smyrna/").content.decode()
    assert f"#{open_one.pk} " in html
    assert "Rita" not in html and "rita@example.org" not in html
    assert f"#{private.pk} " not in html
    if sensitive is not None:
        assert f"#{hidden.pk} " not in html
    assert "Speeding on Glenwood Avenue" in html


def test_the_subscribe_button_ticks_the_area(client, town):
    area = Area.objects.get(slug="smyrna")
    html = client.get(f"/subscribe/?agency=smyrna-pd&area={area.pk}").content.decode()
    ticked = re.findall(r'<input[^>]*name="areas"[^>]*value="(\d+)"[^>]*checked', html)
    assert ticked == [str(area.pk)]


def _jpeg_with_gps():
    image = Image.new("RGB", (40, 40), "navy")
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_an_officers_photo_is_re_encoded_and_served_only_while_public(
    client, town, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    role = _officer(town, "p.photo", "Pia", "Photo")
    admin = factories.user("smyrna.admin", town.smyrna, Role.ADMIN)
    client.force_login(admin)
    url = f"/admin/core/staffrole/{role.pk}/change/"
    form = {
        "user": role.user_id,
        "agency": town.smyrna.pk,
        "role": Role.OFFICER,
        "title": "Cpl.",
        "unit": "Community Policing Unit",
        "is_public_profile": "on",
        "areas": [Area.objects.get(slug="smyrna").pk],
        "photo": SimpleUploadedFile("me.jpg", _jpeg_with_gps(), content_type="image/jpeg"),
    }
    assert client.post(url, form).status_code == 302
    # Another agency's area is not among the choices: refused, and nothing changes.
    refused = client.post(url, {**form, "areas": [Area.objects.get(slug="clayton").pk]})
    assert "Select a valid choice" in refused.content.decode()
    assert list(role.areas.values_list("slug", flat=True)) == ["smyrna"]
    client.logout()
    role.refresh_from_db()
    photo = client.get(f"/agencies/smyrna-pd/officers/{role.pk}/photo.jpg")
    assert photo.status_code == 200
    body = b"".join(photo.streaming_content)
    assert b"SecretCam" not in body
    page = client.get("/agencies/smyrna-pd/areas/smyrna/").content.decode()
    assert f"/agencies/smyrna-pd/officers/{role.pk}/photo.jpg" in page
    StaffRole.objects.filter(pk=role.pk).update(is_public_profile=False)
    assert client.get(f"/agencies/smyrna-pd/officers/{role.pk}/photo.jpg").status_code == 404
    assert client.get(f"/agencies/clayton-pd/officers/{role.pk}/photo.jpg").status_code == 404


def test_the_agency_page_links_each_area_to_its_page(client, town):
    html = client.get("/agencies/smyrna-pd/").content.decode()
    assert 'href="/agencies/smyrna-pd/areas/smyrna/"' in html
