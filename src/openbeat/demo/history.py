"""The demo town's concerns since the Community Policing Unit started: a real town's record.

Residents report through the real write path at the moment they would have (the demo clock),
officers acknowledge them in their working hours and close them days later (referred streetlights
and towed cars take longest); a few closings are contested and closed again. Each kind of
concern has its own places, hours, weekdays and seasons:

- speeding on Main Street by the school at drop-off and pick-up, on school days, until the
  joint response (RESPONSE_DAYS_AGO) cut it to a quarter; some elsewhere in town;
- noise, graffiti and loitering by the park on South Street (approximate), noise at night and
  more in summer, graffiti found in the morning;
- parking downtown in the day, streetlights out in the evening (more in winter), abandoned cars
  anywhere in town;
- one or two raised at each monthly community awareness meeting, logged by the officer there.

Counts are deterministic (each stream reports when its expected count passes a whole number,
day by day), places and hours come from a fixed seed, so the figures are the same on every
load of the same day. Loading twice adds nothing: each concern carries its own form nonce.
"""

import datetime
import math
import random

from django.utils import timezone

from openbeat.concerns import actions
from openbeat.concerns.models import Concern, Source, Status
from openbeat.demo.clock import at
from openbeat.events.models import Occurrence, OccurrenceStatus

SEED = 20250707
NONCE = "demo-history-"
BEGINS = datetime.datetime(2025, 7, 10, tzinfo=datetime.UTC)  # online reporting opened
YEAR = datetime.timedelta(days=395)  # a little over the dashboards' twelve months
RESPONSE_DAYS_AGO = 100  # the speeding response began then (the loader's problem says so)

PARK = (39.2961, -75.6033)
SCHOOL = ((39.3030, -75.6085), (39.2995, -75.6072))  # Main Street along the school
DOWNTOWN = (39.293, -75.611, 39.304, -75.597)  # south, west, north, east
TOWN = (39.274, -75.622, 39.326, -75.573)

SCHOOL_RUN = [(7, 8), (8, 9), (14, 15), (15, 16)]
EVENING = [(17, 18), (18, 19), (19, 20), (20, 21), (21, 22), (22, 23)]
NIGHT = [(21, 22), (22, 23), (23, 24), (0, 1), (1, 2)]
MORNING = [(6, 7), (7, 8), (8, 9), (9, 10), (10, 11)]
DAYTIME = [(h, h + 1) for h in range(8, 19)]

