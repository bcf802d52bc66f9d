"""The demo town from the seed article: Smyrna and Clayton, Delaware.

Smyrna Police Department and Clayton PD co-host Coffee with a Cop (Wednesday 9 July 2025, 8 a.m.,
Bridgeway Family Restaurant); Smyrna's new Community Policing Unit holds monthly community
awareness meetings at Town Hall (first: Monday 7 July 2025, 6 p.m.). Both series continue into
the future so the demo always has a next meeting. Loading twice changes nothing twice.
Coordinates and addresses are approximate, for demonstration.
"""

import datetime
import zoneinfo

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from openbeat.concerns import actions as concern_actions
from openbeat.concerns.defaults import ensure_default_categories
from openbeat.concerns.models import Category, Concern, Source, Status
from openbeat.core.models import Agency, Area, Role, StaffRole, Venue
from openbeat.demo import insights as demo_insights
from openbeat.demo.hotspots import load_hotspots
from openbeat.demo.outreach import load_outreach
from openbeat.demo.projects import load_projects
from openbeat.demo.retention import load_retention
from openbeat.events import actions
from openbeat.events.models import Event, Occurrence, Programme
from openbeat.hotspots import compute as hotspot_compute
from openbeat.problems import actions as problem_actions
from openbeat.problems.models import OwnerKind, Phase, Problem

TZ = zoneinfo.ZoneInfo("America/New_York")
DEMO_PASSWORD = "coffee-with-a-cop"  # noqa: S105 (the demo login, printed on start)


def _box(south, west, north, east):
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def _local(year, month, day, hour, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=TZ)


def _rolling_until():
    """About 13 months ahead of today, so the series always shows the year to come."""
    end = timezone.now() + datetime.timedelta(days=400)
    return end.strftime("%Y%m%dT235959Z")


def _staff(username, first, last, agency, role, title="", unit=""):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username, defaults={"first_name": first, "last_name": last, "is_staff": True}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    staff_role, _ = StaffRole.objects.update_or_create(
        user=user, agency=agency, defaults={"role": role, "title": title, "unit": unit}
    )
    return staff_role


def _event(slug, **fields):
    co_hosts = fields.pop("co_hosts", [])
    officers = fields.pop("officers", [])
    event = Event.objects.filter(slug=slug).first()
    is_new = event is None
    event = event or Event(slug=slug)
    for name, value in fields.items():
        setattr(event, name, value)
    actions.save_event(None, event, is_new=is_new)
    event.co_hosts.set(co_hosts)
    event.officers.set(officers)
    return event


def _record(event, local_start, minutes, walk_ins, agenda=""):
    occurrence = Occurrence.objects.get(event=event, original_start=local_start)
    if not occurrence.minutes:
        actions.update_record(None, occurrence, agenda, minutes, walk_ins)


def _concerns(smyrna, clayton, meetings, dunning):
    """A few concerns as residents raised them, once: online and at the first meeting."""
    ensure_default_categories(smyrna)
    ensure_default_categories(clayton)
    if Concern.objects.filter(agency=smyrna).exists():
        return
    first_meeting = Occurrence.objects.get(event=meetings, original_start=_local(2025, 7, 7, 18))
    raised = [
        (
            {
                "category": "speeding-traffic",
                "latitude": "39.301200",
                "longitude": "-75.607900",
                "description": "Cars speed on Main Street by the school at pick-up time.",
            },
            first_meeting,
        ),
        (
            {
                "category": "street-lighting",
                "location_text": "Commerce Street and Mount Vernon Street",
                "area": Area.objects.get(slug="smyrna").pk,
                "description": "Two streetlights out for weeks; the corner is very dark.",
            },
            first_meeting,
        ),
        (
            {
                "category": "vandalism-graffiti",
                "latitude": "39.296100",
                "longitude": "-75.603300",
                "description": "Graffiti on the park restrooms again.",
            },
            None,
        ),
        (
            {
                "category": "parking",
                "latitude": "39.291000",
                "longitude": "-75.640500",
                "description": "Trucks parked overnight blocking the view at the intersection.",
            },
            None,
        ),
    ]
    for data, occurrence in raised:
        source = Source.MEETING if occurrence else Source.WEB
        concern, _ = concern_actions.submit_concern(
            data, source=source, actor=dunning.user if occurrence else None, occurrence=occurrence
        )
        if concern.category.slug == "street-lighting":
            concern_actions.change_status(
                dunning.user,
                concern,
                Status.REFERRED,
                "Passed to Smyrna Public Works, who will replace the lamps.",
                "Public Works",
            )


def _seed_history(category, count, start, end, prefix):
    """Concerns spread evenly between two moments, as if raised over those weeks."""
    step = (end - start) / count
    for index in range(count):
        concern_actions.import_concern(
            f"demo:{prefix}:{index}",
            {
                "category": category,
                "latitude": "39.301200",
                "longitude": "-75.607900",
                "description": "Speeding on Main Street near the school.",
            },
            Status.RESOLVED,
            start + step * index,
        )


