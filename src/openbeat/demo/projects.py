"""The demo's crime-prevention project: Smyrna's Neighbourhood Watch evening walks.

Residents met at the community awareness meetings sign up for walks; the first walk fills up and
two neighbours wait for a place. Shifts are placed a few days from today so the demo always has
walks to sign up for. Loading twice changes nothing twice.
"""

import datetime

from django.utils import timezone

from openbeat.events.models import Programme
from openbeat.problems.models import Problem
from openbeat.projects import actions
from openbeat.projects.models import Project

TITLE = "Neighborhood Watch evening walks"
WALKERS = [
    ("Rosa Martinez", "rosa.martinez@example.org"),
    ("James Carter", "james.carter@example.org"),
    ("Aisha Brown", "aisha.brown@example.org"),
    ("Tom Nguyen", "tom.nguyen@example.org"),
    ("Linda Moore", "linda.moore@example.org"),  # the walk is full by now: waiting list
    ("Carlos Rivera", "carlos.rivera@example.org"),
]


def _evening(tz, days, hour=18, minute=30):
    day = timezone.localdate(timezone=tz) + datetime.timedelta(days=days)
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)


def load_projects(smyrna, coordinator):
    if Project.objects.filter(agency=smyrna, title=TITLE).exists():
        return
    user = coordinator.user
    watch, _created = Programme.objects.get_or_create(
        agency=smyrna,
        slug="neighbourhood-watch",
        defaults={
            "name": "Neighborhood Watch",
            "description": "Neighbors looking out for each other, with the Community Policing Unit.",
        },
    )
    today = timezone.localdate(timezone=smyrna.tz)
    project = actions.save_project(
        Project(agency=smyrna),
        title=TITLE,
        goal="Eyes on the park and Main Street in the evenings: fewer tags on the park restrooms, "
        "fewer break-ins, and neighbors who know each other. Walks start at Town Hall with an "
        "officer from the Community Policing Unit.",
        programme=watch,
        problem=Problem.objects.filter(agency=smyrna, title="Graffiti in the park").first(),
        area=smyrna.areas.filter(slug="smyrna").first(),
        starts_on=today,
        ends_on=today + datetime.timedelta(days=90),
        acting_user=user,
    )
    leader = actions.add_role(
        project,
        "Walk leader",
        "Leads a group of walkers on the route and keeps in touch with the officer on duty.",
        "Completed the Neighborhood Watch training evening at Town Hall.",
        acting_user=user,
    )
    walker = actions.add_role(
        project,
        "Walker",
        "Walks the route with the group and notes what needs fixing.",
        acting_user=user,
    )
    place = "Smyrna Town Hall, 27 South Market Street"
    hours = datetime.timedelta(hours=2)
    first = actions.add_shift(
        walker, _evening(smyrna.tz, 3), _evening(smyrna.tz, 3) + hours, place, 4, acting_user=user
    )
    actions.add_shift(
        walker, _evening(smyrna.tz, 10), _evening(smyrna.tz, 10) + hours, place, 4, acting_user=user
    )
    lead = actions.add_shift(
        leader, _evening(smyrna.tz, 3), _evening(smyrna.tz, 3) + hours, place, 1, acting_user=user
    )
    for name, email in WALKERS:
        signed, _created = actions.sign_up(first.pk, name, email)
        actions.confirm_sign_up(signed.token)
    signed, _created = actions.sign_up(
        lead.pk, "Dorothy Hayes", "dorothy.hayes@example.org", meets_requirements=True
    )
    actions.confirm_sign_up(signed.token)
