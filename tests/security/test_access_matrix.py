"""The access matrix: every URL pattern × every kind of person × every object each agency owns.

The URL patterns come from Django's resolver (public pages, staff pages, the admin, the JSON API,
Open311, feeds, media), so a new view cannot escape: `test_every_url_pattern_has_a_row` fails
until TABLE says who may use it. TABLE is the one place where the answer each cell must give is
declared, as a rule per row and method; a rule turns (person, object) into the expected status.

The rule the issue states, and every row follows: another agency's private object is a 404 —
never a 403, never a 200 — and answers exactly as an id that does not exist (the MISSING kind
fills staff and admin URLs with one, for every person). The admin says "not found" in Django's
own way (a redirect to its index with a message, showing no data), and refuses a view a role
never allows with a model-wide 403 whatever the id (see AdminView).

Every answer, whatever its status, is also searched for the secrets of every object (reporter
contacts, private descriptions, RSVP and tracking tokens, internal notes...): a secret may only
reach its agency's staff, a superuser, and the resident holding the object's link on that link's
own page.

Cells that show a real defect today are listed in KNOWN_DEFECTS with the reason; they run as
strict xfail tests of their own, so fixing the code turns them into failures that ask for the
entry to be removed.
"""

import copy
import datetime
import json
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import pytest
from django.contrib import admin
from django.db import transaction
from django.template import Template
from django.test import Client, override_settings
from django.test.utils import _TestState
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from tests import factories
from tests.security.world import (
    ADMIN,
    AGENCIES,
    COORDINATOR,
    MISSING,
    MISSING_ID,
    OFFICER,
    PEOPLE,
)

# Each test runs in a savepoint of the module's transaction (see the `world` fixture); the mark
# also makes pytest-django create the test database when only this module runs.
pytestmark = pytest.mark.django_db

SUPERUSER_ONLY = 98  # a rank no agency role reaches: only a superuser may
NOBODY = 99  # not even a superuser: the model admin refuses it to everyone

# -- What a cell may answer -------------------------------------------------------------------


class Expect(NamedTuple):
    status: int
    location: str | None = None  # a redirect's target: its start, or all of it when exact
    exact: bool = False

    def __str__(self):
        return f"{self.status} → {self.location}" if self.location else str(self.status)


LOGIN = Expect(302, "/staff/login/?next=")
ADMIN_LOGIN = Expect(302, "/admin/login/?next=")
# The admin's "doesn't exist" for a row outside the user's queryset: back to its index.
ADMIN_GONE = Expect(302, "/admin/", exact=True)


def _sees(person, thing, minimum=OFFICER, owner_only=False):
    """Whether this person's agency role reaches the object (as the access helper decides)."""
    if not thing.exists:
        return False
    if person.superuser:
        return True
    if person.agency is None or person.rank < minimum:
        return False
    return person.agency == thing.owner if owner_only else person.agency in thing.agencies


def _allowed(person, level):
    """Whether a person holds `level` in some agency (the admin's model-wide permissions)."""
    if level == NOBODY:
        return False
    if person.superuser:
        return True
    return person.signed_in and level != SUPERUSER_ONLY and person.rank >= level


# -- The rules: (person, object, fixed URL values) -> Expect --------------------------------------


@dataclass(frozen=True)
class Rule:
    ok: int = 200

    uses_tokens = False  # fills the URL from the object's token, not its id
    shows_holder = False  # the token's holder may see the object's secrets on the page

    def __call__(self, person, thing, fixed):
        raise NotImplementedError

    def __str__(self):
        return f"{type(self).__name__}({self.ok})"


class Public(Rule):
    """Anyone, whoever they are."""

    def __call__(self, person, thing, fixed):
        return Expect(self.ok)


class PublicObject(Rule):
    """Anyone, when the object is public; a 404 for everyone (staff too) when it is not."""

    def __call__(self, person, thing, fixed):
        return Expect(self.ok if thing.public else 404)


@dataclass(frozen=True)
class Token(Rule):
    """Whoever holds the link's token; anyone else tries the sequential id and gets a 404.

    The holder may see the object's own secrets on its page (a reporter reads their concern),
    unless `shows_holder` is off: an Open311 app's token shows nothing private.
    """

    shows_holder: bool = True
    uses_tokens = True

    def __call__(self, person, thing, fixed):
        return Expect(self.ok if person.holds_tokens else 404)


class ResetLink(Rule):
    """A password-reset link: its holder is sent on to choose a password; anyone else (here
    trying the link's second step without the first) gets Django's "invalid link" page."""

    uses_tokens = True

    def __call__(self, person, thing, fixed):
        return Expect(302 if person.holds_tokens else 200)


class StaffPage(Rule):
    """Any signed-in account; it shows only the account's own agencies' rows."""

    def __call__(self, person, thing, fixed):
        return Expect(self.ok) if person.signed_in else LOGIN


@dataclass(frozen=True)
class CoordinatorPage(Rule):
    """A coordinator (or `minimum`) of some agency; any other account is told it may not (403)."""

    minimum: int = COORDINATOR

    def __call__(self, person, thing, fixed):
        if not person.signed_in:
            return LOGIN
        return Expect(self.ok if _allowed(person, self.minimum) else 403)


@dataclass(frozen=True)
class StaffObject(Rule):
    """Staff of the owner (or co-host, unless owner_only) with `minimum` rank; else a 404."""

    minimum: int = OFFICER
    owner_only: bool = False

    def __call__(self, person, thing, fixed):
        if not person.signed_in:
            return LOGIN
        return Expect(self.ok if _sees(person, thing, self.minimum, self.owner_only) else 404)


@dataclass(frozen=True)
class ApiStaff(Rule):
    """The staff API: an agency key or a staff session; another agency's row is a 404."""

    def __call__(self, person, thing, fixed):
        is_staff = person.api_key or person.superuser or (person.signed_in and person.rank)
        if not is_staff:
            return Expect(401)
        return Expect(self.ok if thing is None or _sees(person, thing) else 404)


class AgencyStaffPage(Rule):
    """A page about one of the account's agencies: an account without any gets a 404."""

    def __call__(self, person, thing, fixed):
        if not person.signed_in:
            return LOGIN
        return Expect(self.ok if person.superuser or person.rank else 404)