def _problems(smyrna, coordinator, first_meeting):
    """The joint response to what residents raised, one case in each phase of its life."""
    if Problem.objects.filter(agency=smyrna).exists():
        return
    user = coordinator.user
    town = Area.objects.get(slug="smyrna")
    now = timezone.now()
    started = now - datetime.timedelta(days=60)
    _seed_history("speeding-traffic", 24, started - datetime.timedelta(days=60), started, "before")
    _seed_history("speeding-traffic", 5, started, now - datetime.timedelta(days=1), "after")
    raised = Concern.objects.filter(
        agency=smyrna, category__slug="speeding-traffic", external_id=None
    )
    speeding = problem_actions.create_problem(
        user,
        smyrna,
        "Speeding near the school on Main Street",
        "Raised at the first community awareness meeting: cars speed past the school at pick-up "
        "time. Police, parents and Public Works are taking it on together.",
        area=town,
        categories=Category.objects.filter(agency=smyrna, slug="speeding-traffic"),
        concerns=list(raised),
    )
    speeding.meetings.add(first_meeting)
    problem_actions.update_analysis(
        user,
        speeding,
        place="Main Street between the school and Glenwood Avenue.",
        targets="Children walking to school, parents crossing.",
        offenders="Through traffic using Main Street as a short cut at 3 p.m.",
        guardians="Crossing guard in the morning only.",
        why_here_now="Road works on Route 13 push traffic through town.",
    )
    problem_actions.set_phase(user, speeding, Phase.ANALYSIS, "Speed counts taken for two weeks.")
    problem_actions.add_action(
        user,
        speeding,
        "Speed trailer and patrols at pick-up time",
        OwnerKind.POLICE,
        "Community Policing Unit",
    )
    problem_actions.add_action(
        user,
        speeding,
        "Parents' speed watch, Tuesdays and Thursdays",
        OwnerKind.COMMUNITY,
        "Main Street parents",
        wants_volunteers=True,
    )
    problem_actions.add_action(
        user, speeding, "Flashing school-zone signs", OwnerKind.PARTNER, "Smyrna Public Works"
    )
    problem_actions.set_phase(user, speeding, Phase.RESPONSE, "The plan is under way.")
    speeding.response_started_at = started  # the demo's response began two months ago
    speeding.save(update_fields=["response_started_at"])
    problem_actions.add_measure(user, speeding, "Speed checks at pick-up time", 24, "checks")
    problem_actions.set_phase(user, speeding, Phase.ASSESSMENT, "Counting the results now.")

    lights = Concern.objects.filter(agency=smyrna, category__slug="street-lighting").first()
    dark = problem_actions.create_problem(
        user,
        smyrna,
        "Dark corner at Commerce and Mount Vernon",
        "Streetlights out for weeks made the corner feel unsafe.",
        area=town,
        categories=Category.objects.filter(agency=smyrna, slug="street-lighting"),
        concerns=[lights] if lights else [],
    )
    for phase in (Phase.ANALYSIS, Phase.RESPONSE, Phase.ASSESSMENT):
        problem_actions.set_phase(user, dark, phase)
    problem_actions.add_measure(user, dark, "Streetlights repaired", 2, "lights")
    problem_actions.update_analysis(
        user,
        dark,
        closeout_story=("Public Works replaced both lamps within ten days of the referral."),
    )
    problem_actions.set_phase(user, dark, Phase.CLOSED, "Lights fixed; thank you for reporting.")

    graffiti = Concern.objects.filter(agency=smyrna, category__slug="vandalism-graffiti")
    problem_actions.create_problem(
        user,
        smyrna,
        "Graffiti in the park",
        "Tags keep coming back on the park restrooms.",
        area=town,
        concerns=list(graffiti),
    )


