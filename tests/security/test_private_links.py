"""Lifecycle of private links (issue #13, class 7): every link a resident holds keeps working,
and keeps to what its holder may see, in every state its object can reach.

LINKS has one row per URL pattern that takes a token (enumerated from the resolver: a new one
fails `test_every_private_link_has_a_row`), with the links of each kind of holder (a reporter,
a supporter who confirmed and one who did not, a reply confirmed and one pending...). Each is
opened, and each of its forms sent, after each STATES change made through the real actions:
a moderator hides the text, staff make the concern private, the event is taken off the site,
the meeting is cancelled or moved, a month passes, the resident cancels, the reporter's data is
anonymised, the objects are deleted. No answer may be a 500; none may show text a moderator
hid, or a private concern's text to anyone but its reporter; and no page may link to a page
of the site that no longer exists.
"""

import datetime
import re
from dataclasses import dataclass

from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from openbeat.concerns import actions as concern_actions
from openbeat.concerns.models import Category, Status
from openbeat.events import actions as event_actions
from openbeat.insights import surveys
from openbeat.insights.models import SurveyInvitation
from openbeat.outreach import actions as outreach_actions
from openbeat.outreach import links as outreach_links
from openbeat.problems import actions as problem_actions
from openbeat.problems.models import ActionStatus, OwnerKind
from openbeat.problems.tasks import opt_out_token
from openbeat.projects import actions as project_actions
from openbeat.retention import actions as retention
from openbeat.retention.models import Reason
from tests import factories
from tests.concerns.images import jpeg_with_gps
from tests.insights import clock
from tests.security.test_access_matrix import url_patterns

HIDDEN_TEXT = "Xylo the neighbour at number 12 is a dealer"
HIDDEN_RESPONSE = "Xylo officer's note naming the neighbour"


@dataclass(frozen=True)
class Holder:
    """One resident's link: whose it is, its path, and what they may send to it."""

    who: str
    path: str
    posts: tuple = ({},)
    reporter: bool = False  # the concern's reporter: may read its own text, even private
    refused_in: tuple = ()  # states in which what it sends must be refused (a 4xx)
    outlives: bool = False  # still answers once the objects are deleted (else a 404)
    opens: bool = True  # a page to open; False: a button's address (POST only)


def _world(town):
    world = {"town": town}
    concern = factories.concern(
        category="drug-activity",
        description=HIDDEN_TEXT,
        email="reporter@example.org",
        photos=[jpeg_with_gps()],
    )
    concern_actions.respond(concern, HIDDEN_RESPONSE, acting_user=town.smyrna_officer)
    world["concern"] = concern
    world["supporter"] = factories.supporter(concern, "supporter@example.org")
    world["pending_supporter"] = factories.supporter(concern, "later@example.org", confirm=False)
    world["follow"] = outreach_actions.follow(concern, "follower@example.org")[0]
    outreach_actions.confirm(world["follow"])
    world["news"] = outreach_actions.subscribe(town.smyrna, "news@example.org")[0]
    event = factories.event(town, capacity=10)
    occurrence = event.occurrences.get()
    world["event"], world["occurrence"] = event, occurrence
    world["rsvp"] = factories.rsvp(occurrence, email="coming@example.org")
    world["pending_rsvp"] = factories.rsvp(occurrence, email="maybe@example.org", confirm=False)
    surveys.invite_meeting(occurrence)
    world["question"] = event_actions.ask_question(
        occurrence, "Will the park lights be fixed?", email="asker@example.org", voter="asker"
    )[0]
    world["plus_one"] = event_actions.plus_one(world["question"], "neighbour", "plus@example.org")[
        0
    ]
    world["invitation"] = SurveyInvitation.objects.get(rsvp=world["rsvp"])
    project = factories.project(town)
    shift = project.roles.get().shifts.get()
    world["project"], world["shift"] = project, shift
    world["sign_up"] = factories.volunteer(shift, email="walker@example.org")
    world["pending_sign_up"] = factories.volunteer(shift, email="unsure@example.org", confirm=False)
    problem = problem_actions.create_problem(
        town.smyrna,
        "Dealing by the shelter",
        "Reports of dealing.",
        concerns=[concern],
        acting_user=town.smyrna_coordinator,
    )
    action = problem_actions.add_action(
        problem,
        "Evening walk",
        OwnerKind.COMMUNITY,
        "Neighbours",
        wants_volunteers=True,
        acting_user=town.smyrna_coordinator,
    )
    world["problem"], world["action"] = problem, action
    world["offer"] = problem_actions.volunteer(action, "Helper", "helper@example.org")[0]
    # Closed: its reporter is asked for feedback.
    concern_actions.change_status(
        concern, Status.RESOLVED, "Patrols added.", acting_user=town.smyrna_officer
    )
    world["concern_invitation"] = SurveyInvitation.objects.get(concern=concern)
    private = Category.objects.get(agency=town.smyrna, slug="officer-conduct")
    world["complaint"] = factories.concern(category=private.slug, description="Xylo complaint")
    return world


