import datetime
import re

import pytest
from django.utils import timezone

from openbeat.concerns import actions
from openbeat.concerns.models import Concern, Status, Supporter, UpdateKind
from openbeat.core.models import AuditEvent
from tests import factories


def _staff(client, user):
    client.force_login(user)
    return client


def test_reporter_is_told_received_then_every_public_status_change(client, town, mailbox):
    concern = factories.concern(email="rita@example.org", name="Rita")
    (received,) = mailbox.to("rita@example.org")
    assert received["Subject"].startswith(f"Received: concern #{concern.pk}")
    assert concern.tracking_token in received.get_content()
    _staff(client, town.smyrna_officer).post(
        f"/staff/concerns/{concern.pk}/status/",
        {"status": "in_progress", "note": "An officer will patrol the park this week."},
    )
    update = mailbox.to("rita@example.org")[-1]
    assert update["Subject"] == f"Concern #{concern.pk}: In progress"
    assert "patrol the park" in update.get_content()
    client.logout()
    page = client.get(concern.get_absolute_url()).content.decode()
    assert "patrol the park" in page and "In progress" in page


def test_internal_notes_never_reach_the_public_or_followers(client, town, mailbox):
    concern = factories.concern(email="rita@example.org")
    _staff(client, town.smyrna_officer).post(
        f"/staff/concerns/{concern.pk}/respond/", {"body": "Internal: neighbour feud, see case 123"}
    )
    assert len(mailbox.to("rita@example.org")) == 1  # only "received"
    client.logout()
    assert "neighbour feud" not in client.get(concern.get_absolute_url()).content.decode()
    assert (
        "neighbour feud"
        not in client.get(f"/concerns/track/{concern.tracking_token}/").content.decode()
    )


def test_support_instead_of_a_duplicate_report(client, town, mailbox):
    concern = factories.concern(
        description="Graffiti on the park restrooms", email="first@example.org"
    )
    response = client.post(
        "/concerns/new/",
        {
            "category": "vandalism-graffiti",
            "description": "graffiti on the restrooms in the park",
            "latitude": "39.300300",
            "longitude": "-75.600200",
            "nonce": "n1",
        },
    )
    page = response.content.decode()
    assert (
        response.status_code == 200 and "Is it one of these?" in page and f"#{concern.pk}" in page
    )
    assert Concern.objects.count() == 1
    response = client.post(f"/concerns/{concern.pk}/support/", {"email": "second@example.org"})
    supporter = Supporter.objects.get()
    # The browser is sent back to the concern; the link goes to the address, and the voice
    # counts once the address confirms it there.
    assert response.url == concern.get_absolute_url()
    supporters = re.compile(r"<dt>Supporters</dt><dd>(\d+)</dd>")
    assert supporters.search(client.get(response.url).content.decode()).group(1) == "0"
    (confirm,) = mailbox.to("second@example.org")
    link = f"/concerns/track/{supporter.token}/"
    assert link in confirm.get_content()
    assert "Yes, add my voice" in client.get(link).content.decode()
    client.post(f"{link}confirm/")
    assert supporters.search(client.get(response.url).content.decode()).group(1) == "1"
    # Supporters follow updates too.
    actions.change_status(
        concern, Status.RESOLVED, "Painted over.", acting_user=town.smyrna_officer
    )
    assert mailbox.to("second@example.org")[-1]["Subject"] == f"Concern #{concern.pk}: Resolved"


def test_submit_anyway_after_suggestions(client, town):
    factories.concern(description="Graffiti on the park restrooms")
    client.post(
        "/concerns/new/",
        {
            "category": "vandalism-graffiti",
            "description": "Graffiti on the park restrooms",
            "latitude": "39.300100",
            "longitude": "-75.600100",
            "confirm_new": "1",
        },
    )
    assert Concern.objects.count() == 2


def test_supporting_twice_with_one_email_counts_once(client, town):
    concern = factories.concern()
    client.post(f"/concerns/{concern.pk}/support/", {"email": "me@example.org"})
    client.post(f"/concerns/{concern.pk}/support/", {"email": "ME@example.org"})
    assert concern.supporters.count() == 1


def test_marking_a_duplicate_merges_supporters_and_the_reporter(client, town):
    original = factories.concern(description="Graffiti", email="a@example.org")
    copy = factories.concern(description="More graffiti", email="b@example.org")
    actions.support(copy, "c@example.org")
    actions.support(copy, "a@example.org")  # already the original's reporter: not counted twice
    response = _staff(client, town.smyrna_officer).post(
        f"/staff/concerns/{copy.pk}/duplicate/", {"original": original.pk}
    )
    assert response.status_code == 302
    copy.refresh_from_db()
    assert (copy.status, copy.duplicate_of) == (Status.DUPLICATE, original)
    assert set(original.supporters.values_list("email", flat=True)) == {
        "b@example.org",
        "c@example.org",
    }


def test_duplicate_of_another_agencys_concern_is_refused(client, town):
    clayton = factories.concern(point=factories.CLAYTON_POINT)
    smyrna = factories.concern()
    response = _staff(client, town.smyrna_officer).post(
        f"/staff/concerns/{smyrna.pk}/duplicate/", {"original": clayton.pk}
    )
    assert response.status_code == 400
    assert "no concern" in response.content.decode()
    smyrna.refresh_from_db()
    assert smyrna.status == Status.SUBMITTED


