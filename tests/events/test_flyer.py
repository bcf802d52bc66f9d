"""A meeting's printed flyer: one page, its facts, a QR code a phone reads back to the page.

The PDF is rendered to an image with PDFium (pypdfium2) as a printer or viewer would, its text
is extracted, and the QR code in the image is decoded with ZXing (zxing-cpp).
"""

import io

import pypdfium2 as pdfium
import pytest
import zxingcpp
from django.conf import settings
from django.utils import timezone

from openbeat.core.models import Role
from tests import factories

pytestmark = pytest.mark.django_db


def rendered(body: bytes):
    """(number of pages, the first page's text, the first page as a PIL image at 150 dpi)."""
    pdf = pdfium.PdfDocument(io.BytesIO(body))
    page = pdf[0]
    text = page.get_textpage().get_text_range()
    image = page.render(scale=150 / 72).to_pil()
    return len(pdf), text, image


def qr_codes(image) -> list[str]:
    return [found.text for found in zxingcpp.read_barcodes(image)]


def meeting(town, **extra):
    event = factories.event(town, title="Community Awareness Meeting", **extra)
    event.description = "Questions, answers and coffee."
    event.save()
    town.hall.accessibility = "Step-free entrance on Market Street; hearing loop."
    town.hall.save()
    officer = factories.user("r.lopez", town.smyrna, Role.OFFICER, title="Sgt.")
    officer.first_name, officer.last_name = "Rosa", "López"
    officer.save()
    event.officers.add(officer.staff_roles.get())
    return event, event.occurrences.get()


def test_a_meetings_flyer_is_one_page_with_its_facts_and_a_qr_code_to_its_page(client, town):
    event, occurrence = meeting(town)
    answer = client.get(f"/events/{event.slug}/{occurrence.date_key}/flyer.pdf?lang=en")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/pdf"
    pages, text, image = rendered(answer.content)
    assert pages == 1
    flat = " ".join(text.split())
    for fact in [
        "Smyrna Police Department",
        "Community Awareness Meeting",
        "Smyrna Town Hall",
        "27 South Market Street",
        "Step-free entrance on Market Street",
        "Sgt. Rosa López",
        "Questions, answers and coffee.",
        "Scan for the details",
    ]:
        assert fact in flat, fact
    local = timezone.localtime(occurrence.start, event.agency.tz)
    assert str(local.year) in flat and str(local.day) in flat
    assert qr_codes(image) == [settings.BASE_URL + occurrence.get_absolute_url()]


def test_the_spanish_flyer_speaks_spanish_with_its_accents_in_an_embedded_font(client, town):
    event, occurrence = meeting(town)
    answer = client.get(f"/events/{event.slug}/{occurrence.date_key}/flyer.pdf?lang=es")
    pages, text, image = rendered(answer.content)
    flat = " ".join(text.split())
    assert pages == 1
    assert "Cuándo" in flat and "Dónde" in flat and "Organizado por" in flat
    assert "Sgt. Rosa López" in flat
    assert b"/FontFile2" in answer.content  # the TrueType font travels inside the file
    assert qr_codes(image) == [settings.BASE_URL + occurrence.get_absolute_url()]


def test_a_series_flyer_lists_its_next_dates_and_points_to_the_series(client, town):
    event = factories.event(town, title="Coffee with a Cop", rrule="FREQ=WEEKLY;COUNT=10")
    answer = client.get(f"/events/{event.slug}/flyer.pdf")
    pages, text, image = rendered(answer.content)
    assert pages == 1
    first = timezone.localtime(event.occurrences.first().start, event.agency.tz)
    assert text.count(first.strftime("%A")) == 6  # the next six dates, weekly
    assert qr_codes(image) == [settings.BASE_URL + event.get_absolute_url()]


def test_a_flyer_stays_on_one_page_however_long_its_text(client, town):
    event, occurrence = meeting(town)
    event.title = "Meeting " * 25
    event.description = "A long description. " * 400
    event.save()
    town.hall.accessibility = "Ramp. " * 300
    town.hall.save()
    answer = client.get(f"/events/{event.slug}/{occurrence.date_key}/flyer.pdf")
    pages, text, image = rendered(answer.content)
    assert pages == 1
    assert "…" in text
    assert qr_codes(image) == [settings.BASE_URL + occurrence.get_absolute_url()]


def test_the_print_page_has_the_facts_the_qr_code_and_both_languages(client, town):
    event, occurrence = meeting(town)
    page = client.get(f"/events/{event.slug}/{occurrence.date_key}/flyer/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Step-free entrance on Market Street" in html
    assert "<svg" in html and "Sgt. Rosa López" in html
    assert "Folleto en español" in html
    spanish = client.get(f"/events/{event.slug}/{occurrence.date_key}/flyer/?lang=es")
    assert '<html lang="es">' in spanish.content.decode()
    assert "Cuándo" in spanish.content.decode()
    meeting_page = client.get(occurrence.get_absolute_url()).content.decode()
    assert f"/events/{event.slug}/{occurrence.date_key}/flyer/" in meeting_page
    assert f"/events/{event.slug}/flyer/" in client.get(event.get_absolute_url()).content.decode()


def test_an_unpublished_meeting_has_no_flyer(client, town):
    event, occurrence = meeting(town)
    event.is_published = False
    event.save()
    assert client.get(f"/events/{event.slug}/{occurrence.date_key}/flyer.pdf").status_code == 404
    assert client.get(f"/events/{event.slug}/flyer/").status_code == 404


def test_a_machine_without_the_dejavu_font_still_prints_the_flyer_in_spanish(
    client, town, settings, tmp_path
):
    """A first demo before `apt-get install fonts-dejavu-core`: the PDF's own Helvetica, with
    Spanish accents, still one page with its QR code, never an error page."""
    settings.OPENBEAT_FLYER_FONT_DIR = str(tmp_path)  # an empty folder: no font in it
    event, occurrence = meeting(town)
    answer = client.get(f"/events/{event.slug}/{occurrence.date_key}/flyer.pdf?lang=es")
    assert answer.status_code == 200
    pages, text, image = rendered(answer.content)
    flat = " ".join(text.split())
    assert pages == 1
    assert "Cuándo" in flat and "Sgt. Rosa López" in flat
    assert b"/FontFile2" not in answer.content
    assert qr_codes(image) == [settings.BASE_URL + occurrence.get_absolute_url()]
