"""The identity and membership oracles (issue #13, class 2): a public form that takes an email
answers the same whatever the address, and never hands a private link to whoever typed it.

Every public form that takes an address (enumerated from the code: `EMAIL_CODE` finds every
place a request's email is read, and `test_every_email_form_in_the_code_has_a_row` fails until
SITES says which row of FORMS posts it) is posted with each kind of address in ADDRESSES: a new
one, one that did this very thing before and confirmed it, one that did and never confirmed,
the concern's reporter, one that bounced, a staff account's. Each answer, the redirect it gives
and the page the browser then shows (with its counts: supporters, places left...) must be byte
for byte the answer for the new address, apart from the CSRF token and what the request itself
created (a new report's own link and number). No answer may carry the token of anything that
existed before the request: a private link goes to the address, by email, never to the browser.

The rule is written once, in `openbeat.core.emailforms.answer_by_email`; each form view that
answers in the browser must call it (checked from the source).
"""

import json
import re
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
from django.urls import reverse

from openbeat.concerns.models import Concern, Supporter
from openbeat.core import apikeys
from openbeat.events import actions as event_actions
from openbeat.events.models import RSVP, Question, QuestionVote
from openbeat.outreach import actions as outreach_actions
from openbeat.outreach.models import Subscription
from openbeat.problems import actions as problem_actions
from openbeat.problems.models import OwnerKind, Volunteer
from openbeat.projects.models import SignUp
from tests import factories
from tests.outreach import steps
from tests.security import sources

ADDRESSES = {
    "new": "someone.new@example.org",
    "member": "member@example.org",  # did each thing before, and confirmed it
    "pending": "pending@example.org",  # did each thing before, never confirmed
    "reporter": "reporter@example.org",  # reported the concern
    "bounced": "bounced@example.org",  # a mail server refused it for good
    "staff": "officer@example.org",  # a staff account's
}


# -- The forms ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Form:
    name: str  # the URL's name
    kwargs: object = None  # a function of the world: the URL's arguments
    data: object = None  # a function of the world: the form's other fields
    json: bool = False
    # What a new address's request makes, whose own links and numbers its answer may give.
    makes_a_concern: bool = False


def _concern(world):
    return {"pk": world["concern"].pk}


def _occurrence(world):
    occurrence = world["occurrence"]
    return {"slug": occurrence.event.slug, "date_key": occurrence.date_key}


def _question(world):
    question = world["question"]
    return {**_occurrence(world), "pk": question.pk}


def _report(world):
    return {
        "category": "noise",
        "description": "Loud music every night",
        "latitude": "39.301",
        "longitude": "-75.601",
        "confirm_new": "1",
        "name": "A Neighbour",
    }


def _api_report(world):
    fields = {k: v for k, v in _report(world).items() if k != "confirm_new"}  # the form's own
    return {**fields, "latitude": 39.301, "longitude": -75.601}


def _open311_report(world):
    return {
        "jurisdiction_id": "smyrna-pd",
        "service_code": "noise",
        "lat": "39.301",
        "long": "-75.601",
        "description": "Loud music every night",
        "api_key": world["key"],
    }


FORMS = {
    "support": Form("concerns:support", _concern),
    "follow concern": Form("outreach:follow_concern", _concern),
    "follow problem": Form("outreach:follow_problem", lambda w: {"pk": w["problem"].pk}),
    "subscribe": Form(
        "outreach:subscribe", data=lambda w: {"agency": "smyrna-pd", "frequency": "weekly"}
    ),
    "rsvp": Form(
        "events:rsvp_create", _occurrence, lambda w: {"name": "A Neighbour", "party_size": "2"}
    ),
    "sign up": Form(
        "projects:sign_up_create",
        lambda w: {"pk": w["project"].pk},
        lambda w: {"shift": w["shift"].pk, "name": "A Neighbour"},
    ),
    "volunteer": Form(
        "problems:volunteer",
        lambda w: {"pk": w["problem"].pk, "action_id": w["action"].pk},
        lambda w: {"name": "A Neighbour"},
    ),
    "password reset": Form("staff:password_reset"),
    "question": Form(
        "events:question_ask", _occurrence, lambda w: {"text": "Is the crosswalk coming?"}
    ),
    "plus one": Form("events:question_vote", _question),
    "report": Form("concerns:new", data=_report, makes_a_concern=True),
    "api report": Form("api:create_concern", data=_api_report, json=True, makes_a_concern=True),
    "open311 report": Form(
        "open311:requests", lambda w: {"fmt": "json"}, _open311_report, makes_a_concern=True
    ),
}

