"""The demo's outreach story: Smyrna announced its Community Policing Unit in July 2025, before
anyone subscribed, so it is never mailed; the town's subscribers get this week's announcements,
and a resident who follows one neighbourhood gets hers in a weekly digest."""

from django.utils import timezone

from openbeat.demo.loader import load_demo
from openbeat.demo.outreach import DIGEST_READER, TOWN_SUBSCRIBERS
from openbeat.outreach.models import Announcement, Mailing
from tests.outreach import steps

LAUNCH = "Smyrna's Community Policing Unit launches on 30 July"
COFFEE = "Coffee with a Cop: the second Wednesday of every month"


def test_smyrna_announces_its_unit_and_a_neighbourhood_subscriber_gets_a_digest(client, mailbox):
    load_demo()
    launch = Announcement.objects.get(title=LAUNCH)
    local = timezone.localtime(launch.published_at, launch.agency.tz)
    assert (local.date().isoformat(), local.hour) == ("2025-07-14", 9)
    page = client.get(launch.get_absolute_url()).content.decode()
    assert "launches on <strong>30 July 2025</strong>" in page
    unit = client.get("/programmes/smyrna-pd/community-policing-unit/").content.decode()
    assert "S/Pfc. Brandon Dunning, Public Information Officer" in unit
    assert "Community Policing Unit launches on 30 July" in unit
    # Its mailing was planned when it was published, to the nobody subscribed then.
    mailing = Mailing.objects.get(announcement=launch)
    assert mailing.planned_at == launch.published_at and not mailing.deliveries.exists()

    # Everyone subscribed to the whole town gets each announcement as it is published.
    for address in TOWN_SUBSCRIBERS:
        subjects = sorted(steps.header(m, "Subject") for m in mailbox.wait_for(address, 2))
        assert subjects == [
            f"{COFFEE} — Smyrna Police Department",
            "Speed checks on Lake Drive — Smyrna Police Department",
        ]
    # The Downtown subscriber's weekly digest has the town's mornings, not Lake Como's checks.
    [digest] = mailbox.wait_for(DIGEST_READER)
    assert steps.header(digest, "Subject") == (
        "This week from Smyrna Police Department: 1 announcement"
    )
    body = digest.get_body(("plain",)).get_content()
    assert COFFEE in body and "Speed checks" not in body and LAUNCH not in body
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # Loading again mails nobody again, the launch never.
    sent = len(mailbox.messages)
    load_demo()
    assert len(mailbox.messages) == sent
    assert not any(LAUNCH in steps.header(m, "Subject") for m in mailbox.messages)
    assert Mailing.objects.filter(kind="digest").count() == 1