class Open311Post(Rule):
    """Open311 writes need an agency's api_key parameter; without one, the spec's 403."""

    def __call__(self, person, thing, fixed):
        return Expect(self.ok if person.api_key else 403)


class AdminSignedIn(Rule):
    """Any signed-in account with is_staff; everyone else is sent to the admin's sign-in."""

    def __call__(self, person, thing, fixed):
        return Expect(self.ok) if person.signed_in else ADMIN_LOGIN


class AdminLoginPage(Rule):
    def __call__(self, person, thing, fixed):
        return Expect(302, "/admin/", exact=True) if person.signed_in else Expect(200)


SCOPED_APPS = {"core", "events", "concerns", "outreach"}


class AdminAppIndex(Rule):
    """An app's page lists only models the account may use; with none, the app is a 404."""

    def __call__(self, person, thing, fixed):
        if not person.signed_in:
            return ADMIN_LOGIN
        agency_staff = person.rank > 0 and fixed["app_label"] in SCOPED_APPS
        return Expect(200 if person.superuser or agency_staff else 404)


class AdminCatchAll(Rule):
    def __call__(self, person, thing, fixed):
        return Expect(404) if person.signed_in else ADMIN_LOGIN


class ViewOnSite(Rule):
    """The admin's "view on site" redirect: public objects for any staff account, private ones
    only for staff who may see them (the redirect names the object, a token for an RSVP)."""

    def __call__(self, person, thing, fixed):
        if not person.signed_in:
            return ADMIN_LOGIN
        return Expect(302 if thing.public or _sees(person, thing) else 404)


@dataclass(frozen=True)
class AdminModel:
    """How one model's admin answers.

    Scoped models (AgencyScopedAdmin) filter rows through the access helper: any agency role may
    view, `add` and `delete` name the rank needed, and a row outside the account's agencies is
    "not found" (ADMIN_GONE). Unscoped ones use Django's model permissions, which only a
    superuser holds here.
    """

    kinds: tuple
    scoped: bool = True
    add: int = COORDINATOR
    delete: int = ADMIN
    view: int = OFFICER


@dataclass(frozen=True)
class AdminView(Rule):
    """One view of one model's admin, as Django's ModelAdmin answers with our permissions.

    A row outside the account's agencies is "not found" (ADMIN_GONE), exactly as a missing id.
    An account whose role never allows a view (the outsider anywhere; an officer deleting) is
    refused model-wide with a 403 before any row is looked up: the same 403 for any id,
    existing or not, so it tells nothing about another agency's rows (the MISSING cells check
    this). Django asks the view permission before looking a row up for change, and the delete
    permission for delete, which is why those two differ from history.
    """

    model: AdminModel = AdminModel(())
    view: str = "change"

    def __call__(self, person, thing, fixed):
        if not person.signed_in:
            return ADMIN_LOGIN
        if self.view == "redirect":
            return Expect(302)
        if not self.model.scoped:
            level = {"add": self.model.add, "delete": self.model.delete}.get(self.view)
            permitted = person.superuser and level != NOBODY
            return Expect(200 if permitted else 403)
        agency_staff = _allowed(person, self.model.view)
        if self.view == "changelist":
            return Expect(200 if agency_staff else 403)
        if self.view == "add":
            return Expect(200 if _allowed(person, self.model.add) else 403)
        visible = _sees(person, thing, self.model.view)
        if self.view == "change":
            if not agency_staff:
                return Expect(403)
            return Expect(200) if visible else ADMIN_GONE
        if self.view == "history":
            return Expect(200) if visible else ADMIN_GONE
        # delete: the permission is asked before the row is looked up
        if not visible:
            return ADMIN_GONE if _allowed(person, self.model.delete) else Expect(403)
        permitted = _allowed(person, self.model.delete) and (
            person.superuser or person.agency == thing.owner
        )
        return Expect(200 if permitted else 403)

    def __str__(self):
        return f"Admin {self.view}"


PUBLIC = Public()
PUBLIC_OBJECT = PublicObject()
TOKEN = Token()
STAFF_PAGE = StaffPage()
STAFF_OBJECT = StaffObject()
STAFF_WRITE = StaffObject(ok=302)

# -- The table ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    method: str
    rule: Rule
    data: Any = None  # a dict, or a function of the cell
    query: Any = None
    as_json: bool = False
    name: str = ""  # tells two calls with one method apart
    kinds: tuple = ()  # only for these kinds of object, when given
    # (field, kind): the form names the other agency's object of that kind in this field; unless
    # the person may see that object, the answer must be exactly the answer for a missing id.
    foreign: tuple = ()

    def __str__(self):
        return self.name or self.method


@dataclass(frozen=True)
class Row:
    calls: tuple
    kinds: tuple = ()  # which objects fill the URL's arguments (each agency's, or the site's)
    fixed: tuple = ({},)  # URL values that do not come from an object, one cell each
    model: str | None = None  # the admin model whose row fills `object_id`


def get(rule, query=None):
    return Call("GET", rule, query=query)


def post(rule, data=None, query=None, as_json=False, name="", **extra):
    return Call("POST", rule, data=data, query=query, as_json=as_json, name=name, **extra)


def _ref(*names, **constants):
    """Form data taken from the object's refs, plus constants."""
    return lambda cell: {**{n: cell.thing.refs[n] for n in names}, **constants}


def _jurisdiction(cell):
    return {"jurisdiction_id": cell.world.things["agency", cell.thing.owner].refs["slug"]}


def _moved(cell):
    start = timezone.localtime() + datetime.timedelta(days=20)
    return {"start": start.strftime("%Y-%m-%dT18:00"), "note": "Moved to the library."}


def _project_details(cell):
    today = timezone.localdate()
    return {
        "title": "Renamed walks",
        "goal": "Fewer break-ins.",
        "programme": cell.thing.refs["programme"],
        "starts_on": today.isoformat(),
        "ends_on": (today + datetime.timedelta(days=30)).isoformat(),
    }


def _new_shift(cell):
    day = timezone.localtime() + datetime.timedelta(days=20)
    return {
        "role": cell.thing.refs["role"],
        "start": day.strftime("%Y-%m-%dT18:00"),
        "end": day.strftime("%Y-%m-%dT20:00"),
        "place": "Town Hall",
        "slots": "5",
    }


def _changed_shift(cell):
    data = _new_shift(cell)
    del data["role"]
    return {**data, "shift": cell.thing.refs["shift"]}


