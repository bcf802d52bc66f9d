"""Questions to a meeting (issue #17): asked without an account, +1-ed once per person,
moderated and answered by the hosting agency's staff, the answer emailed to addresses that
confirmed, shown under the minutes, and turned into a concern or attached to a problem case."""

import re

import pytest
from django.test import Client

from openbeat.concerns.models import Concern
from openbeat.core.models import AuditEvent
from openbeat.events import views as event_views
from openbeat.events.models import Question, QuestionVote
from openbeat.problems import actions as problem_actions
from tests import factories


@pytest.fixture
def meeting(town):
    return factories.event(town).occurrences.get()


def _base(occurrence):
    return f"/events/{occurrence.event.slug}/{occurrence.date_key}/questions/"


def _ask(client, occurrence, text="Will the speed cameras on Main Street stay?", **extra):
    data = {"text": text, "nonce": "", **extra}
    return client.post(_base(occurrence) + "ask/", data)


def _plus_one(client, question, email=""):
    return client.post(_base(question.occurrence) + f"{question.pk}/plus-one/", {"email": email})


def _link(message):
    body = message.get_body(("plain",)).get_content()
    return re.search(r"https?://\S+/questions/[\w-]+/", body).group(0)


def _confirm(client, message):
    path = "/" + _link(message).split("/", 3)[3]
    assert client.get(path).status_code == 200
    assert client.post(path).status_code == 302


def _moderate(client, question, **data):
    return client.post(f"/staff/meetings/{question.occurrence_id}/questions/{question.pk}/", data)


def _page(client, occurrence):
    return client.get(_base(occurrence)).content.decode()


def test_ask_plus_one_answer_and_email_the_confirmed_addresses(town, meeting, mailbox):
    asker, neighbour, shy, staff = Client(), Client(), Client(), Client()
    answer = _ask(asker, meeting, name="Ana Private", email="ana@example.org")
    assert answer.status_code == 302
    question = Question.objects.get()
    assert question.asker_name == "Ana Private" and not question.show_name
    _confirm(Client(), mailbox.wait_for("ana@example.org")[0])

    assert _plus_one(neighbour, question, "ben@example.org").status_code == 302
    assert _plus_one(neighbour, question).status_code == 302  # the same person again
    assert _plus_one(asker, question).status_code == 302  # the asker's own +1: counted already
    _plus_one(shy, question, "cy@example.org")  # never confirms
    _confirm(Client(), mailbox.wait_for("ben@example.org")[0])
    page = _page(Client(), meeting)
    assert "2 +1s" in page
    for private in ("Ana Private", "ana@example.org", "ben@example.org", "cy@example.org"):
        assert private not in page
    assert "Asked by a neighbor" in page

    staff.force_login(town.smyrna_officer)
    assert _moderate(staff, question, do="answer", answer="Yes, until March.").status_code == 302
    [to_ana] = mailbox.wait_for("ana@example.org", count=2)[1:]
    assert "Yes, until March." in to_ana.get_body(("plain",)).get_content()
    assert len(mailbox.wait_for("ben@example.org", count=2)) == 2
    assert len(mailbox.to("cy@example.org")) == 1  # only the confirmation it never used
    # Correcting the answer emails no one again.
    _moderate(staff, question, do="answer", answer="Yes, until the end of March.")
    assert len(mailbox.to("ana@example.org")) == 2

    meeting_page = Client().get(meeting.get_absolute_url()).content.decode()
    assert "Questions answered" in meeting_page and "until the end of March" in meeting_page
    assert "Ana Private" not in meeting_page and "ana@example.org" not in meeting_page
    assert AuditEvent.objects.filter(action="question.answer").count() == 2


def test_a_name_is_shown_only_when_the_asker_chose_it(meeting):
    _ask(Client(), meeting, text="First question here?", name="Dana Shown", show_name="on")
    _ask(Client(), meeting, text="Second question here?", name="Eli Hidden")
    page = _page(Client(), meeting)
    assert "Asked by Dana Shown" in page and "Eli Hidden" not in page
    live = Client().get(_base(meeting) + "live/list/").content.decode()
    assert "Dana Shown" in live and "Eli Hidden" not in live


def test_bad_questions_are_refused_and_nothing_is_kept(meeting):
    client = Client()
    assert _ask(client, meeting, text="").status_code == 400
    assert "Write your question." in _ask(client, meeting, text=" ").content.decode()
    assert _ask(client, meeting, text="x" * 501).status_code == 400
    refused = _ask(client, meeting, show_name="on")
    assert refused.status_code == 400
    assert "Give the name to show" in refused.content.decode()
    assert _ask(client, meeting, email="not-an-address").status_code == 400
    assert not Question.objects.exists()


