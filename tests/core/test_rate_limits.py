"""Every rate limit in the code answers the same way when it is reached: a 429 with Retry-After
(RFC 9110) that a person and a program can act on, in the caller's format, storing nothing.

The limited actions are found in the source (every `ratelimit.hit("scope", ...)`), so a new limit
without a row here fails `test_every_limit_is_reached_through_its_url`.
"""

import re
from pathlib import Path

from openbeat.core import apikeys, ratelimit
from openbeat.core.models import RateCounter
from openbeat.events import actions as event_actions
from openbeat.problems import actions as problem_actions
from openbeat.problems.models import OwnerKind
from tests import factories

SOURCE = Path(ratelimit.__file__).resolve().parent.parent


def limited_scopes():
    found = set()
    for path in SOURCE.rglob("*.py"):
        found |= set(re.findall(r"""\bhit\(\s*["']([\w.]+)["']""", path.read_text()))
    return found


def _requests(town):
    """How to reach each limit from outside, as a resident, a program or a stranger would."""
    concern = factories.concern()
    occurrence = factories.event(town).occurrences.get()
    past = factories.event(town, title="Past meeting", start=factories.in_days(-1))
    project = factories.project(town)
    problem = problem_actions.create_problem(
        town.smyrna, "Racing", "Cars racing at night.", acting_user=town.smyrna_coordinator
    )
    action = problem_actions.add_action(
        problem,
        "Clean-up day",
        OwnerKind.COMMUNITY,
        "Residents",
        wants_volunteers=True,
        acting_user=town.smyrna_coordinator,
    )
    _record, api_key = apikeys.create_key(town.smyrna, "Dashboard")
    question, _created = event_actions.ask_question(occurrence, "Will the crossing get a guard?")
    questions = f"/events/{occurrence.event.slug}/{occurrence.date_key}/questions"
    lat, lon = factories.SMYRNA_POINT
    report = {"category": "noise", "description": "Loud music", "latitude": lat, "longitude": lon}
    return {
        "concern.submit": ("/concerns/new/", report),
        "concern.support": (f"/concerns/{concern.pk}/support/", {"email": "a@example.org"}),
        "concern.flag": (f"/concerns/{concern.pk}/flag/", {"reason": "Names a person"}),
        "concern.api": ("/api/v1/concerns/", {**report, "latitude": 39.3, "longitude": -75.6}),
        "open311.post": (
            "/open311/v2/requests.json",
            {
                "jurisdiction_id": "smyrna-pd",
                "service_code": "noise",
                "api_key": api_key,
                "lat": lat,
                "long": lon,
                "description": "Loud music",
            },
        ),
        "rsvp.create": (
            f"/events/{occurrence.event.slug}/{occurrence.date_key}/rsvp/",
            {"name": "Resident", "email": "r@example.org", "party_size": "1"},
        ),
        "question.ask": (f"{questions}/ask/", {"text": "And the school bus stop?"}),
        "question.vote": (f"{questions}/{question.pk}/plus-one/", {"email": ""}),
        "project.sign_up": (
            f"/projects/{project.pk}/sign-up/",
            {"name": "Walker", "email": "w@example.org"},
        ),
        "outreach.subscribe": ("/subscribe/", {"agency": "smyrna-pd", "email": "s@example.org"}),
        "outreach.follow": (f"/follow/concerns/{concern.pk}/", {"email": "f@example.org"}),
        "opendata.export": ("/data/concerns.csv", None),
        "problem.volunteer": (
            f"/problems/{problem.pk}/actions/{action.pk}/volunteer/",
            {"name": "Helper", "email": "h@example.org"},
        ),
        "survey.walk_in": (
            f"/surveys/meetings/{past.slug}/{past.occurrences.get().date_key}/",
            {"safety": "4"},
        ),
        "password_reset.client": ("/staff/password-reset/", {"email": "a@example.org"}),
        "password_reset.address": ("/staff/password-reset/", {"email": "b@example.org"}),
    }


def _ask(client, scope, url, data):
    if scope == "concern.api":
        return client.post(url, data, content_type="application/json")
    return client.get(url) if data is None else client.post(url, data)


def test_every_limit_is_reached_through_its_url(client, town):
    requests = _requests(town)
    assert set(requests) == limited_scopes(), (
        "Give each rate-limited action a request that reaches it (tests/core/test_rate_limits.py)"
    )
    found = []
    for scope, (url, data) in requests.items():
        # The first request is counted under whatever key the view uses (the client, the API
        # key, the address asked for); then that window is full.
        _ask(client, scope, url, data)
        counted = RateCounter.objects.filter(scope=scope).update(hits=10**6)
        answer = _ask(client, scope, url, data)
        if not counted:
            found.append(f"{scope} ({url}): the request never reached the limit's counter")
        elif answer.status_code != 429:
            found.append(f"{scope} ({url}): answered {answer.status_code}, not 429")
        elif not answer.get("Retry-After", "").isdigit() or int(answer["Retry-After"]) <= 0:
            found.append(f"{scope} ({url}): 429 without a Retry-After in seconds")
    assert not found, "\n".join(found)