def _api_report(cell):
    lat, lon = cell.thing.refs["point"]
    return {
        "category": "noise",
        "description": "Loud music every night.",
        "latitude": float(lat),
        "longitude": float(lon),
    }


def _open311_report(cell):
    lat, lon = cell.thing.refs["point"]
    data = {
        **_jurisdiction(cell),
        "service_code": "noise",
        "lat": lat,
        "long": lon,
        "description": "Loud music every night.",
    }
    if cell.person.api_key:
        data["api_key"] = cell.world.keys[cell.person.name]
    return data


EVENTS = ("event", "cohosted_event", "draft_event")
# The admin filters rows by agency alone (co-hosts aside): one row of each agency's, the most
# sensitive, answers for the rest and keeps the admin's slow pages few.
SHARED = ("event", "cohosted_event")
QUESTIONS = ("question", "cohosted_question", "draft_question")
CONCERNS = ("concern", "private_concern", "hidden_concern")
PROBLEMS = ("problem", "coowned_problem")
FORMATS = ({"fmt": "json"}, {"fmt": "xml"})
ANNOUNCEMENTS = ("announcement", "draft_announcement")
SUBSCRIBE_FORM = {
    "agency": "smyrna-pd",
    "email": "new.subscriber@example.org",
    "frequency": "weekly",
}
PROJECTS = ("project", "draft_project")
NEW_EMAIL = "new.neighbour@example.org"
RSVP_FORM = {"name": "New Neighbour", "email": "new.neighbour@example.org", "party_size": "1"}

ADMIN_MODELS = {
    "auth.group": AdminModel(("group",), scoped=False),
    "auth.user": AdminModel(("user",), scoped=False),
    "axes.accessattempt": AdminModel(("accessattempt",), scoped=False, add=NOBODY),
    "axes.accesslog": AdminModel(("accesslog",), scoped=False, add=NOBODY),
    "axes.accessfailurelog": AdminModel(("accessfailurelog",), scoped=False, add=NOBODY),
    "django_tasks_database.dbtaskresult": AdminModel(
        ("taskresult",), scoped=False, add=NOBODY, delete=NOBODY
    ),
    "core.agency": AdminModel(("agency",), add=SUPERUSER_ONLY, delete=SUPERUSER_ONLY),
    "core.area": AdminModel(("area",)),
    "core.venue": AdminModel(("venue",)),
    "core.staffrole": AdminModel(("staffrole",), add=ADMIN),
    # The audit log is for agency administrators only (SECURITY.md).
    "core.auditevent": AdminModel(("auditevent",), add=NOBODY, delete=NOBODY, view=ADMIN),
    "core.apikey": AdminModel(("apikey",), add=NOBODY),
    "events.programme": AdminModel(("programme",)),
    "events.event": AdminModel(SHARED),
    "events.occurrence": AdminModel(SHARED, add=NOBODY),
    "events.rsvp": AdminModel(SHARED, add=NOBODY),
    "concerns.category": AdminModel(("sensitive_category",)),
    "concerns.responsetemplate": AdminModel(("responsetemplate",)),
    "concerns.concern": AdminModel(("private_concern",), add=NOBODY),
    "outreach.topic": AdminModel(("topic",)),
}


def _admin_rows():
    """Six URL patterns per registered model, from its AdminModel declaration."""
    rows = {}
    for label, model in ADMIN_MODELS.items():
        app, name = label.split(".")
        prefix = f"admin:{app}_{name}"
        rows[f"{prefix}_changelist"] = Row((get(AdminView(model=model, view="changelist")),))
        rows[f"{prefix}_add"] = Row((get(AdminView(model=model, view="add")),))
        # A scoped admin must answer another agency's row exactly as a missing one.
        kinds = (*model.kinds, MISSING) if model.scoped else model.kinds
        for view in ("change", "history", "delete"):
            rows[f"{prefix}_{view}"] = Row(
                (get(AdminView(model=model, view=view)),), kinds=kinds, model=label
            )
        rows[f"admin/{app}/{name}/<path:object_id>/"] = Row(
            (get(AdminView(model=model, view="redirect")),), kinds=kinds, model=label
        )
    rows["admin:auth_user_password_change"] = Row(
        (get(AdminView(model=ADMIN_MODELS["auth.user"], view="password")),), kinds=("user",)
    )
    return rows