# A closure is contested within 30 days, and an anonymised concern's old link leads nowhere.
CONTEST = {"posts": ({"reason": "Still there"},), "refused_in": ("a month later",)}
ENDED = ("cancelled by staff", "a month later", "cancelled by the resident")


def _track(world, key, who, **extra):
    token = world[key].tracking_token if key == "concern" else world[key].token
    return Holder(who, reverse("concerns:track", args=[token]), **extra)


# The links of each URL pattern that takes a token, by holder, with what each may send.
LINKS = {
    "concerns:track": lambda w: [
        _track(w, "concern", "reporter", reporter=True, **CONTEST),
        _track(w, "supporter", "supporter", **CONTEST),
        _track(w, "pending_supporter", "unconfirmed supporter"),
    ],
    "concerns:support_confirm": lambda w: [
        Holder(
            "unconfirmed supporter",
            reverse("concerns:support_confirm", args=[w["pending_supporter"].token]),
            opens=False,
        )
    ],
    "forget_my_data": lambda w: [
        Holder(
            "reporter", reverse("forget_my_data", args=[w["concern"].tracking_token]), reporter=True
        )
    ],
    "rsvp": lambda w: [
        Holder("resident coming", reverse("rsvp", args=[w["rsvp"].token])),
        Holder("resident unconfirmed", reverse("rsvp", args=[w["pending_rsvp"].token])),
    ],
    "rsvp_confirm": lambda w: [
        Holder(
            "resident unconfirmed",
            reverse("rsvp_confirm", args=[w["pending_rsvp"].token]),
            refused_in=ENDED,
            opens=False,
        )
    ],
    "question_email": lambda w: [
        Holder(who, reverse("question_email", args=[w[key].token]))
        for who, key in (("asker", "question"), ("+1-er", "plus_one"))
    ],
    "insights:survey": lambda w: [
        Holder(
            f"{kind} invitee",
            reverse("insights:survey", args=[w[key].token]),
            posts=({"safety": "4", "trust": "4", "listened": "4", "fair": "4", "informed": "4"},),
        )
        for kind, key in (("meeting", "invitation"), ("closure", "concern_invitation"))
    ],
    "projects:sign_up": lambda w: [
        Holder("volunteer", reverse("projects:sign_up", args=[w["sign_up"].token])),
        Holder(
            "unconfirmed volunteer", reverse("projects:sign_up", args=[w["pending_sign_up"].token])
        ),
    ],
    "projects:confirm": lambda w: [
        Holder(
            "unconfirmed volunteer", reverse("projects:confirm", args=[w["pending_sign_up"].token])
        )
    ],
    "problems:volunteer_confirm": lambda w: [
        Holder(
            "helper",
            reverse("problems:volunteer_confirm", args=[w["offer"].token]),
            refused_in=("cancelled by staff",),
        )
    ],
    "problems:opt_out": lambda w: [
        Holder(
            "follower of the problem",
            reverse(
                "problems:opt_out", args=[opt_out_token(w["problem"].pk, "reporter@example.org")]
            ),
        )
    ],
    "outreach:confirm": lambda w: [
        Holder("subscriber", reverse("outreach:confirm", args=[w["news"].token]), outlives=True)
    ],
    "outreach:manage": lambda w: [
        Holder(
            "follower of the concern",
            reverse("outreach:manage", args=[w["follow"].token]),
            posts=({"unsubscribe": "1"},),
        ),
        Holder("subscriber", reverse("outreach:manage", args=[w["news"].token]), outlives=True),
    ],
    "outreach:unsubscribe": lambda w: [
        Holder(
            "follower of the concern",
            reverse(
                "outreach:unsubscribe",
                args=[outreach_links.unsubscribe_token(w["follow"].pk, w["follow"].email)],
            ),
            outlives=True,  # RFC 8058: it keeps answering once the subscription is gone
        )
    ],
    "open311:token": lambda w: [
        Holder(
            "an Open311 app",
            reverse(
                "open311:token", kwargs={"token_id": w["complaint"].open311_token, "fmt": "json"}
            )
            + "?jurisdiction_id=smyrna-pd",
            posts=(),
        )
    ],
    # Staff's own: a password reset link, whose account is not a resident's object.
    "staff:password_reset_confirm": lambda w: [],
}


def _moderated(w):
    coordinator = w["town"].smyrna_coordinator
    concern = w["concern"]
    concern_actions.set_hidden(concern, True, "Names a neighbour", acting_user=coordinator)
    concern_actions.set_hidden(
        concern.updates.get(body=HIDDEN_RESPONSE), True, "x", acting_user=coordinator
    )
    concern_actions.set_hidden(concern.photos.get(), True, "Shows a face", acting_user=coordinator)
    event_actions.set_question_hidden(w["question"], True, "Off topic", acting_user=coordinator)


def _made_private(w):
    concern = w["concern"]
    concern_actions.reclassify(
        concern, concern.category, True, acting_user=w["town"].smyrna_coordinator
    )


