"""Demo data for insights: a year of the town's meetings, concerns and surveys, as it might
have gone since the Community Policing Unit started in July 2025.

Attendance is recorded on past meetings that have none, through the meetings' own write path.
Concerns are reported and answered through the concerns' write paths, then dated back to when
they would have happened (the demo has no year to wait through). Survey answers are generated
for past meetings, with trust rising slowly as the meetings go on. Everything the dashboards
show is then computed from these rows by the real code. Loading twice adds nothing.
"""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from openbeat.concerns import actions as concern_actions
from openbeat.concerns.models import Concern, ConcernUpdate, Status
from openbeat.events import actions as event_actions
from openbeat.events.models import Occurrence, OccurrenceStatus
from openbeat.insights import dashboards
from openbeat.insights.models import SurveyKind, SurveyResponse, Via
from openbeat.insights.stats import ITEMS
from openbeat.insights.surveys import meeting_area, month_of

SEED = 7
COMMENTS = [
    "Good to put faces to names.",
    "Thank you for following up on the speeding.",
    "Would like more Spanish at the meetings.",
    "The officers listened.",
    "Please keep the meetings in the evening.",
    "",
    "",
    "",
]
# (category, where, what): concerns residents report online, month after month.
ONLINE = [
    ("parking", ("39.293100", "-75.601200"), "Cars parked on the sidewalk on Main Street."),
    ("noise", ("39.298800", "-75.609900"), "Loud music late at night near the park."),
    ("street-lighting", ("39.300500", "-75.603100"), "Streetlight out at the corner."),
    ("vandalism-graffiti", ("39.296100", "-75.603300"), "New graffiti on the bridge."),
    ("abandoned-vehicle", ("39.289900", "-75.596400"), "Car left for weeks without plates."),
]


def _past_meetings(smyrna, now):
    return list(
        Occurrence.objects.filter(
            agency=smyrna, status=OccurrenceStatus.SCHEDULED, end__lte=now
        ).select_related("event__area", "event__venue", "venue", "agency")
    )


def _attendance(meetings, rng, officer):
    for occurrence in meetings:
        if occurrence.walk_ins or occurrence.minutes:
            continue
        event_actions.update_record(
            officer, occurrence, occurrence.agenda, occurrence.minutes, rng.randint(14, 38)
        )


def _answers(meetings, rng):
    """Eight to sixteen answers per meeting; trust edges up over the months."""
    rows = []
    first = min(m.start for m in meetings)
    for occurrence in meetings:
        months_in = (occurrence.start - first).days / 30
        lean = min(0.9, 0.05 * months_in)  # later meetings lean a little more positive
        area = meeting_area(occurrence)
        for _answer in range(rng.randint(8, 16)):
            items = {item: max(1, min(5, round(rng.gauss(3.1 + lean, 0.9)))) for item in ITEMS}
            rows.append(
                SurveyResponse(
                    agency=occurrence.agency,
                    area=area,
                    kind=SurveyKind.MEETING,
                    via=rng.choice([Via.WALK_IN, Via.INVITATION]),
                    occurrence=occurrence,
                    month=month_of(occurrence.agency, occurrence.start),
                    comment=rng.choice(COMMENTS),
                    **items,
                )
            )
    SurveyResponse.objects.bulk_create(rows)


def _concerns(officer, rng, start, now):
    """Four online concerns a month: acknowledged within hours, most closed within days."""
    month = start
    number = 0
    while month < now - datetime.timedelta(days=7):
        for _n in range(4):
            category, (lat, lon), text = rng.choice(ONLINE)
            reported = month + datetime.timedelta(days=rng.randint(0, 25), hours=rng.randint(7, 20))
            concern, created = concern_actions.import_concern(
                f"demo:insights:{number}",
                {"category": category, "latitude": lat, "longitude": lon, "description": text},
                Status.SUBMITTED,
                reported,
            )
            number += 1
            if not created:
                continue
            _answer(officer, concern, reported, rng, now)
        month += datetime.timedelta(days=31)


def _answer(officer, concern, reported, rng, now):
    acknowledged = reported + datetime.timedelta(hours=rng.uniform(1, 30))
    concern_actions.change_status(officer, concern, Status.ACKNOWLEDGED, "We are looking into it.")
    closed = acknowledged + datetime.timedelta(days=rng.uniform(0.5, 12))
    if rng.random() < 0.85 and closed < now:
        concern_actions.change_status(officer, concern, Status.RESOLVED, "Fixed. Thank you.")
        times = iter([acknowledged, closed])
        for update in concern.updates.order_by("created_at", "id"):
            ConcernUpdate.objects.filter(pk=update.pk).update(created_at=next(times))
        Concern.objects.filter(pk=concern.pk).update(closed_at=closed)
    else:
        concern.updates.update(created_at=acknowledged)


def load(smyrna, clayton, officer):
    """Attendance, a year of concerns answered, and survey answers; then the dashboards."""
    now = timezone.now()
    rng = random.Random(SEED)
    # One transaction: the dashboards are marked stale once, not after each generated write.
    with transaction.atomic():
        meetings = _past_meetings(smyrna, now)
        _attendance(meetings, rng, officer.user)
        if meetings and not SurveyResponse.objects.filter(agency=smyrna).exists():
            _answers(meetings, rng)
        start = datetime.datetime(2025, 7, 1, tzinfo=smyrna.tz)
        _concerns(officer.user, rng, start, now)
    for agency in (smyrna, clayton):
        dashboards.refresh(agency.pk)
