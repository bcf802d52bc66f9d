"""The demo town from the seed article: Smyrna and Clayton, Delaware.

Smyrna Police Department and Clayton PD co-host Coffee with a Cop (Wednesday 9 July 2025, 8 a.m.,
Bridgeway Family Restaurant, the first of a monthly series on the second Wednesday); Smyrna's new
Community Policing Unit holds monthly community awareness meetings at Town Hall (first: Monday
7 July 2025, 6 p.m.). Both series continue into the future so the demo always has a next meeting.

What happened is written through the real actions at the moment it happened (demo.clock): the
concerns residents raised at the first meeting on its evening, the dark corner's streetlights
fixed that July, the town's concerns since (demo.history), the speeding response of the last
months. Loading twice changes nothing twice. Coordinates and addresses are approximate, for
demonstration.
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
from openbeat.demo import check_in as demo_check_in
from openbeat.demo import history
from openbeat.demo import insights as demo_insights
from openbeat.demo import questions as demo_questions
from openbeat.demo.clock import at
from openbeat.demo.outreach import load_outreach
from openbeat.demo.projects import load_projects
from openbeat.demo.retention import load_retention
from openbeat.demo.spanish import load_spanish
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
    actions.save_event(event, is_new=is_new, acting_user=None)
    event.co_hosts.set(co_hosts)
    event.officers.set(officers)
    return event


def _record(event, local_start, minutes, walk_ins, agenda=""):
    occurrence = Occurrence.objects.get(event=event, original_start=local_start)
    if not occurrence.minutes:
        actions.update_record(occurrence, agenda, minutes, walk_ins, acting_user=None)


def _first_meeting(smyrna, meetings, dunning):
    """What residents raised at the first community awareness meeting, on its evening; the
    streetlights passed to Public Works the next morning and fixed within ten days (a problem
    opened and closed that July)."""
    if Concern.objects.filter(agency=smyrna, source=Source.MEETING).exists():
        return
    first_meeting = Occurrence.objects.get(event=meetings, original_start=_local(2025, 7, 7, 18))
    town = Area.objects.get(slug="smyrna")
    raised = [
        {
            "category": "speeding-traffic",
            "latitude": "39.301200",
            "longitude": "-75.607900",
            "description": "Cars speed on Main Street by the school at pick-up time.",
        },
        {
            "category": "street-lighting",
            "location_text": "Commerce Street and Mount Vernon Street",
            "area": town.pk,
            "description": "Two streetlights out for weeks; the corner is very dark.",
        },
    ]
    for minute, data in zip((10, 25), raised, strict=True):
        with at(_local(2025, 7, 7, 19, minute)):
            concern_actions.submit_concern(
                data, source=Source.MEETING, occurrence=first_meeting, acting_user=dunning.user
            )
    lights = Concern.objects.get(
        agency=smyrna, category__slug="street-lighting", raised_at=first_meeting
    )
    user = dunning.user
    with at(_local(2025, 7, 8, 9, 30)):
        concern_actions.change_status(
            lights, Status.ACKNOWLEDGED, "Thank you: we will ask Public Works.", acting_user=user
        )
    with at(_local(2025, 7, 8, 10)):
        dark = problem_actions.create_problem(
            smyrna,
            "Dark corner at Commerce and Mount Vernon",
            "Streetlights out for weeks made the corner feel unsafe.",
            area=town,
            categories=Category.objects.filter(agency=smyrna, slug="street-lighting"),
            concerns=[lights],
            acting_user=user,
        )
        problem_actions.set_phase(dark, Phase.ANALYSIS, acting_user=user)
    with at(_local(2025, 7, 8, 11)):
        problem_actions.set_phase(
            dark, Phase.RESPONSE, "Referred to Public Works.", acting_user=user
        )
        concern_actions.change_status(
            lights,
            Status.REFERRED,
            "Passed to Smyrna Public Works, who will replace the lamps.",
            "Smyrna Public Works",
            acting_user=user,
        )
    with at(_local(2025, 7, 18, 15)):
        problem_actions.set_phase(dark, Phase.ASSESSMENT, "Both lamps replaced.", acting_user=user)
        problem_actions.add_measure(dark, "Streetlights repaired", 2, "lights", acting_user=user)
        problem_actions.update_analysis(
            dark,
            closeout_story="Public Works replaced both lamps within ten days of the referral.",
            acting_user=user,
        )
    with at(_local(2025, 7, 21, 10)):
        problem_actions.set_phase(
            dark, Phase.CLOSED, "Lights fixed; thank you for reporting.", acting_user=user
        )


def _ago(days, hour=10):
    """A moment `days` ago, at `hour` local time."""
    day = timezone.localdate(timezone=TZ) - datetime.timedelta(days=days)
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


def _problems(smyrna, coordinator, first_meeting):
    """The joint response to speeding by the school, from the first meeting's concern: opened
    five months ago, its response begun history.RESPONSE_DAYS_AGO days ago and now assessed;
    and graffiti in the park, just opened."""
    if Problem.objects.filter(agency=smyrna, title__startswith="Speeding").exists():
        return
    user = coordinator.user
    downtown = Area.objects.get(agency=smyrna, slug="downtown")
    response = history.RESPONSE_DAYS_AGO
    speeding_concerns = Concern.objects.filter(
        agency=smyrna, category__slug="speeding-traffic", area=downtown
    )
    with at(_ago(response + 50)):
        speeding = problem_actions.create_problem(
            smyrna,
            "Speeding near the school on Main Street",
            "Raised at the first community awareness meeting: cars speed past the school at "
            "pick-up time. Police, parents and Public Works are taking it on together.",
            area=downtown,
            categories=Category.objects.filter(agency=smyrna, slug="speeding-traffic"),
            concerns=_first_reports(speeding_concerns.filter(created_at__lt=_ago(response + 50))),
            acting_user=user,
        )
        speeding.meetings.add(first_meeting)
    with at(_ago(response + 40)):
        problem_actions.update_analysis(
            speeding,
            place="Main Street between the school and Glenwood Avenue.",
            targets="Children walking to school, parents crossing.",
            offenders="Through traffic using Main Street as a short cut at 3 p.m.",
            guardians="Crossing guard in the morning only.",
            why_here_now="Road works on Route 13 push traffic through town.",
            acting_user=user,
        )
        problem_actions.set_phase(
            speeding, Phase.ANALYSIS, "Speed counts taken for two weeks.", acting_user=user
        )
    with at(_ago(response + 5)):
        for title, kind, owner, volunteers in (
            (
                "Speed trailer and patrols at pick-up time",
                OwnerKind.POLICE,
                "Community Policing Unit",
                False,
            ),
            (
                "Parents' speed watch, Tuesdays and Thursdays",
                OwnerKind.COMMUNITY,
                "Main Street parents",
                True,
            ),
            ("Flashing school-zone signs", OwnerKind.PARTNER, "Smyrna Public Works", False),
        ):
            problem_actions.add_action(
                speeding, title, kind, owner, wants_volunteers=volunteers, acting_user=user
            )
    with at(_ago(response)):
        problem_actions.set_phase(
            speeding, Phase.RESPONSE, "The plan is under way.", acting_user=user
        )
    with at(_ago(10)):
        problem_actions.add_measure(
            speeding, "Speed checks at pick-up time", 24, "checks", acting_user=user
        )
        problem_actions.set_phase(
            speeding, Phase.ASSESSMENT, "Counting the results now.", acting_user=user
        )

    with at(_ago(20)):
        problem_actions.create_problem(
            smyrna,
            "Graffiti in the park",
            "Tags keep coming back on the park restrooms.",
            area=Area.objects.get(agency=smyrna, slug="downtown"),
            concerns=list(
                Concern.objects.filter(
                    agency=smyrna,
                    category__slug="vandalism-graffiti",
                    created_at__gte=_ago(80),
                )
            ),
            acting_user=user,
        )


@transaction.atomic
def load_demo():
    smyrna, _ = Agency.objects.update_or_create(
        slug="smyrna-pd",
        defaults={
            "name": "Smyrna Police Department",
            "timezone": "America/New_York",
            "address": "Smyrna, Delaware",
            "colour": "#1f4e79",  # the department's own blue (the site speaks for it: cli.py)
            # The town's website may show the next meetings and "report a concern" in a frame.
            "embed_origins": "https://www.smyrna-de.example",
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
            "about": "Clayton Police Department serves the Town of Clayton, Smyrna's neighbor.",
        },
    )
    for agency, slug, name, box in (
        (smyrna, "smyrna", "Town of Smyrna", (39.270, -75.625, 39.330, -75.570)),
        (clayton, "clayton", "Town of Clayton", (39.275, -75.660, 39.305, -75.625)),
        (smyrna, "downtown", "Downtown Smyrna", (39.292, -75.612, 39.305, -75.595)),
        (smyrna, "lake-como", "Lake Como", (39.275, -75.625, 39.292, -75.600)),
    ):
        Area.objects.update_or_create(
            agency=agency,
            slug=slug,
            defaults={"name": name, "kind": "neighbourhood", "boundary": _box(*box)},
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
    Venue.objects.update_or_create(
        agency=smyrna,
        name="South Street Park",
        defaults={
            "address": "South Street, Smyrna, DE 19977",
            "latitude": "39.296100",
            "longitude": "-75.603300",
            "accessibility": "Paved paths; restrooms by the playground.",
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
    # "Meet your officer" on the beat pages, as both agreed: the chief for the whole town, the
    # Community Policing Unit's officer for each neighbourhood.
    smyrna_areas = {area.slug: area for area in Area.objects.filter(agency=smyrna)}
    for officer, slugs in ((wood, ["smyrna"]), (dunning, ["smyrna", "downtown", "lake-como"])):
        officer.is_public_profile = True
        officer.save(update_fields=["is_public_profile"])
        officer.areas.set([smyrna_areas[slug] for slug in slugs])

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
                "neighborhood, hear about departmental programs, join crime-prevention projects."
            ),
        },
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
            "3. Open forum: problems in your neighborhood\n4. Programs and crime-prevention projects"
        ),
        officers=[dunning],
    )
    coffee_mornings = _event(
        "coffee-with-a-cop",
        agency=smyrna,
        programme=coffee,
        title="Coffee with a Cop",
        venue=restaurant,
        start=_local(2025, 7, 9, 8),  # the seed's first morning, a second Wednesday
        duration_minutes=90,
        rrule=f"FREQ=MONTHLY;BYDAY=2WE;UNTIL={_rolling_until()}",
        capacity=40,
        description=(
            "Smyrna Police Department and officers from Clayton PD come together for an informal "
            "morning: ask questions, bring concerns, or simply get to know our officers, in a "
            "safe, comfortable place."
        ),
        co_hosts=[clayton],
        officers=[wood, dunning],
    )
    _record(
        coffee_mornings,
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
            "- Residents raised neighborhood concerns for a joint police and community response.\n"
        ),
        walk_ins=31,
    )
    ensure_default_categories(smyrna)
    ensure_default_categories(clayton)
    _first_meeting(smyrna, meetings, dunning)
    history.load(smyrna, dunning.user)
    first_meeting = Occurrence.objects.get(event=meetings, original_start=_local(2025, 7, 7, 18))
    _problems(smyrna, dunning, first_meeting)
    load_outreach(smyrna)
    load_projects(smyrna, dunning)
    load_spanish(smyrna)
    load_retention(smyrna, clayton)
    demo_check_in.load(meetings, dunning.user)
    demo_insights.load(smyrna, clayton, dunning)
    demo_questions.load(smyrna, dunning.user)
    hotspot_compute.compute(smyrna)  # last: from every concern above, so it is not stale at once
    return {
        "town": "Smyrna & Clayton, Delaware",
        "username": "brandon.dunning",
        "password": DEMO_PASSWORD,
    }


def _first_reports(concerns, most=12):
    """What the problem starts from: what residents raised at the meetings, then the newest of
    the rest, `most` in all (the case names the meeting it was raised at)."""
    raised = list(concerns.filter(raised_at__isnull=False).order_by("created_at", "id")[:3])
    rest = concerns.filter(raised_at__isnull=True).order_by("-created_at", "-id")
    return raised + list(rest[: most - len(raised)])