TABLE = {
    # Public pages, feeds and media
    "home": Row((get(PUBLIC),)),
    "healthz": Row((get(PUBLIC),)),
    "brand_css": Row((get(PUBLIC),)),
    "set_language": Row((post(Public(302), {"language": "es", "next": "/"}),)),
    "agency": Row((get(PUBLIC),), kinds=("agency",)),
    "agency_feed": Row((get(PUBLIC),), kinds=("agency",)),
    "agency_embed": Row((get(PUBLIC),), kinds=("agency",)),
    "area": Row((get(PUBLIC),), kinds=("area",)),
    "officer_photo": Row((get(PUBLIC),), kinds=("officer_photo",)),
    "agency_meetings_json": Row((get(PUBLIC),), kinds=("agency",)),
    "hotspots:agency": Row((get(PUBLIC),), kinds=("agency",)),
    "opendata:index": Row((get(PUBLIC),)),
    # Every export is searched for every secret, like any other answer.
    "opendata:export": Row(
        (get(PUBLIC),),
        fixed=tuple(
            {"dataset": dataset, "fmt": fmt}
            for dataset in ("concerns", "events", "problems")
            for fmt in ("csv", "geojson")
        ),
    ),
    "feed": Row((get(PUBLIC),)),
    "media/logos/<path:path>": Row((get(PUBLIC),), kinds=("logo",)),
    "events:finder": Row((get(PUBLIC),)),
    "events:event": Row((get(PUBLIC_OBJECT),), kinds=EVENTS),
    "events:occurrence": Row((get(PUBLIC_OBJECT),), kinds=EVENTS),
    "events:occurrence_ics": Row((get(PUBLIC_OBJECT),), kinds=EVENTS),
    "events:occurrence_flyer": Row((get(PUBLIC_OBJECT),), kinds=EVENTS),
    "events:occurrence_flyer_pdf": Row((get(PUBLIC_OBJECT),), kinds=EVENTS),
    "events:event_flyer": Row((get(PUBLIC_OBJECT),), kinds=EVENTS),
    "events:event_flyer_pdf": Row((get(PUBLIC_OBJECT),), kinds=EVENTS),
    "events:rsvp_create": Row((post(PublicObject(302), RSVP_FORM),), kinds=EVENTS),
    "rsvp": Row((get(TOKEN), post(Token(302))), kinds=("rsvp", "cohosted_rsvp")),
    # The world's replies are confirmed already: confirming again changes nothing.
    "rsvp_confirm": Row((post(Token(302)),), kinds=("rsvp", "cohosted_rsvp")),
    "events:questions": Row((get(PUBLIC_OBJECT),), kinds=EVENTS),
    "events:question_ask": Row(
        (post(PublicObject(302), {"text": "Is the new crosswalk coming?"}),), kinds=EVENTS
    ),
    "events:question_vote": Row((post(PublicObject(302)),), kinds=QUESTIONS),
    "events:questions_live": Row((get(PUBLIC_OBJECT),), kinds=EVENTS),
    "events:questions_live_list": Row((get(PUBLIC_OBJECT),), kinds=EVENTS),
    "question_email": Row((get(TOKEN), post(Token(302))), kinds=QUESTIONS),
    "concerns:list": Row((get(PUBLIC),)),
    "concerns:new": Row((get(PUBLIC), post(Public(400)))),
    "concerns:pins": Row((get(PUBLIC, query={"bbox": "-75.7,39.2,-75.5,39.4"}),)),
    "concerns:detail": Row((get(PUBLIC_OBJECT),), kinds=CONCERNS),
    "concerns:support": Row((post(PublicObject(302)),), kinds=CONCERNS),
    "concerns:flag": Row((post(PublicObject(302), {"reason": "Names a person"}),), kinds=CONCERNS),
    # Contesting an open concern is refused: the 400 shows the holder reached it.
    "concerns:track": Row(
        (
            get(TOKEN),
            post(Token(400)),
            post(Token(400), {"reason": "Still broken"}, name="POST reason"),
        ),
        kinds=(*CONCERNS, "supporter"),
    ),
    "concerns:support_confirm": Row((post(Token(302)),), kinds=("supporter",)),
    "concerns:photo": Row((get(PUBLIC_OBJECT),), kinds=("photo", "private_photo")),
    "concerns:area_feed": Row((get(PUBLIC),), kinds=("area",)),
    "transparency": Row((get(PUBLIC),), kinds=("agency",)),
    # The worlds' meetings are all ahead: their feedback form is not open yet.
    "insights:walk_in": Row(
        (get(PublicObject(400)), post(PublicObject(400), {"safety": "4"})), kinds=EVENTS
    ),
    "insights:survey": Row((get(TOKEN), post(Token(400))), kinds=("survey_invitation",)),
    "problems:index": Row((get(PUBLIC),)),
    "problems:detail": Row((get(PUBLIC),), kinds=PROBLEMS),
    "problems:volunteer": Row(
        (post(PublicObject(302), {"name": "Helper", "email": "helper@example.org"}),),
        kinds=("action", "private_action"),
    ),
    "problems:volunteer_confirm": Row((get(TOKEN), post(Token(302))), kinds=("volunteer",)),
    "problems:opt_out": Row((get(TOKEN), post(Token(302))), kinds=("opt_out",)),
    "outreach:programmes": Row((get(PUBLIC),)),
    "outreach:programme": Row((get(PUBLIC),), kinds=("programme",)),
    "outreach:announcements": Row((get(PUBLIC), get(PUBLIC, query={"agency": "smyrna-pd"}))),
    "outreach:announcement": Row((get(PUBLIC_OBJECT),), kinds=ANNOUNCEMENTS),
    "outreach:agency_feed": Row((get(PUBLIC),), kinds=("agency",)),
    "outreach:area_feed": Row((get(PUBLIC),), kinds=("area",)),
    "outreach:topic_feed": Row((get(PUBLIC),), kinds=("topic",)),
    "outreach:subscribe": Row(
        (
            get(PUBLIC),
            get(PUBLIC, query={"agency": "clayton-pd"}),
            post(Public(400)),
            post(Public(302), SUBSCRIBE_FORM, name="POST subscribe"),
        )
    ),
    "outreach:subscribe_sent": Row((get(PUBLIC),)),
    "outreach:confirm": Row((get(TOKEN), post(Token(302))), kinds=("subscription",)),
    "outreach:manage": Row(
        (get(TOKEN), post(Token(400)), post(Token(302), {"unsubscribe": "1"}, name="POST stop")),
        kinds=("subscription",),
    ),
    # The one-click unsubscribe answers a mail program's POST itself (RFC 8058: no redirect).
    "outreach:unsubscribe": Row((get(TOKEN), post(TOKEN)), kinds=("unsubscribe_link",)),
    "outreach:follow_concern": Row(
        (post(PublicObject(302), {"email": "follower@example.org"}),), kinds=CONCERNS
    ),
    "outreach:follow_problem": Row(
        (post(Public(302), {"email": "follower@example.org"}),), kinds=PROBLEMS
    ),
    "projects:index": Row((get(PUBLIC),)),
    "projects:detail": Row((get(PUBLIC_OBJECT),), kinds=PROJECTS),
    "projects:sign_up_create": Row(
        (post(PublicObject(302), _ref("shift", name="New Neighbour", email=NEW_EMAIL)),),
        kinds=PROJECTS,
    ),
    "projects:sign_up": Row((get(TOKEN), post(Token(302))), kinds=("sign_up",)),
    "projects:confirm": Row((get(TOKEN), post(Token(302))), kinds=("pending_sign_up",)),
    # Staff pages
    "staff:login": Row((get(PUBLIC),)),
    "staff:logout": Row((post(Public(302)),)),
    "staff:password_reset": Row(
        (get(PUBLIC), post(Public(302), {"email": "xylo.smyrna.records@example.org"}))
    ),
    "staff:password_reset_done": Row((get(PUBLIC),)),
    "staff:password_reset_confirm": Row((get(ResetLink()),), kinds=("password_reset",)),
    "staff:two_factor": Row((get(STAFF_PAGE),)),
    # Every signed-in person here has passed the second step already: sent on.
    "staff:two_factor_verify": Row((get(StaffPage(302)),)),
    "staff:two_factor_enrol": Row((get(StaffPage(302)),)),
    "staff:two_factor_backup_codes": Row((post(STAFF_PAGE),)),
    "staff:two_factor_reset": Row(
        (post(StaffObject(302, ADMIN, owner_only=True)),), kinds=("user", MISSING)
    ),
    "staff:retention": Row(
        (
            get(CoordinatorPage()),
            post(
                CoordinatorPage(302, ADMIN),
                lambda c: {"agency": f"{c.person.agency or 'smyrna'}-pd"},
            ),
        )
    ),
    "staff:records_export": Row(
        (get(StaffObject(200, COORDINATOR, owner_only=True)),), kinds=("agency", MISSING)
    ),
    "staff:concern_hold": Row(
        (post(StaffObject(302, COORDINATOR), {"reason": "Records request 7"}),),
        kinds=(*CONCERNS, MISSING),
    ),
    "staff:concern_forget": Row(
        (get(StaffObject(200, COORDINATOR)), post(StaffObject(302, COORDINATOR))),
        kinds=(*CONCERNS, MISSING),
    ),
    "forget_my_data": Row((get(TOKEN), post(TOKEN)), kinds=CONCERNS),
    "staff:home": Row((get(STAFF_PAGE),)),
    "staff:meeting": Row((get(STAFF_OBJECT),), kinds=(*EVENTS, MISSING)),
    # The world's meetings are next week: check-in opens on the meeting's day, so those who may
    # check people in are told so (400); tests/events/test_staff.py checks in on the day.
    "staff:check_in": Row(
        (post(StaffObject(400), _ref("rsvp", present="1")),),
        kinds=("event", "cohosted_event", MISSING),
    ),
    # The door's check-in by QR code: next week's meetings are not open for check-in, and the
    # code is no reply's, so those who may check people in are told what to fix (400).
    "staff:check_in_code": Row(
        (get(StaffObject()), post(StaffObject(400), {"code": "ACDE-F347"})),
        kinds=("event", "cohosted_event", MISSING),
    ),
    # The staff meeting pages' service worker: a fixed script, no data in it.
    "staff:service_worker": Row((get(PUBLIC),)),
    "staff:record": Row(
        (post(STAFF_WRITE, {"agenda": "", "minutes": "", "walk_ins": "0"}),),
        kinds=(*EVENTS, MISSING),
    ),
    "staff:cancel": Row(
        (post(StaffObject(302, COORDINATOR, owner_only=True), {"note": "Snow"}),),
        kinds=(*EVENTS, MISSING),
    ),
    "staff:event_text": Row(
        (post(StaffObject(302, COORDINATOR, owner_only=True), {"text-title": "Meeting"}),),
        kinds=(*EVENTS, MISSING),
    ),
    "staff:move": Row(
        (post(StaffObject(302, COORDINATOR, owner_only=True), _moved),), kinds=(*EVENTS, MISSING)
    ),
    "staff:intake": Row((get(STAFF_OBJECT), post(StaffObject(400))), kinds=(*EVENTS, MISSING)),
    "staff:questions": Row((get(STAFF_OBJECT),), kinds=(*EVENTS, MISSING)),
    "staff:question_moderate": Row(
        (post(STAFF_WRITE, {"do": "hide", "reason": "Names a neighbour."}),),
        kinds=(*QUESTIONS, MISSING),
    ),
    "staff:concerns": Row((get(STAFF_PAGE),)),
    "staff:concern": Row((get(STAFF_OBJECT),), kinds=(*CONCERNS, MISSING)),
    "staff:concern_status": Row(
        (post(STAFF_WRITE, {"status": "acknowledged"}),), kinds=(*CONCERNS, MISSING)
    ),
    "staff:concern_respond": Row(
        (post(STAFF_WRITE, {"body": "Noted."}),), kinds=(*CONCERNS, MISSING)
    ),
    "staff:concern_assign": Row(
        (post(STAFF_WRITE, {"priority": "high"}),), kinds=(*CONCERNS, MISSING)
    ),
    "staff:concern_reclassify": Row(
        (post(STAFF_WRITE, _ref("category")),), kinds=(*CONCERNS, MISSING)
    ),
    "staff:concern_duplicate": Row(
        (post(STAFF_WRITE, _ref("original")),), kinds=(*CONCERNS, MISSING)
    ),
    "staff:concern_moderate": Row(
        (post(StaffObject(302, COORDINATOR), {"hidden": "1", "reason": "Abusive"}),),
        kinds=(*CONCERNS, MISSING),
    ),
    "staff:concern_photo": Row((get(STAFF_OBJECT),), kinds=("photo", "private_photo", MISSING)),
    "staff:problem_link_from_concern": Row(
        (post(STAFF_WRITE, lambda c: {"problem": _problem_of(c)}),), kinds=(*CONCERNS, MISSING)
    ),
    "staff:projects": Row((get(STAFF_PAGE),)),
    "staff:project_new": Row((get(CoordinatorPage()), post(CoordinatorPage(400)))),
    "staff:project": Row((get(STAFF_OBJECT),), kinds=(*PROJECTS, MISSING)),
    "staff:project_edit": Row(
        (post(StaffObject(302, COORDINATOR), _project_details),), kinds=(*PROJECTS, MISSING)
    ),
    "staff:project_role": Row(
        (post(StaffObject(302, COORDINATOR), {"name": "Walk leader"}),), kinds=(*PROJECTS, MISSING)
    ),
    "staff:project_shift": Row(
        (post(StaffObject(302, COORDINATOR), _new_shift),), kinds=(*PROJECTS, MISSING)
    ),
    "staff:project_shift_change": Row(
        (
            post(StaffObject(302, COORDINATOR), _changed_shift),
            post(
                StaffObject(404, COORDINATOR),
                lambda cell: {k: v for k, v in _changed_shift(cell).items() if k != "shift"},
                name="POST another agency's shift",
                kinds=("project",),
                foreign=("shift", "shift"),
            ),
        ),
        kinds=(*PROJECTS, MISSING),
    ),
    "staff:project_shift_cancel": Row(
        (
            post(StaffObject(302, COORDINATOR), _ref("shift", reason="Storm warning.")),
            post(
                StaffObject(404, COORDINATOR),
                {"reason": "Storm warning."},
                name="POST another agency's shift",
                kinds=("project",),
                foreign=("shift", "shift"),
            ),
        ),
        kinds=(*PROJECTS, MISSING),
    ),
    # Hours are refused (400) for a shift not yet begun: reaching that refusal is the access.
    "staff:project_hours": Row(
        (
            post(StaffObject(400, COORDINATOR), _ref("sign_up", hours="2")),
            post(
                StaffObject(404, COORDINATOR),
                {"hours": "2"},
                name="POST another agency's sign-up",
                kinds=("project",),
                foreign=("sign_up", "sign_up"),
            ),
        ),
        kinds=("project", MISSING),
    ),
    "staff:project_roster_csv": Row((get(STAFF_OBJECT),), kinds=(*PROJECTS, MISSING)),
    "staff:project_hours_csv": Row((get(STAFF_OBJECT),), kinds=(*PROJECTS, MISSING)),
    "staff:problems": Row((get(STAFF_PAGE),)),
    "staff:insights": Row((get(AgencyStaffPage()),)),
    "staff:engagement_csv": Row(
        (get(AgencyStaffPage(), {"start": "2026-01-01", "end": "2026-06-30"}),)
    ),
    "staff:survey_card": Row((get(STAFF_OBJECT),), kinds=(*EVENTS, MISSING)),
    "staff:problem_new": Row((get(CoordinatorPage()), post(CoordinatorPage(400)))),
    "staff:problem": Row((get(STAFF_OBJECT),), kinds=(*PROBLEMS, MISSING)),
    "staff:problem_analysis": Row(
        (post(STAFF_WRITE, {"place": "The car park"}),), kinds=(*PROBLEMS, MISSING)
    ),
    "staff:problem_phase": Row(
        (post(STAFF_WRITE, {"phase": "analysis"}),), kinds=(*PROBLEMS, MISSING)
    ),
    "staff:problem_action": Row(
        (post(STAFF_WRITE, {"title": "Patrol", "owner_kind": "police", "owner_name": "Unit"}),),
        kinds=(*PROBLEMS, MISSING),
    ),
    "staff:problem_action_status": Row(
        (post(STAFF_WRITE, {"status": "under_way"}),), kinds=("action", "private_action", MISSING)
    ),
    "staff:problem_measure": Row(
        (post(STAFF_WRITE, {"label": "Lights fixed", "value": "3"}),), kinds=(*PROBLEMS, MISSING)
    ),
    "staff:problem_link": Row(
        (
            post(STAFF_WRITE, _ref("concern")),
            post(
                StaffObject(400),
                name="POST another agency's concern",
                kinds=("problem",),
                foreign=("concern", "private_concern"),
            ),
        ),
        kinds=(*PROBLEMS, MISSING),
    ),
    "staff:problem_meeting": Row((post(STAFF_WRITE, _ref("meeting")),), kinds=(*PROBLEMS, MISSING)),
    "staff:outreach": Row((get(STAFF_PAGE),)),
    "staff:announcement_new": Row((get(CoordinatorPage()), post(CoordinatorPage(400)))),
    "staff:announcement": Row(
        (get(STAFF_OBJECT), post(StaffObject(302, COORDINATOR), {"title": "T", "body": "B"})),
        kinds=(*ANNOUNCEMENTS, MISSING),
    ),
    "staff:announcement_publish": Row(
        (post(StaffObject(302, COORDINATOR), {"publish_at": ""}),),
        kinds=("draft_announcement", MISSING),
    ),
    "staff:announcement_withdraw": Row(
        (post(StaffObject(302, COORDINATOR)),), kinds=(*ANNOUNCEMENTS, MISSING)
    ),
    "staff:mailing": Row((get(STAFF_OBJECT),), kinds=("mailing", MISSING)),
    # The JSON API
    "api:api-root": Row((get(Public(404)),)),
    "api_unrouted": Row((get(Public(404)),)),
    "api:openapi-json": Row((get(PUBLIC),)),
    "api:openapi-view": Row((get(PUBLIC),)),
    "api:list_meetings": Row((get(PUBLIC),)),
    "api:get_meeting": Row((get(PUBLIC_OBJECT),), kinds=EVENTS),
    "api:list_concerns": Row((get(PUBLIC),)),
    "api:create_concern": Row((post(Public(201), _api_report, as_json=True),), kinds=("agency",)),
    "api:get_concern": Row((get(PUBLIC_OBJECT),), kinds=CONCERNS),
    "api:staff_list": Row((get(ApiStaff()),)),
    "api:staff_get": Row((get(ApiStaff()),), kinds=(*CONCERNS, MISSING)),
    "api:staff_set_status": Row(
        (post(ApiStaff(), {"status": "acknowledged"}, as_json=True),), kinds=(*CONCERNS, MISSING)
    ),
    # Open311 GeoReport v2, in both formats
    "open311:discovery": Row((get(PUBLIC),), fixed=FORMATS),
    "open311:services": Row((get(PUBLIC, _jurisdiction),), kinds=("agency",), fixed=FORMATS),
    "open311:service": Row(
        (get(PUBLIC, _jurisdiction),), kinds=("category", "sensitive_category"), fixed=FORMATS
    ),
    "open311:requests": Row(
        (get(PUBLIC, _jurisdiction), post(Open311Post(201), _open311_report)),
        kinds=("agency",),
        fixed=FORMATS,
    ),
    "open311:request": Row((get(PUBLIC_OBJECT, _jurisdiction),), kinds=CONCERNS, fixed=FORMATS),
    "open311:token": Row(
        (get(Token(shows_holder=False), _jurisdiction),),
        kinds=("private_concern",),
        fixed=FORMATS,
    ),
    # The admin
    "admin:index": Row((get(AdminSignedIn()),)),
    "admin:login": Row((get(AdminLoginPage()),)),
    "admin:logout": Row((post(Public(302)),)),
    "admin:password_change": Row((get(AdminSignedIn()),)),
    "admin:password_change_done": Row((get(AdminSignedIn()),)),
    "admin:autocomplete": Row((get(AdminSignedIn(403)),)),
    "admin:jsi18n": Row((get(AdminSignedIn()),)),
    "admin:app_list": Row(
        (get(AdminAppIndex()),),
        fixed=tuple(
            {"app_label": app} for app in ("auth", "axes", "django_tasks_database", *SCOPED_APPS)
        ),
    ),
    "admin/(?P<url>.*)$": Row((get(AdminCatchAll()),), fixed=({"url": "no-such-page/"},)),
    # Ours, shadowing the admin's own at the same address: scoped through the access helper.
    "view_on_site": Row(
        (get(ViewOnSite()),),
        kinds=(
            "event",
            "draft_event",
            "rsvp",
            "concern",
            "private_concern",
            "hidden_concern",
            "photo",
            "private_photo",
            "problem",
        ),
    ),
    "admin:view_on_site": Row(
        (get(ViewOnSite()),),
        kinds=(
            "event",
            "draft_event",
            "rsvp",
            "concern",
            "private_concern",
            "hidden_concern",
            "photo",
            "private_photo",
            "problem",
        ),
    ),
    **_admin_rows(),
}