def _unpublished(w):
    event, project = w["event"], w["project"]
    event.is_published = False
    event_actions.save_event(event, is_new=False, acting_user=w["town"].smyrna_coordinator)
    project_actions.save_project(
        project, is_published=False, acting_user=w["town"].smyrna_coordinator
    )


def _cancelled(w):
    coordinator = w["town"].smyrna_coordinator
    event_actions.cancel_occurrence(w["occurrence"], "Snow", acting_user=coordinator)
    project_actions.cancel_shift(w["shift"], "Storm warning.", acting_user=coordinator)
    problem_actions.set_action_status(w["action"], ActionStatus.DROPPED, acting_user=coordinator)


def _moved(w):
    start = timezone.now() + datetime.timedelta(days=20)
    event_actions.move_occurrence(
        w["occurrence"], start, None, "", acting_user=w["town"].smyrna_coordinator
    )


def _residents_cancel(w):
    event_actions.cancel_rsvp(w["rsvp"].token)
    event_actions.cancel_rsvp(w["pending_rsvp"].token)
    project_actions.cancel_sign_up(w["sign_up"].token)
    outreach_actions.unsubscribe(w["follow"])


def _anonymised(w):
    retention.anonymise(w["concern"], Reason.REQUEST)


def _deleted(w):
    for key in ("concern", "event", "project", "problem", "complaint"):
        w[key].delete()


# Each state, made through the real actions, with the clock it is seen at.
STATES = {
    "as made": (None, 0),
    "hidden by a moderator": (_moderated, 0),
    "made private": (_made_private, 0),
    "taken off the site": (_unpublished, 0),
    "cancelled by staff": (_cancelled, 0),
    "moved": (_moved, 0),
    "a month later": (None, 32),
    "cancelled by the resident": (_residents_cancel, 0),
    "anonymised": (_anonymised, 0),
    "deleted": (_deleted, 0),
}


def test_every_private_link_has_a_row():
    routed = {p.key for p in url_patterns() if any("token" in a for a in p.arguments)}
    assert routed == set(LINKS), (
        "Each URL that takes a token (a resident's private link) needs a row in LINKS of "
        f"tests/security/test_private_links.py: missing {sorted(routed - set(LINKS))}, "
        f"stale {sorted(set(LINKS) - routed)}"
    )


def _fresh(world):
    """The world's objects read again: each state starts from the stored rows."""
    return {k: type(v).objects.get(pk=v.pk) if hasattr(v, "pk") else v for k, v in world.items()}


HREF = re.compile(r'href="(/[^"#?]*)')


def _get(client, path):
    response = client.get(path)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, body.decode("utf-8", "replace")


def _problems(client, holder, state, world, layout):
    """What is wrong with one holder's link in one state (each request rolled back)."""
    found = []
    forbidden = [HIDDEN_RESPONSE] if state == "hidden by a moderator" else []
    if state in ("hidden by a moderator", "made private") and not holder.reporter:
        forbidden.append(HIDDEN_TEXT)
    for data in ((None,) if holder.opens else ()) + tuple(holder.posts):
        with transaction.atomic():
            if data is None:
                status, body = _get(client, holder.path)
                label = "GET"
            else:
                response = client.post(holder.path, data)
                status, body = response.status_code, response.content.decode()
                label = f"POST {sorted(data)}"
            links = set(HREF.findall(body)) - layout if status < 400 else set()
            dead = []
            for link in sorted(links):
                if not link.startswith(("/static/", "/media/")) and _get(client, link)[0] in (
                    404,
                    500,
                ):
                    dead.append(link)
            transaction.set_rollback(True)
        where = f"{state}: {label} {holder.path} ({holder.who})"
        if status >= 500:
            found.append(f"{where} answers {status}")
        elif state == "deleted" and not holder.outlives and status != 404:
            found.append(f"{where} answers {status} for an object that is gone (not a 404)")
        elif data is not None and state in holder.refused_in and status < 400:
            found.append(f"{where} is taken ({status}) though it can no longer be")
        found += [f"{where} shows {text!r}" for text in forbidden if text in body]
        found += [f"{where} links to {link}, which is gone" for link in dead]
    return found


def test_private_links_work_and_keep_to_their_holder_in_every_state(town, caplog):
    caplog.set_level("CRITICAL", logger="django.request")
    world = _world(town)
    client = Client(raise_request_exception=False)
    layout = set(HREF.findall(_get(client, "/")[1]))  # the header's and footer's links
    failures, opened = [], 0
    for state, (change, days) in STATES.items():
        with transaction.atomic():
            if change is not None:
                change(_fresh(world))
            with clock.at(timezone.now() + datetime.timedelta(days=days)):
                for links in LINKS.values():
                    for holder in links(world):
                        opened += 1
                        failures += _problems(client, holder, state, world, layout)
            transaction.set_rollback(True)
    print(f"private links: {opened} links opened in {len(STATES)} states, {len(failures)} wrong")
    assert not failures, f"{len(failures)} wrong answers:\n" + "\n".join(failures)
