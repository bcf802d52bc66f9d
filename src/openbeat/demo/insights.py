"""Demo data for insights: the town's meetings and surveys since the Community Policing Unit
started in July 2025 (its concerns are demo.history's).

Attendance is recorded on past meetings that have none, through the meetings' own write path.
Survey answers are generated for past meetings, with trust rising slowly as the meetings go on.
Everything the dashboards show is then computed from these rows by the real code. Loading twice
adds nothing.
"""

import random

from django.db import transaction
from django.utils import timezone

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
            occurrence,
            occurrence.agenda,
            occurrence.minutes,
            rng.randint(14, 38),
            acting_user=officer,
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


def load(smyrna, clayton, officer):
    """Attendance and survey answers; then the dashboards."""
    now = timezone.now()
    rng = random.Random(SEED)
    # One transaction: the dashboards are marked stale once, not after each generated write.
    with transaction.atomic():
        meetings = _past_meetings(smyrna, now)
        _attendance(meetings, rng, officer.user)
        if meetings and not SurveyResponse.objects.filter(agency=smyrna).exists():
            _answers(meetings, rng)
    for agency in (smyrna, clayton):
        dashboards.refresh(agency.pk)
