"""The state the access matrix runs against: two agencies owning one of every kind of object.

Everything is built through the real write paths (actions, factories), as residents and staff
would make it. Each object is wrapped in a `Thing` that says who owns it, which agencies' staff
may see it, whether the public may, what fills a URL's arguments for it, and which strings
(its secrets) must never reach anyone else.
"""

from dataclasses import dataclass, field
from pathlib import Path

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks_db.models import DBTaskResult, get_date_max

from openbeat.concerns import actions as concern_actions
from openbeat.concerns.models import Category, Photo, ResponseTemplate, Source
from openbeat.core import apikeys, images
from openbeat.core.models import AuditEvent, Role, StaffRole
from openbeat.events import actions as event_actions
from openbeat.events.models import Event, Question
from openbeat.hotspots import compute as hotspots
from openbeat.insights import dashboards, surveys
from openbeat.insights.models import SurveyInvitation, SurveyResponse
from openbeat.outreach import actions as outreach_actions
from openbeat.outreach import links as outreach_links
from openbeat.outreach.models import Announcement, Mailing, Topic
from openbeat.problems import actions as problem_actions
from openbeat.problems.models import OwnerKind
from openbeat.problems.tasks import opt_out_token
from tests import factories
from tests.concerns.images import jpeg_with_gps

OFFICER, COORDINATOR, ADMIN = 1, 2, 3
AGENCIES = ("smyrna", "clayton")
# A kind of object that does not exist: another agency's row must answer just like it.
MISSING, MISSING_ID = "missing", 987654321


@dataclass(frozen=True)
class Person:
    """Who is asking: an anonymous reader, a resident holding links, staff, a program's key."""

    name: str
    agency: str | None = None
    rank: int = 0
    signed_in: bool = False
    superuser: bool = False
    holds_tokens: bool = False
    api_key: bool = False

    def __str__(self):
        return self.name


PEOPLE = (
    Person("anonymous"),
    Person("resident", holds_tokens=True),
    Person("outsider", signed_in=True),
    Person("smyrna_officer", "smyrna", OFFICER, signed_in=True),
    Person("smyrna_coordinator", "smyrna", COORDINATOR, signed_in=True),
    Person("smyrna_admin", "smyrna", ADMIN, signed_in=True),
    Person("clayton_officer", "clayton", OFFICER, signed_in=True),
    Person("clayton_coordinator", "clayton", COORDINATOR, signed_in=True),
    Person("clayton_admin", "clayton", ADMIN, signed_in=True),
    Person("superuser", signed_in=True, superuser=True),
    Person("smyrna_key", "smyrna", OFFICER, api_key=True),
    Person("clayton_key", "clayton", OFFICER, api_key=True),
)


@dataclass
class Thing:
    """One object of one kind, owned by one agency (or by none, for site-wide records)."""

    kind: str
    owner: str | None
    # Agencies whose staff may reach it: the owner, and a co-host or co-owner.
    agencies: frozenset
    # Whether its public page exists (published, not private, not hidden).
    public: bool
    # Values for URL arguments and form fields, by name.
    refs: dict
    # What someone without the token would try instead: the sequential id.
    guess: dict = field(default_factory=dict)
    # Its rows, by model label, for the admin's URLs.
    records: dict = field(default_factory=dict)
    # Strings only the agencies above (and the token holder, on the token's own page) may see.
    secrets: tuple = ()
    exists: bool = True

    def __str__(self):
        if not self.exists:
            return "a missing id"
        return f"{self.owner or 'site'}'s {self.kind}"


@dataclass
class World:
    things: dict
    users: dict
    keys: dict
    files: list = field(default_factory=list)  # written outside the database: removed after

    def of_kind(self, kind):
        found = [t for (k, _owner), t in self.things.items() if k == kind]
        assert found, f"the world has no object of kind {kind!r}"
        return found


def _admin_ids(*records):
    return {r._meta.label_lower: r for r in records}