# (category, monthly rate, place, hours, weekday weights Mon..Sun, seasonal, what residents say)
STREAMS = [
    (
        "speeding-traffic",
        5.5,
        "school",
        SCHOOL_RUN,
        (1.3, 1.3, 1.3, 1.3, 1.3, 0.1, 0.1),
        None,
        [
            "Cars speed past the school at pick-up time.",
            "A car went through the crosswalk at 40 mph this morning.",
            "Drivers ignore the school-zone limit on Main Street.",
        ],
    ),
    (
        "speeding-traffic",
        0.6,
        "town",
        DAYTIME,
        (1, 1, 1, 1, 1, 1, 1),
        None,
        ["Drivers race down our street after work."],
    ),
    (
        "parking",
        2.4,
        "downtown",
        DAYTIME,
        (1.1, 1.1, 1.1, 1.1, 1.2, 0.8, 0.6),
        None,
        ["Cars parked on the sidewalk on Main Street.", "A truck blocks the bus stop again."],
    ),
    (
        "noise",
        1.4,
        "park",
        NIGHT,
        (0.6, 0.6, 0.6, 0.8, 1.6, 2.2, 1.0),
        "summer",
        ["Loud music late at night by the park.", "Fireworks and shouting after midnight."],
    ),
    (
        "noise",
        0.6,
        "downtown",
        NIGHT,
        (0.6, 0.6, 0.6, 0.8, 1.6, 2.2, 1.0),
        "summer",
        ["A party on Commerce Street kept the block awake."],
    ),
    (
        "vandalism-graffiti",
        1.6,
        "park",
        MORNING,
        (1.4, 1.1, 1, 1, 1, 0.8, 0.7),
        None,
        ["New graffiti on the park restrooms.", "Tags sprayed on the park wall overnight."],
    ),
    (
        "loitering",
        1.0,
        "park",
        EVENING,
        (0.7, 0.7, 0.8, 0.9, 1.4, 1.6, 0.9),
        "summer",
        ["Groups gathering by the park after dark."],
    ),
    (
        "street-lighting",
        1.1,
        "town",
        EVENING,
        (1, 1, 1, 1, 1, 1, 1),
        "winter",
        ["Streetlight out at the corner.", "Two lamps dark on our block for a week."],
    ),
    (
        "abandoned-vehicle",
        0.7,
        "town",
        DAYTIME,
        (1.1, 1.1, 1.1, 1.1, 1.1, 0.8, 0.7),
        None,
        ["A car left for weeks without plates."],
    ),
]
# Days to close (median, spread of its logarithm) and how a closing reads, by category.
CLOSING = {
    "speeding-traffic": (6, 0.6, Status.RESOLVED, "Patrols added at the times you reported."),
    "parking": (1.5, 0.7, Status.RESOLVED, "Ticketed and moved."),
    "noise": (1, 0.6, Status.RESOLVED, "Officers spoke to the people responsible."),
    "vandalism-graffiti": (4, 0.6, Status.RESOLVED, "Cleaned by Parks staff."),
    "loitering": (2, 0.6, Status.RESOLVED, "Extra evening patrols by the park."),
    "street-lighting": (9, 0.5, Status.REFERRED, "Passed to Smyrna Public Works."),
    "abandoned-vehicle": (12, 0.5, Status.RESOLVED, "Owner found; the car was towed."),
}
CONTESTED_EVERY = 25  # one closing in this many is disputed by its resident


def _season(kind, day):
    if kind is None:
        return 1.0
    # 1 at the peak month (July for summer, January for winter), down to 0.5 opposite.
    peak = 7 if kind == "summer" else 1
    return 0.75 + 0.25 * math.cos((day.month - peak) / 12 * 2 * math.pi)


def _point(place, rng):
    if place == "school":
        (lat1, lon1), (lat2, lon2) = SCHOOL
        t = rng.random()
        return lat1 + (lat2 - lat1) * t + rng.uniform(-3e-4, 3e-4), lon1 + (lon2 - lon1) * t
    if place == "park":
        return PARK[0] + rng.gauss(0, 0.0009), PARK[1] + rng.gauss(0, 0.0011)
    south, west, north, east = DOWNTOWN if place == "downtown" else TOWN
    return rng.uniform(south, north), rng.uniform(west, east)


def plan(now, tz):
    """(nonce, category, lat, lon, description, reported at) of every concern, oldest first."""
    rng = random.Random(SEED)
    start = max(BEGINS, now - YEAR)
    response = now - datetime.timedelta(days=RESPONSE_DAYS_AGO)
    reports = []
    for number, (category, rate, place, hours, weekdays, season, texts) in enumerate(STREAMS):
        expected = rng.random()  # where in its first report each stream starts
        day = timezone.localtime(start, tz).date()
        while True:
            if (
                place == "school"
                and datetime.datetime.combine(day, datetime.time(), tz) >= response
            ):
                rate_today = rate / 4  # the joint response: speed trailer, patrols, flashing signs
            else:
                rate_today = rate
            expected += rate_today * 12 / 365 * weekdays[day.weekday()] * _season(season, day)
            while expected >= 1:
                expected -= 1
                low, high = rng.choice(hours)
                moment = datetime.datetime.combine(day, datetime.time(low % 24), tz)
                moment += datetime.timedelta(minutes=rng.uniform(0, 60 * (high - low)))
                lat, lon = _point(place, rng)
                reports.append((category, lat, lon, rng.choice(texts), moment, number))
            day += datetime.timedelta(days=1)
            if datetime.datetime.combine(day, datetime.time(), tz) > now:
                break
    reports = [r for r in reports if start <= r[4] < now - datetime.timedelta(hours=2)]
    reports.sort(key=lambda r: (r[4], r[5]))
    return [
        (f"{NONCE}{n}", category, lat, lon, text, when)
        for n, (category, lat, lon, text, when, _stream) in enumerate(reports)
    ]


