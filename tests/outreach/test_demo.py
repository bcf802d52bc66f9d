"""The demo's outreach story: Smyrna announces its Community Policing Unit to the town's
subscribers, and a resident who follows one neighbourhood gets it in a weekly digest."""

from openbeat.demo.loader import load_demo
from openbeat.demo.outreach import DIGEST_READER, TOWN_SUBSCRIBERS
from openbeat.outreach.models import Announcement, Mailing
from tests.outreach import steps

LAUNCH = "Smyrna's Community Policing Unit launches on 30 July"


def test_smyrna_announces_its_unit_and_a_neighbourhood_subscriber_gets_a_digest(client, mailbox):
    load_demo()
    launch = Announcement.objects.get(title=LAUNCH)
    page = client.get(launch.get_absolute_url()).content.decode()
    assert "launches on <strong>30 July 2025</strong>" in page
    unit = client.get("/programmes/smyrna-pd/community-policing-unit/").content.decode()
    assert "S/Pfc. Brandon Dunning, Public Information Officer" in unit
    assert "Community Policing Unit launches on 30 July" in unit

    # Everyone subscribed to the whole town gets each announcement as it is published.
    for address in TOWN_SUBSCRIBERS:
        subjects = sorted(steps.header(m, "Subject") for m in mailbox.wait_for(address, 2))
        assert subjects == [
            f"{LAUNCH} — Smyrna Police Department",
            "Speed checks on Lake Drive — Smyrna Police Department",
        ]
    # The Downtown subscriber's weekly digest has the launch, not Lake Como's speed checks.
    [digest] = mailbox.wait_for(DIGEST_READER)
    assert steps.header(digest, "Subject") == (
        "This week from Smyrna Police Department: 1 announcement"
    )
    body = digest.get_body(("plain",)).get_content()
    assert LAUNCH in body and "Speed checks" not in body
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # Loading again mails nobody again.
    sent = len(mailbox.messages)
    load_demo()
    assert len(mailbox.messages) == sent
    assert Mailing.objects.filter(kind="digest").count() == 1