def test_reporter_can_contest_a_closure_within_30_days(client, town, mailbox):
    town.smyrna_coordinator.email = "coordinator@smyrna.example"
    town.smyrna_coordinator.save()
    concern = factories.concern(email="rita@example.org")
    actions.change_status(
        concern, Status.COULD_NOT_FIX, "No evidence found.", acting_user=town.smyrna_officer
    )
    url = f"/concerns/track/{concern.tracking_token}/"
    assert "Not solved?" in client.get(url).content.decode()
    response = client.post(url, {"reason": "Still there every night."})
    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.status == Status.ACKNOWLEDGED and concern.closed_at is None
    assert concern.updates.filter(kind=UpdateKind.CONTEST, is_public=True).exists()
    (staff_mail,) = mailbox.to("coordinator@smyrna.example")
    assert "Still there every night." in staff_mail.get_content()


def test_contest_after_30_days_or_while_open_is_refused(client, town):
    concern = factories.concern()
    url = f"/concerns/track/{concern.tracking_token}/"
    assert client.post(url, {"reason": "x"}).status_code == 400
    actions.change_status(concern, Status.RESOLVED, acting_user=town.smyrna_officer)
    Concern.objects.filter(pk=concern.pk).update(
        closed_at=timezone.now() - datetime.timedelta(days=31)
    )
    response = client.post(url, {"reason": "Back again"})
    assert response.status_code == 400 and "more than 30 days" in response.content.decode()
    concern.refresh_from_db()
    assert concern.status == Status.RESOLVED


def test_referred_needs_a_partner(client, town):
    concern = factories.concern()
    response = _staff(client, town.smyrna_officer).post(
        f"/staff/concerns/{concern.pk}/status/", {"status": "closed_referred", "note": ""}
    )
    assert response.status_code == 400 and "which partner" in response.content.decode()
    concern.refresh_from_db()
    assert concern.status == Status.SUBMITTED


def test_street_lighting_is_pre_referred_to_public_works(town):
    concern = factories.concern(category="street-lighting")
    assert concern.referred_to == "Public Works"


def test_moderator_hides_content_with_a_reason_in_the_audit_log(client, town):
    concern = factories.concern(description="My neighbour John Smith at number 4 is a thief")
    client.post(f"/concerns/{concern.pk}/flag/", {"reason": "Names a person"})
    assert concern.flags.count() == 1
    officer = _staff(client, town.smyrna_officer)
    assert (
        officer.post(
            f"/staff/concerns/{concern.pk}/moderate/", {"hidden": "1", "reason": "x"}
        ).status_code
        == 404
    )
    coordinator = _staff(client, town.smyrna_coordinator)
    refused = coordinator.post(
        f"/staff/concerns/{concern.pk}/moderate/", {"hidden": "1", "reason": ""}, follow=True
    )
    assert "Give the reason" in refused.content.decode()
    coordinator.post(
        f"/staff/concerns/{concern.pk}/moderate/",
        {"hidden": "1", "reason": "Names a private person"},
    )
    client.logout()
    assert client.get(concern.get_absolute_url()).status_code == 404
    assert "John Smith" not in client.get("/concerns/").content.decode()
    entry = AuditEvent.objects.get(action="moderation.hide")
    assert (
        entry.after["reason"] == "Names a private person" and entry.actor == town.smyrna_coordinator
    )
    assert Concern.objects.filter(pk=concern.pk).exists()  # hidden, never deleted


@pytest.mark.parametrize("user", ["clayton_officer", "clayton_coordinator", "outsider"])
def test_other_agencies_get_404_on_staff_concern_pages(client, town, user):
    concern = factories.concern()
    client.force_login(getattr(town, user))
    for url in (f"/staff/concerns/{concern.pk}/",):
        assert client.get(url).status_code == 404
    for action in ("status", "respond", "assign", "reclassify", "duplicate", "moderate"):
        assert (
            client.post(
                f"/staff/concerns/{concern.pk}/{action}/",
                {"status": "resolved", "body": "x", "hidden": "1", "reason": "x"},
            ).status_code
            == 404
        )
    concern.refresh_from_db()
    assert concern.status == Status.SUBMITTED and not concern.updates.exists()


def test_staff_queue_shows_only_own_agency(client, town):
    factories.concern(description="Smyrna thing")
    factories.concern(description="Clayton thing", point=factories.CLAYTON_POINT)
    page = _staff(client, town.clayton_officer).get("/staff/concerns/").content.decode()
    assert page.count("<tr><td>") == 1


def test_reclassifying_as_officer_complaint_makes_it_private(client, town):
    concern = factories.concern()
    complaint = town.smyrna.categories.get(slug="officer-conduct")
    _staff(client, town.smyrna_coordinator).post(
        f"/staff/concerns/{concern.pk}/reclassify/", {"category": complaint.pk}
    )
    client.logout()
    assert client.get(concern.get_absolute_url()).status_code == 404


def test_a_response_template_answers_in_one_tap(client, town, mailbox):
    from openbeat.concerns.models import ResponseTemplate

    template = ResponseTemplate.objects.create(
        agency=town.smyrna, title="Patrol", body="We have added extra patrols in this area."
    )
    concern = factories.concern(email="rita@example.org")
    staff = _staff(client, town.smyrna_officer)
    assert staff.post(f"/staff/concerns/{concern.pk}/respond/", {"public": "on"}).status_code == 400
    staff.post(f"/staff/concerns/{concern.pk}/respond/", {"template": template.pk, "public": "on"})
    assert "extra patrols" in mailbox.to("rita@example.org")[-1].get_content()
    other = ResponseTemplate.objects.create(
        agency=town.clayton, title="Clayton", body="Clayton text"
    )
    response = staff.post(
        f"/staff/concerns/{concern.pk}/respond/", {"template": other.pk, "public": "on"}
    )
    assert response.status_code == 400  # another agency's template is not a choice
