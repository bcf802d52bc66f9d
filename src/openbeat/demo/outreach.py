"""The demo's outreach: Smyrna's programme catalogue, its subscribers, and the announcement of
its Community Policing Unit (launched 30 July 2025) to the town's subscribers.

Residents subscribe through the real write path and confirm; one follows a single
neighbourhood with a weekly digest, and gets this week's digest with the unit's launch but not
the speed checks announced for another neighbourhood. Loading twice changes nothing twice: the
announcements are mailed once, the week's digest is started once.
"""

from openbeat.core.models import Area, StaffRole
from openbeat.events.models import Programme
from openbeat.outreach import actions
from openbeat.outreach.models import Announcement, Kind, Subscription, Topic

DIGEST_READER = "downtown.resident@example.org"
TOWN_SUBSCRIBERS = ("jordan.miller@example.org", "maria.lopez@example.org")

UNIT_LAUNCH = (
    "Smyrna's Community Policing Unit launches on **30 July 2025**.\n\n"
    "Its officers work with residents and businesses on the problems that matter in each "
    "neighbourhood: come to the monthly community awareness meeting at Town Hall, join us for "
    "Coffee with a Cop, or report a concern online.\n\n"
    "- First Monday of every month, 6 p.m., Smyrna Town Hall\n"
    "- Contact: S/Pfc. Brandon Dunning, Public Information Officer"
)


def _box(south, west, north, east):
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def _neighbourhoods(smyrna):
    found = {}
    for slug, name, box in (
        ("downtown", "Downtown Smyrna", (39.292, -75.612, 39.305, -75.595)),
        ("lake-como", "Lake Como", (39.275, -75.625, 39.292, -75.600)),
    ):
        found[slug], _ = Area.objects.update_or_create(
            agency=smyrna,
            slug=slug,
            defaults={"name": name, "kind": "neighbourhood", "boundary": _box(*box)},
        )
    return found


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
                "with residents on neighbourhood problems, inform the community about the "
                "department's programmes and enlist its help in crime-prevention projects."
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
            "description": "Block parties and a night out with your neighbours and officers.",
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


def _announce(author, smyrna, title, body, **audience):
    if Announcement.objects.filter(agency=smyrna, title=title).exists():
        return
    programme = audience.pop("programme", None)
    item = actions.save_announcement(
        author,
        Announcement(agency=smyrna),
        {"title": title, "body": body, "programme": programme},
        **audience,
    )
    actions.publish(author, item)


def load_outreach(smyrna):
    dunning = StaffRole.objects.get(agency=smyrna, user__username="brandon.dunning")
    areas = _neighbourhoods(smyrna)
    unit = _catalogue(smyrna, dunning)
    topics = _topics(smyrna)
    for email in TOWN_SUBSCRIBERS:
        _subscriber(smyrna, email)
    _subscriber(smyrna, DIGEST_READER, [areas["downtown"]], frequency="weekly")
    author = dunning.user
    _announce(
        author,
        smyrna,
        "Smyrna's Community Policing Unit launches on 30 July",
        UNIT_LAUNCH,
        programme=unit,
        topics=[topics["crime-prevention"], topics["events"]],
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