def test_honeypot_keeps_nothing_and_the_same_form_twice_makes_one(meeting):
    client = Client()
    assert _ask(client, meeting, website="http://spam.example").status_code == 302
    assert not Question.objects.exists()
    _ask(client, meeting, nonce="same-form")
    _ask(client, meeting, nonce="same-form")
    assert Question.objects.count() == 1


def test_asking_too_often_is_refused_with_429(meeting):
    client = Client()
    most = event_views.ASK_LIMIT[0]  # a room behind one address, not a bot
    for n in range(most):
        assert _ask(client, meeting, text=f"Question number {n}?").status_code == 302
    refused = _ask(client, meeting, text="One too many?")
    assert refused.status_code == 429 and refused["Retry-After"]
    assert Question.objects.count() == most


def test_hide_needs_a_reason_kept_in_the_audit_log(town, meeting):
    _ask(Client(), meeting, text="Something rude about a neighbour")
    question = Question.objects.get()
    staff = Client()
    staff.force_login(town.smyrna_officer)
    refused = _moderate(staff, question, do="hide", reason=" ")
    assert refused.status_code == 400 and "Give the reason" in refused.content.decode()
    assert _moderate(staff, question, do="hide", reason="Names a private person").status_code == 302
    assert "Something rude" not in _page(Client(), meeting)
    assert "Something rude" not in Client().get(_base(meeting) + "live/").content.decode()
    event = AuditEvent.objects.get(action="question.hide")
    assert event.after["reason"] == "Names a private person"


def test_merge_moves_plus_ones_without_counting_anyone_twice(town, meeting, mailbox):
    alice, bob, carol = Client(), Client(), Client()
    _ask(alice, meeting, text="When is the crosswalk on Main Street coming?")
    _ask(bob, meeting, text="Crosswalk at Main Street: when?", email="bob@example.org")
    kept, duplicate = Question.objects.order_by("pk")
    _confirm(Client(), mailbox.wait_for("bob@example.org")[0])
    _plus_one(carol, kept)
    _plus_one(carol, duplicate)  # carol +1-ed both: she counts once after the merge
    _plus_one(alice, duplicate)  # alice asked the question kept: nothing more
    staff = Client()
    staff.force_login(town.smyrna_officer)
    assert _moderate(staff, duplicate, do="merge", into=str(kept.pk)).status_code == 302
    # carol, and bob (the duplicate's asker) as a +1
    assert QuestionVote.objects.filter(question=kept, counts=True).count() == 2
    # Sent again from a phone's queue: answered as the first time, nothing moves twice.
    assert _moderate(staff, duplicate, do="merge", into=str(kept.pk)).status_code == 302
    assert QuestionVote.objects.filter(question=kept, counts=True).count() == 2
    assert AuditEvent.objects.filter(action__startswith="question.merge").count() == 1
    assert not QuestionVote.objects.filter(question=duplicate).exists()
    page = _page(Client(), meeting)
    assert "Crosswalk at Main Street: when?" not in page and "2 +1s" in page
    _moderate(staff, kept, do="answer", answer="In the spring.")
    assert "In the spring." in mailbox.wait_for("bob@example.org", count=2)[1].get_content()


def test_a_question_becomes_a_concern_in_one_step_and_links_both_ways(town, meeting):
    _ask(Client(), meeting, text="Cars race on Glenwood Avenue every night.")
    question = Question.objects.get()
    staff = Client()
    staff.force_login(town.smyrna_officer)
    assert _moderate(staff, question, do="concern", category="speeding-traffic").status_code == 302
    question.refresh_from_db()
    concern = question.concern
    assert concern.description == question.text and concern.raised_at_id == meeting.pk
    assert concern.reporter_name == "" and concern.source == "meeting"
    assert f"/concerns/{concern.pk}/" in _page(Client(), meeting)
    assert question.get_absolute_url().split("#")[0] in (
        Client().get(concern.get_absolute_url()).content.decode()
    )
    # The same step sent again (a phone's queue sends an entry twice): the same concern, named.
    again = _moderate(staff, question, do="concern", category="speeding-traffic")
    assert again.status_code == 302
    assert Concern.objects.count() == 1
    followed = staff.get(again["Location"]).content.decode()
    assert f"Logged as concern #{concern.pk}." in followed


