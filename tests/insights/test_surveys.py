"""Pulse surveys: invitations the morning after a meeting and after a closure, one answer per
link, walk-ins from the table's QR code, and the refusals that change nothing."""

import re

import pytest

from openbeat.concerns import actions as concern_actions
from openbeat.concerns.models import Status
from openbeat.events import actions as event_actions
from openbeat.insights import surveys
from openbeat.insights.models import SurveyInvitation, SurveyResponse
from tests import factories
from tests.insights.clock import at

GOOD = {"safety": "4", "respect": "5", "fairness": "4", "voice": "3", "comfort": "5"}


def _body(message):
    return message.get_body(("plain",)).get_content()


def _invitation_to(mailbox, address, before=1):
    """The one survey invitation among the messages to `address` (after `before` others)."""
    messages = mailbox.wait_for(address, before + 1)
    invitations = [m for m in messages if "/surveys/" in _body(m)]
    assert len(invitations) == 1, [m["Subject"] for m in messages]
    return invitations[0]


def _survey_link(message):
    body = _body(message)
    links = re.findall(r"http://testserver(/surveys/[\w-]+/)", body)
    assert len(links) == 1, body
    return links[0]


@pytest.fixture
def meeting_with_replies(mailbox):
    """Tomorrow's meeting with two replies (one checked in) and one cancelled reply."""
    town = factories.town()
    occurrence = factories.event(town, start=factories.in_days(1, hour=18)).occurrences.get()
    ann = factories.rsvp(occurrence, "Ann Lee", "ann@example.org")
    factories.rsvp(occurrence, "Bob Ray", "bob@example.org")
    gone = factories.rsvp(occurrence, "Cy Doe", "cy@example.org")
    event_actions.cancel_rsvp(gone.token)
    return town, occurrence, ann


def test_residents_are_invited_the_next_morning_once_and_answer_once(
    client, mailbox, meeting_with_replies
):
    town, occurrence, ann = meeting_with_replies
    with at(factories.in_days(2, hour=8, minute=59)):
        assert surveys.invite_due_meetings() == 0  # the meeting ended last night: not yet
    with at(factories.in_days(2, hour=9)):
        queued = surveys.invite_due_meetings()
        assert surveys.invite_due_meetings() == 0  # the worker's next sweep sends nothing more
    assert queued == SurveyInvitation.objects.count() == 2  # not the cancelled reply
    assert all("How did it go" not in m["Subject"] for m in mailbox.to("cy@example.org"))
    message = _invitation_to(mailbox, "ann@example.org")
    assert "Community Awareness Meeting" in message["Subject"]
    link = _survey_link(message)
    page = client.get(link)
    assert page.status_code == 200 and "Officers treat people with respect" in page.content.decode()

    done = client.post(link, {**GOOD, "comment": "Good meeting, thanks."})
    assert done.status_code == 200 and "Your answer is saved" in done.content.decode()
    answer = SurveyResponse.objects.get()
    assert (answer.safety, answer.comfort, answer.occurrence, answer.via) == (
        4,
        5,
        occurrence,
        "invitation",
    )
    assert answer.area.slug == "smyrna"

    again = client.post(link, GOOD)
    assert "already been used" in again.content.decode()
    assert SurveyResponse.objects.count() == 1


def test_only_residents_checked_in_are_asked_when_staff_checked_people_in(mailbox):
    town = factories.town()
    occurrence = factories.event(town, start=factories.in_days(1)).occurrences.get()
    came = factories.rsvp(occurrence, "Came", "came@example.org")
    factories.rsvp(occurrence, "Stayed home", "home@example.org")
    with at(occurrence.start):
        event_actions.check_in(came, True, acting_user=town.smyrna_officer)
    with at(factories.in_days(3)):
        assert surveys.invite_due_meetings() == 1
    assert _invitation_to(mailbox, "came@example.org")
    assert all("/surveys/" not in _body(m) for m in mailbox.to("home@example.org"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"safety": "6"}, "Choose one answer from 1"),
        ({"voice": "0"}, "Choose one answer from 1"),
        ({"fairness": "three"}, "Choose one answer from 1"),
        ({"comfort": ""}, "Choose one answer from 1"),
        ({"comment": "x" * 2001}, "shorten your comment to 2000"),
    ],
)
def test_an_answer_off_the_scale_is_refused_and_the_link_still_works(town, client, change, message):
    occurrence = factories.event(town, start=factories.in_days(1)).occurrences.get()
    factories.rsvp(occurrence, "Ann", "ann@example.org")
    with at(factories.in_days(3)):
        surveys.invite_due_meetings()
    invitation = SurveyInvitation.objects.get()
    response = client.post(invitation.get_absolute_url(), {**GOOD, **change})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert SurveyResponse.objects.count() == 0
    invitation.refresh_from_db()
    assert not invitation.answered