def _thing(world, kind, owner, main, *, agencies=None, public=True, refs=(), **extra):
    """Register a thing whose main record is `main` (it fills view-on-site and admin URLs)."""
    records = extra.pop("records", {})
    base = {
        "object_id": main.pk,
        "content_type_id": ContentType.objects.get_for_model(main).pk,
    }
    world.things[kind, owner] = Thing(
        kind=kind,
        owner=owner,
        agencies=frozenset(agencies or {owner} - {None}),
        public=public,
        refs={**base, **dict(refs)},
        records={**_admin_ids(main), **records},
        **extra,
    )


def _draft_event(town, agency, programme, venue, title):
    record = Event(
        agency=agency,
        programme=programme,
        title=title,
        slug=title.lower().replace(" ", "-"),
        venue=venue,
        start=factories.in_days(9),
        duration_minutes=60,
        is_published=False,
    )
    event_actions.save_event(record, is_new=True, acting_user=None)
    return record


def _events(world, town, key, other, setup):
    agency, other_agency = setup["agency"], setup["other_agency"]
    event = factories.event(
        town,
        title=f"{key.title()} Community Meeting",
        agency=agency,
        programme=setup["programme"],
        venue=setup["venue"],
    )
    shared = factories.event(
        town,
        title=f"{key.title()} Shared Coffee",
        agency=agency,
        programme=setup["programme"],
        venue=setup["venue"],
        co_hosts=[other_agency],
    )
    draft = _draft_event(
        town, agency, setup["programme"], setup["venue"], f"Xylo {key} draft meeting"
    )
    for kind, record, agencies, public in (
        ("event", event, {key}, True),
        ("cohosted_event", shared, {key, other}, True),
        ("draft_event", draft, {key}, False),
    ):
        occurrence = record.occurrences.get()
        rsvp = None
        if public:
            rsvp = factories.rsvp(
                occurrence,
                name=f"Xylo {key} {kind} guest",
                email=f"xylo.{key}.{kind}.guest@example.org",
            )
        refs = {
            "slug": record.slug,
            "date_key": occurrence.date_key,
            "occurrence_id": occurrence.pk,
            "meeting_id": occurrence.pk,
            "rsvp": rsvp.pk if rsvp else "",
        }
        records = _admin_ids(occurrence, *([rsvp] if rsvp else []))
        secrets = (draft.title,) if kind == "draft_event" else ()
        _thing(
            world,
            kind,
            key,
            record,
            agencies=agencies,
            public=public,
            refs=refs,
            records=records,
            secrets=secrets,
        )
        _question(world, key, kind, occurrence, agencies, public)
        if rsvp is not None:
            _thing(
                world,
                "rsvp" if kind == "event" else "cohosted_rsvp",
                key,
                rsvp,
                agencies=agencies,
                public=False,
                refs={"token": rsvp.token},
                guess={"token": str(rsvp.pk)},
                secrets=(rsvp.name, rsvp.email, rsvp.token),
            )
    # A complaint about an officer, logged by the host's coordinator at the shared meeting.
    occurrence = shared.occurrences.get()
    raised, _created = concern_actions.submit_concern(
        {
            "category": "officer-conduct",
            "description": f"Xylo {key} complaint at meeting",
            "venue": str(setup["venue"].pk),
        },
        source=Source.MEETING,
        occurrence=occurrence,
        acting_user=setup["coordinator"],
    )
    _thing(
        world,
        "meeting_concern",
        key,
        raised,
        public=False,
        refs={"pk": raised.pk},
        secrets=(raised.description,),
    )
    return event, shared, draft


def _question(world, key, kind, occurrence, agencies, public):
    """A question to each meeting, asked with a private name and an email (never public)."""
    asker = f"Xylo {key} {kind} asker"
    question = Question.objects.create(
        occurrence=occurrence,
        agency_id=occurrence.agency_id,
        text=f"Xylo {key} {kind} question?",
        asker_name=asker,
        asker_email=f"xylo.{key}.{kind}.asker@example.org",
        voter=f"voter-{key}-{kind}",
    )
    _thing(
        world,
        kind.replace("event", "question"),
        key,
        question,
        agencies=agencies,
        public=public,
        refs={
            "slug": occurrence.event.slug,
            "date_key": occurrence.date_key,
            "pk": question.pk,
            "occurrence_id": occurrence.pk,
            "question_id": question.pk,
            "token": question.token,
        },
        guess={"token": str(question.pk)},
        secrets=(asker, question.asker_email, question.token),
    )