# Every place that reads an email from a request or a public form, and the rows that post it
# (True: a view answering in the browser, which must use core.emailforms.answer_by_email).
SITES = {
    "concerns/views.py:support": (("support",), True),
    "concerns/forms.py:SupportForm": (("support",), False),
    "concerns/forms.py:ConcernForm": (("report",), False),
    "concerns/actions.py:_clean_contact": (("report", "api report", "open311 report"), False),
    "concerns/api.py:NewConcern": (("api report",), False),
    "open311/views.py:_post_request": (("open311 report",), False),
    "outreach/views.py:subscribe": (("subscribe",), True),
    "outreach/views.py:_follow": (("follow concern", "follow problem"), True),
    "outreach/forms.py:SubscribeForm": (("subscribe",), False),
    "outreach/forms.py:FollowForm": (("follow concern", "follow problem"), False),
    "events/views.py:rsvp_create": (("rsvp",), True),
    "events/forms.py:RSVPForm": (("rsvp",), False),
    "projects/views.py:sign_up": (("sign up",), True),
    "projects/forms.py:SignUpForm": (("sign up",), False),
    "problems/views.py:volunteer": (("volunteer",), True),
    "events/views.py:question_ask": (("question",), True),
    "events/views.py:question_vote": (("plus one",), True),
    "events/forms.py:QuestionForm": (("question",), False),
    # Django's PasswordResetView answers alike for every address; ours adds rate limits.
    "core/password_reset.py:PasswordResetView.form_valid": (("password reset",), False),
}

# `email:` opening a line is a schema's field; one ending in a comma is a typed function's
# parameter (an action's, given the address the form already read), not a request read.
EMAIL_CODE = re.compile(
    r"""\b(?:POST|GET|data|cleaned_data)(?:\.get\(|\[)\s*["']email["']|forms\.EmailField\("""
    r"""|^\s*email\s*:(?!.*,\s*$)|_param\(request,\s*["']email["']"""
)


def test_every_email_form_in_the_code_has_a_row():
    found = sources.sites(EMAIL_CODE)
    missing = sorted(set(found) - set(SITES))
    assert not missing, (
        "These read an email address from a request, and no row of "
        "tests/security/test_email_oracles.py posts every kind of address to them. Add them to "
        f"SITES with the FORMS rows that reach them: {missing}"
    )
    stale = sorted(set(SITES) - set(found))
    assert not stale, f"SITES names places that no longer read an email: {stale}"
    for site, (rows, answers) in SITES.items():
        assert set(rows) <= set(FORMS), f"{site} names rows that do not exist: {rows}"
        if answers:
            assert "answer_by_email(" in found[site], (
                f"{site} answers a form that takes an email without "
                "core.emailforms.answer_by_email, the one rule for such answers"
            )


# -- The world ----------------------------------------------------------------------------------