def test_a_walk_in_answers_from_the_table_after_the_meeting_began(town, client):
    occurrence = factories.event(town, start=factories.in_days(-1)).occurrences.get()
    url = f"/surveys/meetings/{occurrence.event.slug}/{occurrence.date_key}/"
    assert client.get(url).status_code == 200
    assert client.post(url, GOOD).status_code == 200
    assert client.post(url, GOOD).status_code == 200  # a second neighbour at the same table
    assert SurveyResponse.objects.filter(occurrence=occurrence, via="walk_in").count() == 2


def test_a_survey_for_a_meeting_that_has_not_happened_is_refused(town, client):
    occurrence = factories.event(town, start=factories.in_days(2)).occurrences.get()
    url = f"/surveys/meetings/{occurrence.event.slug}/{occurrence.date_key}/"
    for response in (client.get(url), client.post(url, GOOD)):
        assert response.status_code == 400
        assert "has not happened yet" in response.content.decode()
    assert SurveyResponse.objects.count() == 0


def test_walk_ins_are_rate_limited_per_client(town, client):
    occurrence = factories.event(town, start=factories.in_days(-1)).occurrences.get()
    url = f"/surveys/meetings/{occurrence.event.slug}/{occurrence.date_key}/"
    for _answer in range(30):
        assert client.post(url, GOOD).status_code == 200
    refused = client.post(url, GOOD)
    assert refused.status_code == 429 and refused["Retry-After"]
    assert SurveyResponse.objects.count() == 30


def test_the_reporter_of_a_closed_concern_is_invited_once(mailbox, client):
    town = factories.town()
    concern = factories.concern(email="reporter@example.org", name="Rita Reporter")
    quiet = factories.concern(description="Graffiti again, no email left")
    concern_actions.change_status(
        concern, Status.RESOLVED, "Painted over.", acting_user=town.smyrna_officer
    )
    concern_actions.change_status(
        quiet, Status.RESOLVED, "Painted over.", acting_user=town.smyrna_officer
    )
    concern_actions.change_status(
        concern, Status.IN_PROGRESS, "Reopened.", acting_user=town.smyrna_officer
    )
    concern_actions.change_status(
        concern, Status.RESOLVED, "Done again.", acting_user=town.smyrna_officer
    )
    assert SurveyInvitation.objects.count() == 1
    link = _survey_link(_invitation_to(mailbox, "reporter@example.org", before=3))
    assert client.post(link, GOOD).status_code == 200
    answer = SurveyResponse.objects.get()
    assert (answer.kind, answer.concern, answer.area.slug) == ("concern", concern, "smyrna")


def test_an_answer_keeps_nothing_that_points_to_its_giver():
    fields = {f.name for f in SurveyResponse._meta.get_fields()}
    assert fields.isdisjoint({"rsvp", "email", "name", "token", "invitation", "created_at"})
    assert {f.name for f in SurveyInvitation._meta.get_fields()}.isdisjoint({"answered_at"})


def test_the_worker_invites_and_computes_the_dashboards_on_its_rounds(mailbox):
    from openbeat.core.worker import run_periodic_jobs
    from openbeat.insights.models import DashboardSnapshot

    town = factories.town()
    occurrence = factories.event(town, start=factories.in_days(1)).occurrences.get()
    factories.rsvp(occurrence, "Ann", "ann@example.org")
    with at(factories.in_days(3)):
        run_periodic_jobs()
        run_periodic_jobs()
    assert SurveyInvitation.objects.count() == 1
    assert _invitation_to(mailbox, "ann@example.org")
    computed = DashboardSnapshot.objects.filter(computed_at__isnull=False)
    assert set(computed.values_list("agency__slug", flat=True)) == {"smyrna-pd", "clayton-pd"}
