"""QR check-in at the door: the code a reply carries, what its QR code says, and the staff page
that checks a reply in once by that code (scanned or typed), for its own agency, on the day."""

import datetime
import io
import re

import pytest
import zxingcpp
from django.test import Client
from django.utils import timezone
from PIL import Image

from openbeat.concerns.models import Concern
from openbeat.core.models import AuditEvent
from openbeat.events.models import CHECK_IN_ALPHABET, RSVP, normalise_check_in_code
from tests import factories


def _under_way(occurrence):
    start = (timezone.now() - datetime.timedelta(minutes=10)).replace(second=0, microsecond=0)
    length = occurrence.end - occurrence.start
    type(occurrence).objects.filter(pk=occurrence.pk).update(
        start=start, original_start=start, end=start + length
    )
    occurrence.refresh_from_db()
    return occurrence


@pytest.fixture
def today(town):
    occurrence = factories.event(town, title="Coffee Today").occurrences.get()
    factories.rsvp(occurrence, name="Maria Resident", email="maria@example.org", party_size=2)
    return _under_way(occurrence)


def _url(occurrence):
    return f"/staff/meetings/{occurrence.pk}/check-in/code/"


def _decode(png):
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(found) == 1
    return found[0].text


def test_codes_are_easy_to_type_and_unique_per_meeting(town):
    occurrence = factories.event(town).occurrences.get()
    codes = [factories.rsvp(occurrence).check_in_code for _ in range(30)]
    assert len(set(codes)) == 30
    for code in codes:
        assert len(code) == 8 and set(code) <= set(CHECK_IN_ALPHABET)
    assert not set(CHECK_IN_ALPHABET) & set("0O1IL2Z5S8BQ")
    assert normalise_check_in_code(" acde-f347 ") == "ACDEF347"


def test_the_confirmed_email_carries_a_qr_code_that_opens_only_the_staff_check_in(
    town, mailbox, settings
):
    settings.BASE_URL = "https://openbeat.example"
    occurrence = factories.event(town).occurrences.get()
    rsvp = factories.rsvp(occurrence, name="Maria Resident", email="qr@example.org")
    message = mailbox.wait_for("qr@example.org", count=2)[-1]
    assert rsvp.check_in_code_shown in message.get_body(("plain",)).get_content()
    png = next(p for p in message.iter_attachments() if p.get_content_type() == "image/png")
    assert png.get_content_disposition() == "inline"
    payload = _decode(png.get_content())
    assert payload == (
        f"https://openbeat.example/staff/meetings/{occurrence.pk}/check-in/code/"
        f"?code={rsvp.check_in_code}"
    )
    # Neither the reply's private link nor anything of the resident is in it.
    assert rsvp.token not in payload and "maria" not in payload.lower() and "qr@" not in payload
    # Scanned by a stranger's phone, it is the staff sign-in.
    stranger = Client().get(payload.removeprefix("https://openbeat.example"))
    assert stranger.status_code == 302 and stranger.url.startswith("/staff/login/")


def test_the_reply_page_shows_the_qr_code_with_its_code_in_letters(client, town):
    occurrence = factories.event(town).occurrences.get()
    rsvp = factories.rsvp(occurrence)
    page = client.get(rsvp.get_absolute_url()).content.decode()
    svg = re.search(r"<svg [^>]*>", page).group(0)
    assert 'role="img"' in svg and rsvp.check_in_code_shown in svg  # its accessible name
    assert f"<strong>{rsvp.check_in_code_shown}</strong>" in page
    pending = factories.rsvp(occurrence, confirm=False)
    assert "<svg" not in client.get(pending.get_absolute_url()).content.decode()


def test_a_typed_code_checks_in_once_and_a_second_scan_says_when(client, town, today):
    rsvp = today.rsvps.get()
    client.force_login(town.smyrna_officer)
    shown = client.get(_url(today), {"code": rsvp.check_in_code.lower()}).content.decode()
    assert "Maria Resident, 2 people" in shown  # a GET only shows whose code it is
    assert RSVP.objects.get(pk=rsvp.pk).checked_in_at is None

    first = client.post(_url(today), {"code": rsvp.check_in_code_shown}, follow=True)
    rsvp.refresh_from_db()
    when = timezone.localtime(rsvp.checked_in_at, town.smyrna.tz)
    assert rsvp.checked_in_at is not None
    assert "Maria Resident checked in at" in first.content.decode()
    assert "Arrived 2" in first.content.decode()

    again = client.post(_url(today), {"code": rsvp.check_in_code}, follow=True)
    assert "Maria Resident was already checked in at" in again.content.decode()
    assert RSVP.objects.get(pk=rsvp.pk).checked_in_at == rsvp.checked_in_at
    assert AuditEvent.objects.filter(action="rsvp.check_in").count() == 1
    assert when.strftime("%M") in again.content.decode()