def _build(town):
    member, pending = ADDRESSES["member"], ADDRESSES["pending"]
    concern = factories.concern(
        category="noise", description="Music at night", email=ADDRESSES["reporter"]
    )
    factories.supporter(concern, member)
    factories.supporter(concern, pending, confirm=False)
    occurrence = factories.event(town, capacity=30).occurrences.get()
    factories.rsvp(occurrence, email=member)
    factories.rsvp(occurrence, email=pending, confirm=False)
    project = factories.project(town, slots=5)
    shift = project.roles.get().shifts.get()
    factories.volunteer(shift, email=member)
    factories.volunteer(shift, email=pending, confirm=False)
    problem = problem_actions.create_problem(
        town.smyrna, "Noise at night", "Music after midnight.", acting_user=town.smyrna_coordinator
    )
    action = problem_actions.add_action(
        problem,
        "Quiet-hours walk",
        OwnerKind.COMMUNITY,
        "Neighbours",
        wants_volunteers=True,
        acting_user=town.smyrna_coordinator,
    )
    offer, _outcome = problem_actions.volunteer(action, "Member", member)
    problem_actions.confirm_volunteer(offer.token)
    problem_actions.volunteer(action, "Pending", pending)
    for target in (concern, problem):
        outreach_actions.confirm(outreach_actions.follow(target, member)[0])
        outreach_actions.follow(target, pending)
    steps.subscriber(town.smyrna, member)
    steps.subscriber(town.smyrna, pending, confirm=False)
    outreach_actions.record_bounce(ADDRESSES["bounced"], "550 no such user")
    get_user_model().objects.filter(pk=town.smyrna_officer.pk).update(email=ADDRESSES["staff"])
    _record, key = apikeys.create_key(town.smyrna, "311 app")
    # A question the reporter asked (address confirmed), +1-ed by the member and the pending.
    question, _created = event_actions.ask_question(
        occurrence, "Will the park lights be fixed?", email=ADDRESSES["reporter"], voter="asker"
    )
    event_actions.confirm_question_email(question.token)
    voted, _outcome = event_actions.plus_one(question, "member-browser", member)
    event_actions.confirm_question_email(voted.token)
    event_actions.plus_one(question, "pending-browser", pending)
    return {
        "question": question,
        "concern": concern,
        "occurrence": occurrence,
        "project": project,
        "shift": shift,
        "problem": problem,
        "action": action,
        "key": key,
    }


# Every private link a resident holds: none may reach the browser that typed an address.
TOKENS = (
    (Concern, "tracking_token"),
    (Concern, "open311_token"),
    (Supporter, "token"),
    (RSVP, "token"),
    (SignUp, "token"),
    (Subscription, "token"),
    (Volunteer, "token"),
    (Question, "token"),
    (QuestionVote, "token"),
)


def _tokens():
    found = set()
    for model, name in TOKENS:
        found.update(t for t in model.objects.values_list(name, flat=True) if t)
    return found


def _made(before_concerns, before_questions=()):
    """Links and numbers of what the request made: its own answer may give them (a question's
    number too: PostgreSQL does not take back the ids of a rolled-back transaction)."""
    made = Concern.objects.exclude(pk__in=before_concerns)
    asked = Question.objects.exclude(pk__in=before_questions)
    return [(c.tracking_token, c.open311_token, c.pk) for c in made] + [
        (None, None, q.pk) for q in asked
    ]


def _plain(text, made):
    # What differs from one page to the next whoever asks: CSRF tokens, a new form's nonce.
    text = re.sub(r'(csrfmiddlewaretoken|name="nonce)" value="[^"]*"', "", text)
    for token, open311_token, pk in made:
        for secret in (token, open311_token):
            if secret:
                text = text.replace(secret, "<its own token>")
        text = re.sub(
            rf'(#q?|/|"id": ?|"service_request_id": ?"|id="q|for="q|"q){pk}\b',
            r"\1<its own id>",
            text,
        )
    return text


def _post(form, world, address):
    """Post the form with this address; (answer, redirect, the page the browser then shows,
    tokens of earlier objects it gives away), all in a transaction rolled back."""
    client = Client(raise_request_exception=False)
    url = reverse(form.name, kwargs=form.kwargs(world) if form.kwargs else None)
    data = {**(form.data(world) if form.data else {}), "email": address}
    with transaction.atomic():
        earlier, concerns = _tokens(), list(Concern.objects.values_list("pk", flat=True))
        questions = list(Question.objects.values_list("pk", flat=True))
        if form.json:
            response = client.post(url, json.dumps(data), content_type="application/json")
        else:
            response = client.post(url, data)
        location = response.get("Location", "")
        shown = client.get(location).content.decode() if response.status_code == 302 else ""
        made = _made(concerns, questions)
        transaction.set_rollback(True)
    body = response.content.decode()
    leaked = sorted(t for t in earlier if t in body or t in location or t in shown)
    answer = (response.status_code, _plain(location, made), _plain(body, made))
    return answer, _plain(shown, made), leaked