def test_attach_to_a_problem_case_of_the_host_only(town, meeting):
    _ask(Client(), meeting, text="What is being done about the dumping behind the mall?")
    question = Question.objects.get()
    mine = problem_actions.create_problem(
        town.smyrna, "Dumping behind the mall", "Bags left weekly.", acting_user=None
    )
    theirs = problem_actions.create_problem(
        town.clayton, "Clayton noise", "Music at night.", acting_user=None
    )
    staff = Client()
    staff.force_login(town.smyrna_officer)
    assert _moderate(staff, question, do="problem", problem=str(theirs.pk)).status_code == 404
    assert _moderate(staff, question, do="problem", problem=str(mine.pk)).status_code == 302
    problem_page = Client().get(mine.get_absolute_url()).content.decode()
    assert "dumping behind the mall?" in problem_page
    assert mine.get_absolute_url() in _page(Client(), meeting)


def test_another_agency_cannot_see_or_moderate(town, meeting):
    _ask(Client(), meeting)
    question = Question.objects.get()
    url = f"/staff/meetings/{meeting.pk}/questions/"
    for outsider in (town.clayton_officer, town.clayton_coordinator, town.outsider):
        client = Client()
        client.force_login(outsider)
        assert client.get(url).status_code == 404
        assert _moderate(client, question, do="hide", reason="x").status_code == 404
    assert Client().get(url).status_code == 302  # to sign in
    question.refresh_from_db()
    assert not question.is_hidden
    host = Client()
    host.force_login(town.smyrna_officer)
    page = host.get(url)
    assert page.status_code == 200 and "<svg" in page.content.decode()


def test_live_view_orders_by_plus_ones_and_updates_after_a_write(meeting):
    _ask(Client(), meeting, text="Quiet question?")
    _ask(Client(), meeting, text="Popular question?")
    live_url = _base(meeting) + "live/list/"
    first = Client().get(live_url).content.decode()
    assert first.index("Quiet question?") < first.index("Popular question?")
    popular = Question.objects.get(text="Popular question?")
    _plus_one(Client(), popular)
    _plus_one(Client(), popular)
    after = Client().get(live_url).content.decode()  # the cached fragment was replaced
    assert after.index("Popular question?") < after.index("Quiet question?")
    page = Client().get(_base(meeting) + "live/").content.decode()
    assert "<svg" in page and "live.js" in page and 'http-equiv="refresh"' in page


def test_the_question_page_speaks_spanish(meeting):
    page = Client().get(_base(meeting), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<html lang="es">' in page
    assert "Haga una pregunta" in page and "Ask a question" not in page
    live = Client().get(_base(meeting) + "live/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Preguntas para" in live


def test_addresses_that_never_confirm_are_forgotten_after_a_week(meeting):
    import datetime

    from django.utils import timezone

    from openbeat.events import actions

    question, _ = actions.ask_question(meeting, "Any news on the park lights?", email="a@x.org")
    actions.plus_one(question, "neighbour", "b@x.org")
    actions.plus_one(question, "neighbour", "c@x.org")  # a second address from one browser
    assert actions.forget_unconfirmed_question_emails() == 0
    later = timezone.now() + datetime.timedelta(days=8)
    assert actions.forget_unconfirmed_question_emails(later) == 3
    question.refresh_from_db()
    assert question.asker_email == ""
    assert list(question.votes.values_list("email", "counts")) == [("", True)]  # still counted
    assert actions.forget_unconfirmed_question_emails(later) == 0


@pytest.mark.parametrize("into", ["", "abc", "987654321"])
def test_merging_into_nothing_is_refused_and_changes_nothing(town, meeting, into):
    _ask(Client(), meeting)
    question = Question.objects.get()
    staff = Client()
    staff.force_login(town.smyrna_officer)
    refused = _moderate(staff, question, do="merge", into=into)
    assert refused.status_code == 400 and "Choose the question to keep." in refused.content.decode()
    question.refresh_from_db()
    assert question.merged_into_id is None


def test_merging_into_an_answered_question_sends_its_answer(town, meeting, mailbox):
    _ask(Client(), meeting, text="Will Main Street get a crosswalk?")
    _ask(Client(), meeting, text="Crosswalk on Main?", email="late@example.org")
    kept, duplicate = Question.objects.order_by("pk")
    _confirm(Client(), mailbox.wait_for("late@example.org")[0])
    staff = Client()
    staff.force_login(town.smyrna_officer)
    _moderate(staff, kept, do="answer", answer="Yes, in April.")
    _moderate(staff, duplicate, do="merge", into=str(kept.pk))
    assert "Yes, in April." in mailbox.wait_for("late@example.org", count=2)[1].get_content()
