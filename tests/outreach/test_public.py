"""The programme catalogue, announcement pages and feeds, and following a concern or problem."""

import xml.etree.ElementTree as ET

import pytest

from openbeat.concerns import actions as concern_actions
from openbeat.concerns.models import Status
from openbeat.core import pagecache
from openbeat.core.models import StaffRole
from openbeat.outreach import actions
from openbeat.outreach.models import Subscription, SubscriptionStatus
from openbeat.problems import actions as problem_actions
from tests import factories
from tests.outreach import steps

ATOM = "{http://www.w3.org/2005/Atom}"


def _titles(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    return [entry.find(f"{ATOM}title").text for entry in feed.findall(f"{ATOM}entry")]


def test_programme_page_shows_contact_officer_how_to_join_and_upcoming_dates(client, town):
    officer = StaffRole.objects.get(user=town.smyrna_officer)
    officer.title, officer.unit = "Sergeant", "Community Policing Unit"
    officer.save()
    programme = town.meeting
    programme.description = "Monthly **community awareness** meetings."
    programme.how_to_join = "Just come along. <script>alert(1)</script>"
    programme.contact_officer = officer
    programme.contact_email = "cpu@smyrna.example"
    programme.full_clean()
    programme.save()
    factories.event(town, title="Awareness Meeting")
    page = client.get("/programmes/smyrna-pd/community-awareness-meeting/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<strong>community awareness</strong>" in html
    assert "Sergeant smyrna.officer, Community Policing Unit" in html
    assert "cpu@smyrna.example" in html and "<script>alert" not in html
    assert "Awareness Meeting" in html  # the next date
    listing = client.get("/programmes/").content.decode()
    assert "Coffee with a Cop" in listing and "Clayton Town Meeting" in listing
    assert programme.get_absolute_url() in listing

    # An officer of another agency cannot be a programme's contact.
    programme.contact_officer = StaffRole.objects.get(user=town.clayton_officer)
    with pytest.raises(Exception, match="own agency"):
        programme.full_clean()

    programme.refresh_from_db()
    programme.is_listed = False
    programme.save()
    pagecache.bump()  # as every audited write (the admin's save) does
    assert client.get(programme.get_absolute_url()).status_code == 404
    assert client.get("/programmes/clayton-pd/community-awareness-meeting/").status_code == 404


def test_announcements_are_public_only_once_published_with_feeds(client, town):
    area = town.smyrna.areas.get()
    traffic = steps.topic(town.smyrna, "Traffic")
    coordinator = town.smyrna_coordinator
    town_wide = steps.announcement(coordinator, town.smyrna, title="Town-wide news")
    for_area = steps.announcement(coordinator, town.smyrna, title="Area news", areas=[area])
    on_topic = steps.announcement(
        coordinator,
        town.smyrna,
        title="Traffic news",
        topics=[traffic],
        body="Slow [down](javascript:alert(1))",
    )
    draft = steps.announcement(coordinator, town.smyrna, title="Draft news")
    gone = steps.announcement(coordinator, town.smyrna, title="Withdrawn news")
    for item in (town_wide, for_area, on_topic, gone):
        actions.publish(item, acting_user=coordinator)
    actions.withdraw(gone, acting_user=coordinator)

    listing = client.get("/announcements/?agency=smyrna-pd").content.decode()
    for title in ("Town-wide news", "Area news", "Traffic news"):
        assert title in listing
    assert "Draft news" not in listing and "Withdrawn news" not in listing
    page = client.get(on_topic.get_absolute_url()).content.decode()
    assert "Slow" in page and 'href="javascript' not in page
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(gone.get_absolute_url()).status_code == 404
    assert client.get("/announcements/?agency=nowhere").status_code == 404

    assert set(_titles(client.get("/agencies/smyrna-pd/announcements.atom"))) == {
        "Town-wide news",
        "Area news",
        "Traffic news",
    }
    assert _titles(client.get("/agencies/clayton-pd/announcements.atom")) == []
    assert set(_titles(client.get(f"/announcements/areas/{area.pk}.atom"))) == {
        "Town-wide news",
        "Area news",
        "Traffic news",
    }
    assert _titles(client.get(f"/announcements/topics/{traffic.pk}.atom")) == ["Traffic news"]
    # A subscriber's address never reaches a public page or feed.
    steps.subscriber(town.smyrna, "private.person@example.org")
    for url in ("/announcements/", "/agencies/smyrna-pd/announcements.atom", "/programmes/"):
        assert b"private.person" not in client.get(url).content


@pytest.fixture
def follow_town(mailbox):
    return factories.town()


def test_following_a_concern_uses_opt_in_and_gets_updates_until_unsubscribed(
    client, follow_town, mailbox
):
    town = follow_town
    concern = factories.concern()
    response = client.post(f"/follow/concerns/{concern.pk}/", {"email": "Fay@example.org"})
    assert response.status_code == 302 and response["Location"] == concern.get_absolute_url()
    [confirm] = mailbox.wait_for("fay@example.org")
    assert steps.header(confirm, "Subject") == f"Please confirm: updates on concern #{concern.pk}"
    assert confirm["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Unconfirmed: an update sends nothing to it.
    concern_actions.change_status(
        concern, Status.ACKNOWLEDGED, "Seen.", acting_user=town.smyrna_officer
    )
    assert len(mailbox.to("fay@example.org")) == 1
    client.post(steps.link_to(confirm, "/subscribe/confirm/").replace("http://testserver", ""))

    concern_actions.change_status(
        concern, Status.IN_PROGRESS, "Crew booked for Friday.", acting_user=town.smyrna_officer
    )
    [_confirm, update] = mailbox.wait_for("fay@example.org", 2)
    assert steps.header(update, "Subject") == f"Concern #{concern.pk}: In progress"
    assert "Crew booked for Friday." in update.get_body(("plain",)).get_content()
    assert update["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # An internal note is no news for followers; a concern made private tells them nothing.
    concern_actions.respond(concern, "Internal only", public=False, acting_user=town.smyrna_officer)
    concern.is_private = True
    concern.save()
    concern_actions.change_status(
        concern, Status.RESOLVED, "Done.", acting_user=town.smyrna_officer
    )
    assert len(mailbox.to("fay@example.org")) == 2
    # ...and a private concern cannot be followed.
    assert (
        client.post(f"/follow/concerns/{concern.pk}/", {"email": "g@example.org"}).status_code
        == 404
    )
    bad = client.post(f"/follow/concerns/{factories.concern().pk}/", {"email": "nope"})
    assert bad.status_code == 400 and b"Enter an email address" in bad.content
    assert not Subscription.objects.filter(email="nope").exists()


def test_following_a_problem_gets_each_phase_change(client, follow_town, mailbox):
    town = follow_town
    problem = problem_actions.create_problem(
        town.smyrna,
        "Speeding on Main Street",
        "Cars race at night.",
        acting_user=town.smyrna_coordinator,
    )
    subscription, outcome = actions.follow(problem, "gus@example.org")
    assert outcome == "new"
    actions.confirm(subscription)
    mailbox.clear()
    problem_actions.set_phase(
        problem, "analysis", "Counting cars.", acting_user=town.smyrna_coordinator
    )
    [message] = mailbox.wait_for("gus@example.org")
    assert steps.header(message, "Subject") == "Speeding on Main Street: now Analysis"
    assert "Counting cars." in message.get_body(("plain",)).get_content()
    unsubscribe = steps.header(message, "List-Unsubscribe").strip("<>")
    client.post(unsubscribe.replace("http://testserver", ""))
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.UNSUBSCRIBED
    problem_actions.set_phase(problem, "response", acting_user=town.smyrna_coordinator)
    assert len(mailbox.to("gus@example.org")) == 1
    page = client.get(problem.get_absolute_url()).content.decode()
    assert f'action="/follow/problems/{problem.pk}/"' in page