def _problem_of(cell):
    if not cell.thing.exists:
        return MISSING_ID
    return cell.world.things["problem", cell.thing.owner].refs["pk"]


# -- Cells that answer wrongly today ---------------------------------------------------------------


def outside_staff(owner):
    """Signed-in accounts with no role at the owning agency."""
    return [p.name for p in PEOPLE if p.signed_in and not p.superuser and p.agency != owner]


def everyone_else(owner):
    """Everyone who is neither the owning agency's staff (or key) nor a superuser."""
    return [p.name for p in PEOPLE if not p.superuser and p.agency != owner]


def own_admin(owner):
    return [f"{owner}_admin"]


def own_staff(owner):
    return [f"{owner}_{rank}" for rank in ("officer", "coordinator", "admin")] + ["superuser"]


@dataclass(frozen=True)
class Defect:
    """Cells of one row and call that break the table today; each runs as a strict xfail."""

    key: str
    call: str
    kinds: tuple
    people: Any  # names, or a function of the owning agency that gives them
    reason: str
    owners: tuple = AGENCIES

    def cells(self):
        for owner in self.owners:
            people = self.people(owner) if callable(self.people) else self.people
            for person in people:
                for kind in self.kinds:
                    yield (self.key, self.call, person, kind, owner)


KNOWN_DEFECTS = ()  # the six defects this matrix found on first run are fixed; keep it empty
DEFECTIVE = {cell: d.reason for d in KNOWN_DEFECTS for cell in d.cells()}