def _concerns(world, key, setup):
    point = setup["point"]
    coordinator, officer = setup["coordinator"], setup["officer"]

    def report(kind, category, **contact):
        return factories.concern(
            category=category,
            point=point,
            description=f"Xylo {key} {kind} description",
            photos=[jpeg_with_gps()],
            name=f"Xylo {key} {kind} reporter",
            email=f"xylo.{key}.{kind}.reporter@example.org",
            phone=contact.get("phone", ""),
        )

    phone = {"smyrna": "+1 302 555 0101", "clayton": "+1 302 555 0102"}[key]
    public = report("concern", "vandalism-graffiti", phone=phone)
    private = report("private_concern", "officer-conduct")
    hidden = report("hidden_concern", "noise")
    concern_actions.set_hidden(hidden, True, "names a neighbour", acting_user=coordinator)
    note = concern_actions.respond(
        public, f"Xylo {key} internal note", public=False, acting_user=officer
    )
    supporter = factories.supporter(public, f"xylo.{key}.supporter@example.org")
    other_category = Category.objects.get(agency=setup["agency"], slug="parking")
    for kind, concern, public_page in (
        ("concern", public, True),
        ("private_concern", private, False),
        ("hidden_concern", hidden, False),
    ):
        photo = concern.photos.get()
        secrets = (
            concern.reporter_name,
            concern.reporter_email,
            concern.tracking_token,
        )
        if not public_page:
            secrets += (concern.description,)
        if kind == "concern":
            secrets += (concern.reporter_phone, note.body)
        refs = {
            "pk": concern.pk,
            "concern_id": concern.pk,
            "request_id": concern.pk,
            "token": concern.tracking_token,
            "token_id": concern.open311_token or "",
            "category": other_category.pk,
            "original": (private if concern == public else public).pk,
        }
        guess = {"token": str(concern.pk), "token_id": str(concern.pk)}
        _thing(
            world,
            kind,
            key,
            concern,
            public=public_page,
            refs=refs,
            guess=guess,
            secrets=secrets,
        )
        photo_kind = {"concern": "photo", "private_concern": "private_photo"}.get(kind)
        if photo_kind:
            _thing(world, photo_kind, key, photo, public=public_page, refs={"pk": photo.pk})
    _thing(
        world,
        "supporter",
        key,
        supporter,
        public=False,
        refs={"token": supporter.token},
        guess={"token": str(supporter.pk)},
        secrets=(supporter.email, supporter.token),
    )
    return public, private


def _problems(world, key, other, setup, concern, private, event, shared, draft):
    coordinator = setup["coordinator"]
    for kind, co_owner, agencies in (
        ("problem", None, {key}),
        ("coowned_problem", setup["other_agency"], {key, other}),
    ):
        problem = problem_actions.create_problem(
            setup["agency"],
            f"{key.title()} {kind} on Main Street",
            "Cars racing at night.",
            area=setup["area"],
            concerns=[concern, private] if co_owner else [concern],
            co_owner=co_owner,
            acting_user=coordinator,
        )
        public_action = problem_actions.add_action(
            problem,
            "Street clean-up day",
            OwnerKind.COMMUNITY,
            "Residents' association",
            wants_volunteers=True,
            acting_user=coordinator,
        )
        private_action = problem_actions.add_action(
            problem,
            f"Xylo {key} {kind} internal action",
            OwnerKind.POLICE,
            "Patrol unit",
            is_public=False,
            acting_user=coordinator,
        )
        # A meeting every agency owning the problem may reach: the owner's, or a shared one.
        meeting = shared if co_owner else event
        # Discussed at a meeting not yet published: staff may link it, the public must not
        # learn of it.
        problem_actions.add_meeting(problem, draft.occurrences.get(), acting_user=coordinator)
        refs = {
            "pk": problem.pk,
            "concern": concern.pk,
            "meeting": meeting.occurrences.get().pk,
        }
        _thing(
            world,
            kind,
            key,
            problem,
            agencies=agencies,
            refs=refs,
            secrets=(private_action.title,),
        )
        if co_owner:
            continue
        for action_kind, action, public in (
            ("action", public_action, True),
            ("private_action", private_action, False),
        ):
            refs = {"pk": problem.pk, "action_id": action.pk}
            _thing(world, action_kind, key, action, public=public, refs=refs)
        offer, _created = problem_actions.volunteer(
            public_action, f"Xylo {key} volunteer", f"xylo.{key}.volunteer@example.org"
        )
        _thing(
            world,
            "volunteer",
            key,
            offer,
            public=False,
            refs={"token": offer.token},
            guess={"token": str(offer.pk)},
            secrets=(offer.name, offer.email, offer.token),
        )
        follower = f"xylo.{key}.follower@example.org"
        token = opt_out_token(problem.pk, follower)
        _thing(
            world,
            "opt_out",
            key,
            problem,
            public=False,
            refs={"token": token},
            guess={"token": str(problem.pk)},
            secrets=(follower,),
        )