def test_the_same_queued_check_in_sent_twice_is_answered_as_the_first(client, town, today):
    rsvp = today.rsvps.get()
    client.force_login(town.smyrna_officer)
    entry = {"code": rsvp.check_in_code, "nonce": "a1b2c3d4e5f6"}
    first = client.post(_url(today), entry, follow=True).content.decode()
    second = client.post(_url(today), entry, follow=True).content.decode()
    assert "Maria Resident checked in at" in first and "Maria Resident checked in at" in second
    assert AuditEvent.objects.filter(action="rsvp.check_in").count() == 1


def test_a_wrong_code_or_another_agency_or_another_day_checks_no_one_in(client, town, today):
    rsvp = today.rsvps.get()
    client.force_login(town.smyrna_officer)
    wrong = client.post(_url(today), {"code": "ACDE-F347"})
    assert wrong.status_code == 400 and "No reply to this meeting has the code" in (
        wrong.content.decode()
    )
    client.force_login(town.clayton_officer)
    assert client.post(_url(today), {"code": rsvp.check_in_code}).status_code == 404
    client.force_login(town.smyrna_officer)
    later = factories.event(town, title="Next Week", start=factories.in_days(7))
    later = later.occurrences.get()
    waiting = factories.rsvp(later)
    refused = client.post(_url(later), {"code": waiting.check_in_code})
    assert refused.status_code == 400
    assert "Check-in opens on the day of the meeting." in refused.content.decode()
    # A code of one meeting does not check anyone in at another.
    assert client.post(_url(today), {"code": waiting.check_in_code}).status_code == 400
    assert not RSVP.objects.filter(checked_in_at__isnull=False).exists()


def test_intake_sent_twice_with_one_nonce_stores_one_concern(client, town, today):
    client.force_login(town.smyrna_officer)
    entry = {"category": "vandalism-graffiti", "description": "Tags on the bus shelter"}
    entry["nonce"] = "f00dfeed" * 4
    for _ in range(2):
        response = client.post(f"/staff/meetings/{today.pk}/intake/", entry, follow=True)
        assert response.status_code == 200
    assert Concern.objects.filter(description="Tags on the bus shelter").count() == 1
    concern = Concern.objects.get()
    assert f"Logged as concern #{concern.pk}" in response.content.decode()
    assert concern.raised_at == today


def _token(page):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]


def test_a_queued_entry_passes_csrf_when_replayed_with_the_token_of_the_page_in_hand(town, today):
    """The queue sends an entry with the CSRF token of the page open when it syncs: the one
    typed into the queued body no longer passes after the officer signed in again (signing in
    changes the cookie's secret), the current page's does."""
    phone = Client(enforce_csrf_checks=True)
    phone.force_login(town.smyrna_officer)
    queued_token = _token(phone.get(_url(today)))
    rsvp = today.rsvps.get()
    entry = {"code": rsvp.check_in_code, "nonce": "abc123"}
    # The same session: the token kept in the queue still passes, however late it is sent.
    assert (
        phone.post(_url(today), {**entry, "csrfmiddlewaretoken": queued_token}).status_code == 302
    )
    # The session expired; the officer signs in again through the sign-in page, which gives
    # the browser a new CSRF secret.
    phone.logout()
    town.smyrna_officer.set_password("correct horse 42")
    town.smyrna_officer.save()
    login_page = phone.get("/staff/login/")
    signed_in = phone.post(
        "/staff/login/",
        {
            "username": town.smyrna_officer.username,
            "password": "correct horse 42",
            "csrfmiddlewaretoken": _token(login_page),
        },
    )
    assert signed_in.status_code == 302
    stale = phone.post(_url(today), {**entry, "csrfmiddlewaretoken": queued_token})
    assert stale.status_code == 403
    fresh = phone.post(
        _url(today), {**entry, "csrfmiddlewaretoken": _token(phone.get(_url(today)))}
    )
    assert fresh.status_code == 302