# -- The URL patterns, from the resolver ---------------------------------------------------------


class Pattern(NamedTuple):
    key: str  # its name with namespaces, or its route when it has no name
    route: str
    name: str | None
    arguments: tuple


def url_patterns(resolver=None, prefix="", namespace=None, arguments=()):
    """Every pattern Django routes, with namespaces and the arguments its URL takes."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        found = arguments + _arguments(entry.pattern)
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from url_patterns(entry, route, inner, found)
            continue
        name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
        yield Pattern(name or route, route, name, found)


def _arguments(pattern):
    return tuple(pattern.regex.groupindex)


def _url(pattern, kwargs):
    if pattern.name:
        return reverse(pattern.name, kwargs=kwargs)
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(kwargs[m.group(1)]), pattern.route)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), path)
    return "/" + path.replace("^", "").replace("$", "")


PATTERNS = {}


def _pattern(key):
    if not PATTERNS:
        PATTERNS.update((p.key, p) for p in url_patterns())
    return PATTERNS[key]


# -- Running cells -------------------------------------------------------------------------------


@dataclass
class Cell:
    key: str
    call: Call
    person: Any
    thing: Any
    fixed: dict
    world: Any = field(repr=False)

    @property
    def label(self):
        target = f" {self.thing}" if self.thing else ""
        fixed = "".join(f" {v}" for v in self.fixed.values())
        return f"{self.call} {self.key}{fixed}{target} as {self.person}"

    @property
    def id(self):
        thing = self.thing
        return (
            self.key,
            str(self.call),
            self.person.name,
            thing and thing.kind,
            thing and thing.owner,
        )


def cells(world, key, person):
    row = TABLE[key]
    things = [t for kind in row.kinds for t in world.of_kind(kind)] or [None]
    for fixed in row.fixed:
        for thing in things:
            for call in row.calls:
                if not call.kinds or thing.kind in call.kinds:
                    yield Cell(key, call, person, thing, fixed, world)


def _kwargs(cell, pattern):
    row = TABLE[cell.key]
    refs = {}
    if cell.thing is not None:
        refs = dict(cell.thing.refs)
        if cell.call.rule.uses_tokens and not cell.person.holds_tokens:
            refs.update(cell.thing.guess)
        if row.model and cell.thing.exists:
            refs["object_id"] = cell.thing.records[row.model].pk
    refs.update(cell.fixed)
    missing = [a for a in pattern.arguments if a not in refs]
    assert not missing, f"{cell.label}: nothing fills {missing}; give the kind these refs"
    return {a: refs[a] for a in pattern.arguments}


def _value(spec, cell):
    return spec(cell) if callable(spec) else dict(spec or {})


def _foreign(cell):
    field_name, kind = cell.call.foreign
    other = next(a for a in AGENCIES if a != cell.thing.owner)
    return field_name, cell.world.things[kind, other]


def ask(client, cell, data=None):
    """Make the cell's request in a transaction that is then rolled back, and leave the
    client's cookies as they were: every cell sees the same world and the same session."""
    pattern = _pattern(cell.key)
    url = _url(pattern, _kwargs(cell, pattern))
    call = cell.call
    query = _value(call.query, cell)
    if data is None:
        data = _value(call.data, cell)
        if call.foreign:
            field_name, foreign = _foreign(cell)
            data[field_name] = foreign.refs["pk"]
    cookies = copy.deepcopy(client.cookies)
    with transaction.atomic():
        if call.method == "GET":
            response = client.get(url, query)
        elif call.as_json:
            response = client.post(
                url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""),
                json.dumps(data),
                content_type="application/json",
            )
        else:
            response = client.post(url, {**query, **data})
        # Reading a streamed body to its end closes it the way the test client wants; closing a
        # response again here would fire request_finished and drop the connection mid-transaction.
        body = b"".join(response.streaming_content) if response.streaming else response.content
        transaction.set_rollback(True)
    client.cookies = cookies
    return url, response, body.decode("utf-8", errors="replace")