def test_every_email_form_answers_alike_for_every_address(town):
    world = _build(town)
    failures, posts = [], 0
    for key, form in FORMS.items():
        expected, expected_page, _leaked = _post(form, world, ADDRESSES["new"])
        if expected[0] >= 400:
            failures.append(f"{key}: a new address is refused ({expected[0]})")
        for kind, address in ADDRESSES.items():
            answer, page, leaked = _post(form, world, address)
            posts += 1
            if leaked:
                failures.append(f"{key} with the {kind} address hands out private links {leaked}")
            if answer != expected:
                failures.append(
                    f"{key} with the {kind} address answers {answer[0]} {answer[1]} "
                    f"({len(answer[2])} bytes) where a new one gets {expected[0]} {expected[1]} "
                    f"({len(expected[2])} bytes)"
                )
            elif page != expected_page:
                failures.append(
                    f"{key} with the {kind} address shows a different page after the redirect "
                    f"({len(page)} bytes, a new address {len(expected_page)} bytes)"
                )
    print(f"email oracle: {posts} posts over {len(FORMS)} forms, {len(failures)} differ")
    assert posts == len(FORMS) * len(ADDRESSES)
    assert not failures, f"{len(failures)} answers tell something about an address:\n" + (
        "\n".join(failures)
    )


def _links_of(world):
    """What each form's "already" email must carry to the member: their own link, which no
    other address may get."""
    member = ADDRESSES["member"]
    concern, problem = world["concern"], world["problem"]
    return {
        "support": concern.supporters.get(email=member).token,
        "follow concern": Subscription.objects.get(concern=concern, email=member).token,
        "follow problem": Subscription.objects.get(problem=problem, email=member).token,
        "subscribe": Subscription.objects.get(kind="news", email=member).token,
        "rsvp": world["occurrence"].rsvps.get(email=member).token,
        "sign up": world["shift"].sign_ups.get(email=member).token,
        # An offer to help has no page of its own: the email says it was confirmed before.
        "volunteer": "had already offered and confirmed",
        "plus one": world["question"].votes.get(email=member).token,
    }


def test_the_address_is_told_by_email_what_the_page_does_not_say(town, mailbox):
    """What happened goes to the address: a member gets its own link again; the reporter who
    supports their own concern gets its tracking link; a bounced address gets nothing."""
    world = _build(town)
    links = _links_of(world)
    client = Client()
    missing = []
    for key, link in links.items():
        form = FORMS[key]
        url = reverse(form.name, kwargs=form.kwargs(world) if form.kwargs else None)
        mailbox.clear()
        client.post(url, {**(form.data(world) if form.data else {}), "email": ADDRESSES["member"]})
        told = [m.get_body(("plain",)).get_content() for m in mailbox.to(ADDRESSES["member"])]
        if len(told) != 1 or link not in told[0]:
            missing.append(f"{key}: {len(told)} emails, none with {link}")
        for kind in ("new", "pending", "reporter", "bounced"):
            mailbox.clear()
            client.post(url, {**(form.data(world) if form.data else {}), "email": ADDRESSES[kind]})
            sent = mailbox.to(ADDRESSES[kind])
            if (kind == "bounced") != (not sent) and not (kind == "reporter" and key != "support"):
                missing.append(f"{key}: {len(sent)} emails to the {kind} address")
            if kind == "reporter" and key == "support":
                body = sent[0].get_body(("plain",)).get_content() if sent else ""
                if world["concern"].tracking_token not in body:
                    missing.append("support: the reporter is not sent their tracking link")
            if any(link in m.get_body(("plain",)).get_content() for m in sent):
                missing.append(f"{key}: the member's news went to the {kind} address")
    assert not missing, missing


@pytest.fixture(autouse=True)
def _quiet_refusals(caplog):
    caplog.set_level("ERROR", logger="django.request")