@transaction.atomic
def load_demo():
    smyrna, _ = Agency.objects.update_or_create(
        slug="smyrna-pd",
        defaults={
            "name": "Smyrna Police Department",
            "timezone": "America/New_York",
            "address": "Smyrna, Delaware",
            "about": (
                "Smyrna Police Department serves the Town of Smyrna, Delaware. Its Community "
                "Policing Unit, launched on 30 July 2025 by Interim Police Chief Norman Wood, holds "
                "monthly community awareness meetings and co-hosts Coffee with a Cop with Clayton PD."
            ),
        },
    )
    clayton, _ = Agency.objects.update_or_create(
        slug="clayton-pd",
        defaults={
            "name": "Clayton Police Department",
            "timezone": "America/New_York",
            "address": "Clayton, Delaware",
            "about": "Clayton Police Department serves the Town of Clayton, Smyrna's neighbour.",
        },
    )
    Area.objects.update_or_create(
        agency=smyrna,
        slug="smyrna",
        defaults={
            "name": "Town of Smyrna",
            "kind": "neighbourhood",
            "boundary": _box(39.270, -75.625, 39.330, -75.570),
        },
    )
    Area.objects.update_or_create(
        agency=clayton,
        slug="clayton",
        defaults={
            "name": "Town of Clayton",
            "kind": "neighbourhood",
            "boundary": _box(39.275, -75.660, 39.305, -75.625),
        },
    )
    restaurant, _ = Venue.objects.update_or_create(
        agency=smyrna,
        name="Bridgeway Family Restaurant",
        defaults={
            "address": "Smyrna, DE 19977",
            "latitude": "39.287000",
            "longitude": "-75.598500",
            "accessibility": "Step-free entrance and parking beside the door.",
        },
    )
    town_hall, _ = Venue.objects.update_or_create(
        agency=smyrna,
        name="Smyrna Town Hall",
        defaults={
            "address": "27 South Market Street, Smyrna, DE 19977",
            "latitude": "39.299500",
            "longitude": "-75.604700",
            "accessibility": "Step-free entrance on Market Street. Spanish interpreter on request.",
        },
    )
    wood = _staff("norman.wood", "Norman", "Wood", smyrna, Role.ADMIN, "Interim Police Chief")
    dunning = _staff(
        "brandon.dunning",
        "Brandon",
        "Dunning",
        smyrna,
        Role.COORDINATOR,
        "S/Pfc.",
        "Public Information Officer, Community Policing Unit",
    )
    _staff("clayton.officer", "Clayton", "Officer", clayton, Role.OFFICER)

    coffee, _ = Programme.objects.update_or_create(
        agency=smyrna,
        slug="coffee-with-a-cop",
        defaults={
            "name": "Coffee with a Cop",
            "description": (
                "An informal, neutral space to discuss community issues, build relationships and drink "
                "coffee. A national initiative supported by the U.S. Department of Justice, Office of "
                "Community Oriented Policing Services."
            ),
        },
    )
    awareness, _ = Programme.objects.update_or_create(
        agency=smyrna,
        slug="community-awareness-meeting",
        defaults={
            "name": "Community Awareness Meeting",
            "description": (
                "Monthly open forum with the Community Policing Unit: bring problems in your "
                "neighbourhood, hear about departmental programmes, join crime-prevention projects."
            ),
        },
    )

    first_coffee = _event(
        "coffee-with-a-cop-2025-07-09",
        agency=smyrna,
        programme=coffee,
        title="Coffee with a Cop",
        venue=restaurant,
        start=_local(2025, 7, 9, 8),
        duration_minutes=90,
        rrule="",
        capacity=None,
        description=(
            "Smyrna Police Department and officers from Clayton PD come together for an informal "
            "morning: ask questions, bring concerns, or simply get to know our officers."
        ),
        co_hosts=[clayton],
        officers=[wood, dunning],
    )
    meetings = _event(
        "community-awareness-meeting",
        agency=smyrna,
        programme=awareness,
        title="Community Awareness Meeting",
        venue=town_hall,
        start=_local(2025, 7, 7, 18),
        duration_minutes=90,
        rrule=f"FREQ=MONTHLY;BYDAY=1MO;UNTIL={_rolling_until()}",
        capacity=80,
        description=(
            "Members of the Community Policing Unit answer questions and take input on specific "
            "issues or concerns within the community. Open to every resident."
        ),
        agenda=(
            "1. Welcome and introductions\n2. Updates from the Community Policing Unit\n"
            "3. Open forum: problems in your neighbourhood\n4. Programmes and crime-prevention projects"
        ),
        officers=[dunning],
    )
    _event(
        "coffee-with-a-cop",
        agency=smyrna,
        programme=coffee,
        title="Coffee with a Cop",
        venue=restaurant,
        start=_local(2025, 8, 13, 8),
        duration_minutes=90,
        rrule=f"FREQ=MONTHLY;BYDAY=2WE;UNTIL={_rolling_until()}",
        capacity=40,
        description=(
            "Monthly Coffee with a Cop morning, co-hosted by Smyrna and Clayton police: sit down "
            "with officers in a safe, comfortable place."
        ),
        co_hosts=[clayton],
        officers=[dunning],
    )
    _record(
        first_coffee,
        _local(2025, 7, 9, 8),
        (
            "Officers from Smyrna and Clayton met residents over coffee.\n\n"
            "- Residents asked about the new Community Policing Unit.\n"
            "- Speeding and parking near schools were raised for follow-up.\n"
        ),
        walk_ins=24,
    )
    _record(
        meetings,
        _local(2025, 7, 7, 18),
        (
            "First community awareness meeting.\n\n"
            "- Introduction of the Community Policing Unit, launching 30 July.\n"
            "- Residents raised neighbourhood concerns for a joint police and community response.\n"
        ),
        walk_ins=31,
    )
    _concerns(smyrna, clayton, meetings, dunning)
    first_meeting = Occurrence.objects.get(event=meetings, original_start=_local(2025, 7, 7, 18))
    _problems(smyrna, dunning, first_meeting)
    load_hotspots(smyrna)
    load_outreach(smyrna)
    load_projects(smyrna, dunning)
    load_retention(smyrna, clayton)
    demo_insights.load(smyrna, clayton, dunning)
    hotspot_compute.compute(smyrna)  # last: from every concern above, so it is not stale at once
    return {
        "town": "Smyrna & Clayton, Delaware",
        "username": "brandon.dunning",
        "password": DEMO_PASSWORD,
    }