def _may_see(person, owner_thing, cell):
    if person.superuser:
        return True
    is_staff = person.signed_in or person.api_key
    if is_staff and person.agency is not None and person.agency in owner_thing.agencies:
        return True
    holder = person.holds_tokens and cell.call.rule.uses_tokens and cell.call.rule.shows_holder
    return holder and cell.thing is owner_thing


def problems_with(cell, url, response, body):
    """What is wrong with one answer: its status, its redirect, or a secret it gives away."""
    expected = cell.call.rule(cell.person, cell.thing, cell.fixed)
    found = []
    location = response.get("Location", "")
    if response.status_code != expected.status:
        found.append(f"expected {expected}, got {response.status_code} {location}".rstrip())
    elif expected.location:
        matches = (
            location == expected.location
            if expected.exact
            else location.startswith(expected.location)
        )
        if not matches:
            found.append(f"expected a redirect to {expected.location}, got {location}")
    text = body + "\n" + location
    for thing in cell.world.things.values():
        if _may_see(cell.person, thing, cell):
            continue
        CHECKED["searches for a secret in an answer"] += len(thing.secrets)
        for secret in thing.secrets:
            if str(secret) in text:
                found.append(f"gives away {thing}'s secret {secret!r}")
    return [f"{cell.label} ({url}): {problem}" for problem in found]


