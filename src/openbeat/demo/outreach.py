"""The demo's outreach: Smyrna's programme catalogue, its subscribers, and its announcements.

The launch of the Community Policing Unit was announced on 14 July 2025, before anyone had
subscribed: it is dated then, and its mailing was planned then, to nobody (it is never mailed
at a demo's start). Residents subscribed later, through the real write path, and confirmed; one
follows a single neighbourhood with a weekly digest, and gets this week's digest with the
Coffee with a Cop mornings but not the speed checks announced for another neighbourhood.
Loading twice changes nothing twice: the announcements are mailed once, the week's digest is
started once.
"""

import datetime

from django.utils import timezone

from openbeat.core.models import Area, StaffRole
from openbeat.demo.clock import at
from openbeat.demo.spanish import ANNOUNCEMENTS
from openbeat.events.models import Programme
from openbeat.outreach import actions, delivery
from openbeat.outreach.models import Announcement, Kind, Mailing, Subscription, Topic

DIGEST_READER = "downtown.resident@example.org"
TOWN_SUBSCRIBERS = ("jordan.miller@example.org", "maria.lopez@example.org")

UNIT_LAUNCH = (
    "Smyrna's Community Policing Unit launches on **30 July 2025**.\n\n"
    "Its officers work with residents and businesses on the problems that matter in each "
    "neighborhood: come to the monthly community awareness meeting at Town Hall, join us for "
    "Coffee with a Cop, or report a concern online.\n\n"
    "- First Monday of every month, 6 p.m., Smyrna Town Hall\n"
    "- Contact: S/Pfc. Brandon Dunning, Public Information Officer"
)


def _catalogue(smyrna, dunning):
    Programme.objects.filter(agency=smyrna, slug="community-awareness-meeting").update(
        contact_officer=dunning,
        how_to_join="Come along on the first Monday of the month; no need to book.",
    )
    Programme.objects.filter(agency=smyrna, slug="coffee-with-a-cop").update(
        contact_officer=dunning,
        how_to_join="Drop in at Bridgeway Family Restaurant: the coffee is on us.",
    )
    unit, _ = Programme.objects.update_or_create(
        agency=smyrna,
        slug="community-policing-unit",
        defaults={
            "name": "Community Policing Unit",
            "description": (
                "Launched on 30 July 2025 by Interim Police Chief Norman Wood: officers who work "
                "with residents on neighborhood problems, inform the community about the "
                "department's programs and enlist its help in crime-prevention projects."
            ),
            "contact_officer": dunning,
            "how_to_join": (
                "Come to a community awareness meeting, report a concern, or subscribe to the "
                "unit's announcements."
            ),
        },
    )
    Programme.objects.update_or_create(
        agency=smyrna,
        slug="national-night-out",
        defaults={
            "name": "National Night Out",
            "description": "Block parties and a night out with your neighbors and officers.",
            "contact_officer": dunning,
            "how_to_join": "Host a block party: tell the Community Policing Unit by 1 July.",
        },
    )
    return unit


def _topics(smyrna):
    return {
        slug: Topic.objects.get_or_create(agency=smyrna, slug=slug, defaults={"name": name})[0]
        for slug, name in (
            ("crime-prevention", "Crime prevention"),
            ("traffic", "Traffic and parking"),
            ("events", "Community events"),
        )
    }


def _subscriber(smyrna, email, areas=(), frequency="immediate"):
    if Subscription.objects.filter(agency=smyrna, kind=Kind.NEWS, email=email).exists():
        return
    subscription, _outcome = actions.subscribe(smyrna, email, areas, (), frequency)
    actions.confirm(subscription)  # as the resident does from the email's link


COFFEE = (
    "Officers from Smyrna and Clayton police departments meet residents over coffee at "
    "Bridgeway Family Restaurant on the **second Wednesday of every month, 8 a.m.**\n\n"
    "Ask questions, bring concerns, or simply get to know our officers: no need to book."
)


def _announce(author, smyrna, title, body, **audience):
    """Publish an announcement once; its mailing is planned at once, as the worker would."""
    if Announcement.objects.filter(agency=smyrna, title=title).exists():
        return
    programme = audience.pop("programme", None)
    item = actions.save_announcement(
        Announcement(agency=smyrna),
        {"title": title, "body": body, "programme": programme, **ANNOUNCEMENTS.get(title, {})},
        **audience,
        acting_user=author,
    )
    actions.publish(item, acting_user=author)
    delivery.plan(Mailing.objects.get(announcement=item).pk)


def load_outreach(smyrna):
    dunning = StaffRole.objects.get(agency=smyrna, user__username="brandon.dunning")
    areas = {area.slug: area for area in Area.objects.filter(agency=smyrna)}
    unit = _catalogue(smyrna, dunning)
    topics = _topics(smyrna)
    author = dunning.user
    tz = smyrna.tz
    with at(datetime.datetime(2025, 7, 14, 9, tzinfo=tz)):
        _announce(
            author,
            smyrna,
            "Smyrna's Community Policing Unit launches on 30 July",
            UNIT_LAUNCH,
            programme=unit,
            topics=[topics["crime-prevention"], topics["events"]],
        )
    with at(timezone.now() - datetime.timedelta(days=60)):  # after a meeting in the autumn
        for email in TOWN_SUBSCRIBERS:
            _subscriber(smyrna, email)
        _subscriber(smyrna, DIGEST_READER, [areas["downtown"]], frequency="weekly")
    _announce(
        author,
        smyrna,
        "Coffee with a Cop: the second Wednesday of every month",
        COFFEE,
        programme=Programme.objects.get(agency=smyrna, slug="coffee-with-a-cop"),
        topics=[topics["events"]],
    )
    _announce(
        author,
        smyrna,
        "Speed checks on Lake Drive",
        "Officers will check speeds on Lake Drive at school times next week.",
        areas=[areas["lake-como"]],
        topics=[topics["traffic"]],
    )
    actions.start_digests()