def _projects(world, town, key, setup):
    from openbeat.projects.models import Shift

    project = factories.project(town, agency=setup["agency"])
    draft = factories.project(town, agency=setup["agency"])
    draft.is_published = False
    draft.save(update_fields=["is_published"])
    for kind, record, public in (("project", project, True), ("draft_project", draft, False)):
        shift = Shift.objects.get(role__project=record)
        refs = {
            "pk": record.pk,
            "shift": shift.pk,
            "role": shift.role_id,
            "programme": record.programme_id,
        }
        _thing(world, kind, key, record, public=public, refs=refs)
    shift = Shift.objects.get(role__project=project)
    _thing(world, "shift", key, shift, public=False, refs={"pk": shift.pk})
    for kind, confirm in (("sign_up", True), ("pending_sign_up", False)):
        signed = factories.volunteer(
            shift,
            name=f"Xylo {key} {kind} volunteer",
            email=f"xylo.{key}.{kind}@example.org",
            confirm=confirm,
        )
        _thing(
            world,
            kind,
            key,
            signed,
            public=False,
            refs={"token": signed.token, "pk": signed.pk},
            guess={"token": str(signed.pk)},
            secrets=(signed.name, signed.email, signed.token),
        )
        world.things["project", key].refs.setdefault("sign_up", signed.pk)


def _agency_records(world, key, setup):
    agency = setup["agency"]
    _thing(world, "agency", key, agency, refs={"slug": agency.slug, "jurisdiction_id": agency.slug})
    _thing(
        world,
        "area",
        key,
        setup["area"],
        refs={"area_id": setup["area"].pk, "slug": agency.slug, "area_slug": setup["area"].slug},
    )
    _thing(world, "venue", key, setup["venue"])
    programme = setup["programme"]
    _thing(
        world,
        "programme",
        key,
        programme,
        refs={"agency_slug": agency.slug, "slug": programme.slug},
    )
    _thing(world, "staffrole", key, StaffRole.objects.get(user=setup["officer"]))
    for kind, slug in (("category", "noise"), ("sensitive_category", "officer-conduct")):
        category = Category.objects.get(agency=agency, slug=slug)
        _thing(world, kind, key, category, refs={"code": slug, "jurisdiction_id": agency.slug})
    template = ResponseTemplate.objects.create(
        agency=agency, title="Thanks", body="Thank you; an officer will look at it."
    )
    _thing(world, "responsetemplate", key, template)
    key_record, raw = apikeys.create_key(agency, f"Xylo {key} dashboard key")
    _thing(world, "apikey", key, key_record, secrets=(key_record.name, raw))
    audit = AuditEvent.objects.filter(agency=agency).order_by("-id").first()
    _thing(world, "auditevent", key, audit)
    _thing(
        world,
        "user",
        key,
        setup["officer"],
        refs={"id": setup["officer"].pk, "user_id": setup["officer"].pk},
    )
    # Nobody signs in as this account, so its reset link stays valid for the whole module.
    keeper = factories.user(f"xylo-{key}-records", agency)
    keeper.email = f"xylo.{key}.records@example.org"
    keeper.save(update_fields=["email"])
    reset = default_token_generator.make_token(keeper)
    _thing(
        world,
        "password_reset",
        key,
        keeper,
        public=False,
        refs={"uidb64": urlsafe_base64_encode(force_bytes(keeper.pk)), "token": reset},
        guess={"token": "set-password"},
        secrets=(reset, keeper.email, keeper.username),
    )
    logo = Path(settings.MEDIA_ROOT) / "logos" / f"{agency.slug}.png"
    logo.parent.mkdir(parents=True, exist_ok=True)
    logo.write_bytes(b"\x89PNG\r\n\x1a\n")
    world.files.append(logo)
    _thing(world, "logo", key, agency, refs={"path": logo.name})
    # The officer agreed to be shown on their beat's page, with a photo.
    shown = StaffRole.objects.get(user=setup["officer"])
    shown.is_public_profile = True
    clean, _width, _height = images.reencode(jpeg_with_gps())
    shown.photo.save(f"xylo-{key}.jpg", clean, save=True)
    shown.areas.add(setup["area"])
    world.files.append(Path(shown.photo.path))
    _thing(world, "officer_photo", key, shown, refs={"slug": agency.slug, "pk": shown.pk})
    return raw


