"""Staff pages for announcements: who may do what, bad input, audit, progress."""

import datetime

import pytest
from django.utils import timezone

from openbeat.core.models import AuditEvent
from openbeat.outreach.models import Announcement, AnnouncementStatus, Mailing
from tests import factories
from tests.outreach import steps


@pytest.fixture
def town(mailbox):
    return factories.town()


def _as(client, user):
    client.force_login(user)
    return client


def test_coordinator_writes_publishes_and_sees_progress_all_audited(client, town, mailbox):
    for i in range(3):
        steps.subscriber(town.smyrna, f"s{i}@example.org")
    mailbox.clear()
    area = town.smyrna.areas.get()
    staff = _as(client, town.smyrna_coordinator)

    empty = staff.post("/staff/outreach/announcements/new/", {"title": "", "body": ""})
    assert empty.status_code == 400 and b"This field is required." in empty.content
    foreign = staff.post(
        "/staff/outreach/announcements/new/",
        {"title": "T", "body": "B", "areas": [town.clayton.areas.get().pk]},
    )
    assert foreign.status_code == 400 and b"Select a valid choice" in foreign.content
    assert not Announcement.objects.exists()

    created = staff.post(
        "/staff/outreach/announcements/new/",
        {"title": "Coffee with a Cop moves", "body": "Now at **Bridgeway**.", "areas": [area.pk]},
    )
    item = Announcement.objects.get()
    assert created["Location"] == f"/staff/outreach/announcements/{item.pk}/"
    assert item.status == AnnouncementStatus.DRAFT and list(item.areas.all()) == [area]

    edited = staff.post(
        f"/staff/outreach/announcements/{item.pk}/",
        {"title": "Coffee with a Cop moves to Bridgeway", "body": "Now at **Bridgeway**."},
    )
    assert edited.status_code == 302
    item.refresh_from_db()
    assert item.title == "Coffee with a Cop moves to Bridgeway" and not item.areas.exists()
    bad_edit = staff.post(f"/staff/outreach/announcements/{item.pk}/", {"title": "", "body": "x"})
    assert bad_edit.status_code == 400 and b"This field is required." in bad_edit.content
    item.refresh_from_db()
    assert item.title == "Coffee with a Cop moves to Bridgeway"

    past = timezone.localtime(timezone.now(), town.smyrna.tz) - datetime.timedelta(hours=1)
    refused = staff.post(
        f"/staff/outreach/announcements/{item.pk}/publish/",
        {"publish_at": past.strftime("%Y-%m-%dT%H:%M")},
    )
    assert refused.status_code == 400 and b"Choose a time in the future" in refused.content
    item.refresh_from_db()
    assert item.status == AnnouncementStatus.DRAFT and not mailbox.messages

    staff.post(f"/staff/outreach/announcements/{item.pk}/publish/", {"publish_at": ""})
    item.refresh_from_db()
    assert item.status == AnnouncementStatus.PUBLISHED and len(mailbox.messages) == 3
    again = staff.post(f"/staff/outreach/announcements/{item.pk}/publish/", {"publish_at": ""})
    assert again.status_code == 400 and b"only a draft or a scheduled one" in again.content
    assert len(mailbox.messages) == 3

    page = staff.get(f"/staff/outreach/announcements/{item.pk}/").content.decode()
    assert "<dt>Sent</dt><dd>3</dd>" in page and "<dt>Remaining</dt><dd>0</dd>" in page
    mailing = Mailing.objects.get()
    assert (
        "<dt>Sent</dt><dd>3</dd>"
        in staff.get(f"/staff/outreach/mailings/{mailing.pk}/").content.decode()
    )
    home = staff.get("/staff/outreach/").content.decode()
    assert (
        "Coffee with a Cop moves" in home and "<td>Smyrna Police Department</td><td>3</td>" in home
    )
    assert "s0@example.org" not in home  # staff see counts, not a list of residents

    staff.post(f"/staff/outreach/announcements/{item.pk}/withdraw/")
    item.refresh_from_db()
    assert item.status == AnnouncementStatus.WITHDRAWN
    actions = list(
        AuditEvent.objects.filter(object_type="outreach.announcement")
        .order_by("id")
        .values_list("action", "actor__username", "agency__slug")
    )
    assert actions == [
        ("announcement.create", "smyrna.coordinator", "smyrna-pd"),
        ("announcement.update", "smyrna.coordinator", "smyrna-pd"),
        ("announcement.publish", "smyrna.coordinator", "smyrna-pd"),
        ("announcement.withdraw", "smyrna.coordinator", "smyrna-pd"),
    ]


def test_officers_read_and_other_agencies_find_nothing(client, town, mailbox):
    item = steps.announcement(town.smyrna_coordinator, town.smyrna, title="Smyrna draft")
    officer = _as(client, town.smyrna_officer)
    assert officer.get(f"/staff/outreach/announcements/{item.pk}/").status_code == 200
    assert officer.get("/staff/outreach/announcements/new/").status_code == 403
    for url in (
        f"/staff/outreach/announcements/{item.pk}/publish/",
        f"/staff/outreach/announcements/{item.pk}/withdraw/",
        f"/staff/outreach/announcements/{item.pk}/",
    ):
        assert officer.post(url, {"title": "x", "body": "y"}).status_code == 404
    other = _as(client, town.clayton_coordinator)
    assert other.get(f"/staff/outreach/announcements/{item.pk}/").status_code == 404
    assert other.post(f"/staff/outreach/announcements/{item.pk}/publish/").status_code == 404
    assert "Smyrna draft" not in other.get("/staff/outreach/").content.decode()
    item.refresh_from_db()
    assert item.status == AnnouncementStatus.DRAFT and item.title == "Smyrna draft"
    assert not mailbox.messages