def _plain(body):
    """A page without what changes from one answer to the next: CSRF tokens and numbers."""
    return re.sub(r"\d+", "#", re.sub(r'csrfmiddlewaretoken" value="[^"]*"', "", body))


def check(client, cell):
    """Ask, then list what is wrong with the answer (empty when it is as declared)."""
    url, response, body = ask(client, cell)
    found = problems_with(cell, url, response, body)
    if cell.call.foreign:
        field_name, foreign = _foreign(cell)
        if not _may_see(cell.person, foreign, cell):
            _url, missing, missing_body = ask(client, cell, {field_name: MISSING_ID})
            if (response.status_code, _plain(body)) != (missing.status_code, _plain(missing_body)):
                found.append(
                    f"{cell.label} ({url}): answers differently for {foreign} (status "
                    f"{response.status_code}) than for a missing id (status {missing.status_code})"
                    ": it tells that the other agency's record exists"
                )
    return found


# -- Fixtures --------------------------------------------------------------------------------------

CHECKED = Counter()


@pytest.fixture(scope="module")
def plain_templates():
    """Render templates without the test runner's instrumentation, which signals every render
    so the client can copy each context into response.context: the matrix reads statuses,
    headers and bodies only, and the copying is about a third of an admin page's time."""
    instrumented = Template._render
    saved = getattr(_TestState, "saved_data", None)
    Template._render = getattr(saved, "template_render", instrumented)
    yield
    Template._render = instrumented


@pytest.fixture(scope="module", autouse=True)
def two_factor_required():
    """The production default: staff in the matrix are fully signed in (password and code)."""
    with override_settings(OPENBEAT_STAFF_2FA="required"):
        yield


@pytest.fixture(scope="module")
def clients(world, plain_templates, two_factor_required):
    """One client per person, signed in through both steps. Refusals are the point here:
    Django's log of each 4xx is silenced (a 500 is still logged, with its traceback)."""
    log = logging.getLogger("django.request")
    level = log.level
    log.setLevel(logging.ERROR)
    found = {}
    for person in PEOPLE:
        client = Client(raise_request_exception=False)
        if person.signed_in:
            factories.sign_in(client, world.users[person.name])
        if person.api_key:
            client.defaults["HTTP_X_API_KEY"] = world.keys[person.name]
        found[person.name] = client
    yield found
    log.setLevel(level)


# -- Tests -----------------------------------------------------------------------------------------


def test_every_url_pattern_has_a_row():
    routed = {p.key for p in url_patterns()}
    missing = sorted(routed - TABLE.keys())
    assert not missing, (
        "These URL patterns have no row in TABLE (tests/security/test_access_matrix.py). "
        "Add one saying which objects fill the URL and who may use it, so the matrix covers "
        f"the new view: {missing}"
    )
    stale = sorted(TABLE.keys() - routed)
    assert not stale, f"TABLE rows for URL patterns that no longer exist; remove them: {stale}"


def test_every_admin_model_is_declared():
    registered = {m._meta.label_lower for m in admin.site._registry}
    assert registered == set(ADMIN_MODELS), (
        "Declare each admin-registered model in ADMIN_MODELS (which objects, who may add and "
        f"delete): registered {sorted(registered)}, declared {sorted(ADMIN_MODELS)}"
    )


def _section(key):
    return next((s for s in ("admin", "api", "open311", "staff") if key.startswith(s)), "public")


@pytest.mark.parametrize("person", PEOPLE, ids=str)
@pytest.mark.parametrize("section", sorted({_section(key) for key in TABLE}))
def test_cells_answer_as_declared(section, person, world, clients):
    found = []
    for key in TABLE:
        if _section(key) != section:
            continue
        for cell in cells(world, key, person):
            if cell.id in DEFECTIVE:
                continue
            CHECKED["cells"] += 1
            found += check(clients[person.name], cell)
    assert not found, f"{len(found)} wrong answers:\n" + "\n".join(found)


def _defect_id(key, call, person, kind, owner):
    target = f" {owner}'s {kind}" if kind else ""
    return f"{call} {key}{target} as {person}"


@pytest.mark.parametrize(
    ("cell_id", "reason"),
    [
        pytest.param(
            cell_id,
            reason,
            marks=pytest.mark.xfail(strict=True, reason=reason),
            id=_defect_id(*cell_id),
        )
        for cell_id, reason in DEFECTIVE.items()
    ],
)
def test_known_defect_still_answers_wrongly(cell_id, reason, world, clients):
    key, _call, name, _kind, _owner = cell_id
    person = next(p for p in PEOPLE if p.name == name)
    matching = [cell for cell in cells(world, key, person) if cell.id == cell_id]
    assert matching, f"no cell {cell_id}: correct or remove its KNOWN_DEFECTS entry"
    found = []
    for cell in matching:
        CHECKED["known defects"] += 1
        found += check(clients[name], cell)
    assert not found, "\n".join(found)


def test_both_agencies_own_every_kind(world):
    owned = Counter(kind for kind, owner in world.things if owner in AGENCIES)
    assert all(count == len(AGENCIES) for count in owned.values()), owned