def _outreach(world, key, setup):
    """A topic, a draft and a published announcement (with its mailing), and a subscriber."""
    agency, coordinator = setup["agency"], setup["coordinator"]
    topic = Topic.objects.create(agency=agency, name=f"{key.title()} traffic", slug="traffic")
    _thing(world, "topic", key, topic, refs={"topic_id": topic.pk})
    for kind, title in (
        ("announcement", f"{key.title()} announces its unit"),
        ("draft_announcement", f"Xylo {key} draft announcement"),
    ):
        item = outreach_actions.save_announcement(
            Announcement(agency=agency),
            {"title": title, "body": "Meet the unit."},
            topics=[topic],
            acting_user=coordinator,
        )
        if kind == "announcement":
            outreach_actions.publish(item, acting_user=coordinator)
            mailing = Mailing.objects.get(announcement=item)
            _thing(world, "mailing", key, mailing, public=False, refs={"pk": mailing.pk})
        _thing(
            world,
            kind,
            key,
            item,
            public=kind == "announcement",
            refs={"pk": item.pk},
            secrets=() if kind == "announcement" else (title,),
        )
    subscription, _outcome = outreach_actions.subscribe(
        agency, f"xylo.{key}.subscriber@example.org", topics=[topic]
    )
    outreach_actions.confirm(subscription)
    unsubscribe = outreach_links.unsubscribe_token(subscription.pk, subscription.email)
    # One resident holds both links; each is a secret of its own page.
    for kind, token in (("subscription", subscription.token), ("unsubscribe_link", unsubscribe)):
        _thing(
            world,
            kind,
            key,
            subscription,
            public=False,
            refs={"token": token},
            guess={"token": str(subscription.pk)},
            secrets=(subscription.email, token),
        )


def _insights(world, town, key, setup, event):
    """A survey link sent to the meeting's resident, and an answer given at a past meeting's
    table (its comment is for the agency's staff only); the dashboards computed."""
    surveys.invite_meeting(event.occurrences.get())
    invitation = SurveyInvitation.objects.get(occurrence__event=event)
    _thing(
        world,
        "survey_invitation",
        key,
        invitation,
        public=False,
        refs={"token": invitation.token},
        guess={"token": str(invitation.pk)},
        secrets=(invitation.token,),
    )
    past = factories.event(
        town,
        title=f"Xylo {key} past meeting",
        agency=setup["agency"],
        programme=setup["programme"],
        venue=setup["venue"],
        start=factories.in_days(-2),
    )
    comment = f"Xylo {key} survey comment"
    answers = {item: "4" for item in ("safety", "respect", "fairness", "voice", "comfort")}
    surveys.answer_walk_in(past.occurrences.get(), {**answers, "comment": comment})
    dashboards.refresh(setup["agency"].pk)
    _thing(
        world, "survey_answer", key, SurveyResponse.objects.get(comment=comment), secrets=(comment,)
    )