def _working(moment, tz, rng):
    """When an officer next sees a report: within the hour in the unit's working hours
    (7 a.m. to 11 p.m.), otherwise the next morning; then a lognormal wait of about 2 hours."""
    local = timezone.localtime(moment, tz)
    if local.hour < 7 or local.hour >= 23:
        next_day = local.date() + datetime.timedelta(days=1 if local.hour >= 23 else 0)
        local = datetime.datetime.combine(next_day, datetime.time(7), tz)
    return local + datetime.timedelta(hours=rng.lognormvariate(math.log(2), 0.8))


def _answer(officer, concern, reported, now, rng, tz):
    """Acknowledge, close, and now and then reopen on the resident's word and close again."""
    acknowledged = _working(reported, tz, rng)
    if acknowledged >= now:
        return
    with at(acknowledged):
        actions.change_status(
            concern, Status.ACKNOWLEDGED, "We are looking into it.", acting_user=officer
        )
    median, spread, status, note = CLOSING[concern.category.slug]
    days = median * rng.lognormvariate(0, spread)
    closed = _working(acknowledged + datetime.timedelta(days=days), tz, rng)
    if closed >= now:
        return
    partner = "Smyrna Public Works" if status == Status.REFERRED else ""
    with at(closed):
        actions.change_status(concern, status, note, partner, acting_user=officer)
    if concern.pk % CONTESTED_EVERY or closed + datetime.timedelta(days=8) >= now:
        return
    with at(closed + datetime.timedelta(days=2)):
        actions.contest(concern.tracking_token, "It is not fixed: the same thing happened again.")
    concern.refresh_from_db()
    with at(_working(closed + datetime.timedelta(days=rng.uniform(3, 6)), tz, rng)):
        actions.change_status(concern, status, "Checked again and dealt with.", acting_user=officer)


# Raised at the monthly community awareness meetings, logged by the officer there.
AT_MEETINGS = [
    ("speeding-traffic", "school", "Parents asked about speeding by the school."),
    ("parking", "downtown", "Cars parked on the sidewalk near the shops."),
    ("street-lighting", "town", "A resident reported a dark stretch of road."),
    ("noise", "park", "Neighbors of the park raised late-night noise."),
]


def _meetings(smyrna, start, now):
    return Occurrence.objects.filter(
        agency=smyrna,
        event__slug="community-awareness-meeting",
        status=OccurrenceStatus.SCHEDULED,
        start__gte=start,
        end__lte=now,
    ).order_by("start")


def load(smyrna, officer):
    """Report and answer the town's concerns, online and at the meetings, once."""
    if Concern.objects.filter(agency=smyrna, form_nonce__startswith=NONCE).exists():
        return
    now = timezone.now()
    rng = random.Random(SEED)
    reports = [(nonce, None, *rest) for nonce, *rest in plan(now, smyrna.tz)]
    # By the meeting's place in the year, not its id: the same town on every database (ids
    # on PostgreSQL keep counting across loads and tests).
    for index, meeting in enumerate(_meetings(smyrna, max(BEGINS, now - YEAR), now)):
        for n in range(1 + index % 2):
            category, place, text = AT_MEETINGS[(index + n) % len(AT_MEETINGS)]
            when = meeting.start + datetime.timedelta(minutes=30 + 15 * n)
            nonce = f"{NONCE}meeting-{meeting.pk}-{n}"
            reports.append((nonce, meeting, category, *_point(place, rng), text, when))
    for nonce, meeting, category, lat, lon, text, when in sorted(reports, key=lambda r: r[-1]):
        with at(when):
            concern, _created = actions.submit_concern(
                {
                    "category": category,
                    "latitude": f"{lat:.6f}",
                    "longitude": f"{lon:.6f}",
                    "description": text,
                    "nonce": nonce,
                },
                source=Source.MEETING if meeting else Source.WEB,
                occurrence=meeting,
                acting_user=officer if meeting else None,
            )
        _answer(officer, concern, when, now, rng, smyrna.tz)