def _site_records(world):
    group = Group.objects.create(name="Dispatchers")
    _thing(world, "group", None, group)
    task = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="openbeat.concerns.tasks.send_concern_email",
        backend_name="default",
        run_after=get_date_max(),
    )
    _thing(world, "taskresult", None, task)
    seen = {
        "username": "xylo-guesser",
        "ip_address": "203.0.113.77",
        "user_agent": "curl",
        "http_accept": "*/*",
        "path_info": "/staff/login/",
    }
    attempt = AccessAttempt.objects.create(
        **seen, get_data="", post_data="", failures_since_start=3
    )
    _thing(world, "accessattempt", None, attempt, secrets=("xylo-guesser",))
    _thing(world, "accesslog", None, AccessLog.objects.create(**seen))
    _thing(world, "accessfailurelog", None, AccessFailureLog.objects.create(**seen))


def _missing(world):
    names = (
        "pk",
        "object_id",
        "occurrence_id",
        "meeting_id",
        "concern_id",
        "action_id",
        "rsvp",
        "category",
        "original",
        "concern",
        "meeting",
        "shift",
        "role",
        "programme",
        "sign_up",
        "user_id",
        "slug",
        "question_id",
    )
    world.things[MISSING, None] = Thing(
        kind=MISSING,
        owner=None,
        agencies=frozenset(),
        public=False,
        refs=dict.fromkeys(names, MISSING_ID),
        exists=False,
    )


def build():
    """Two agencies, one of everything each, and an account for every person in PEOPLE."""
    town = factories.town()
    users = {
        "outsider": town.outsider,
        "smyrna_officer": town.smyrna_officer,
        "smyrna_coordinator": town.smyrna_coordinator,
        "smyrna_admin": factories.user("smyrna.admin", town.smyrna, Role.ADMIN),
        "clayton_officer": town.clayton_officer,
        "clayton_coordinator": town.clayton_coordinator,
        "clayton_admin": factories.user("clayton.admin", town.clayton, Role.ADMIN),
        "superuser": get_user_model().objects.create_superuser(
            "root", "root@example.org", factories.PASSWORD
        ),
    }
    setups = {
        "smyrna": {
            "agency": town.smyrna,
            "other_agency": town.clayton,
            "programme": town.meeting,
            "venue": town.hall,
            "area": town.smyrna.areas.get(),
            "point": factories.SMYRNA_POINT,
            "officer": town.smyrna_officer,
            "coordinator": town.smyrna_coordinator,
        },
        "clayton": {
            "agency": town.clayton,
            "other_agency": town.smyrna,
            "programme": town.clayton_meeting,
            "venue": town.clayton_hall,
            "area": town.clayton.areas.get(),
            "point": factories.CLAYTON_POINT,
            "officer": town.clayton_officer,
            "coordinator": town.clayton_coordinator,
        },
    }
    # Staff sign in fully in the matrix (two-factor required): each has an authenticator.
    for account in users.values():
        factories.enrol(account)
    world = World(things={}, users=users, keys={})
    for key, other in (("smyrna", "clayton"), ("clayton", "smyrna")):
        setup = setups[key]
        events = _events(world, town, key, other, setup)
        concern, private = _concerns(world, key, setup)
        _problems(world, key, other, setup, concern, private, *events)
        _projects(world, town, key, setup)
        world.keys[f"{key}_key"] = _agency_records(world, key, setup)
        _outreach(world, key, setup)
        _insights(world, town, key, setup, events[0])
        world.things["agency", key].refs["point"] = setup["point"]
    for agency in (town.smyrna, town.clayton):
        hotspots.compute(agency)  # the hotspot pages show their table, not "being computed"
    _site_records(world)
    _missing(world)
    # The photos' files outlive the rolled-back rows; other tests count what the media holds.
    world.files += [Path(photo.image.path) for photo in Photo.objects.all()]
    return world
