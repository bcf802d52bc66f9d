"""What the dashboards count: response times, where concerns come from, engagement, trust.

Each function reads one agency's rows for a bounded time span (the dashboards' twelve months, or
the dates a grant report asks for) and returns plain data; `dashboards.py` stores it.

Published figures follow three rules, which the transparency page states beside them:
- a figure comes with its count: how many concerns (or closures) it is computed from;
- below a minimum sample there is no figure, only the count ("not enough data"): a median needs
  MIN_FOR_MEDIAN values, a 90th percentile MIN_FOR_P90 and a share MIN_FOR_SHARE; the trust
  index needs settings.OPENBEAT_TRUST_MIN_ANSWERS answers;
- a time to close is measured only to a closing OpenBeat recorded (a status update): a concern
  imported already closed has no closing time and is counted as resolved, never as "closed in
  0 hours". Concerns still open are not in the closing times.
"""

import bisect
import datetime
from collections import defaultdict

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldError
from django.db.models import Count, Min, Q, Sum
from django.utils import timezone

from openbeat.concerns.models import (
    CLOSED_STATUSES,
    Concern,
    ConcernUpdate,
    Source,
    Status,
    UpdateKind,
)
from openbeat.events.models import Event, Occurrence, OccurrenceStatus, RSVPStatus
from openbeat.insights.models import SurveyResponse
from openbeat.insights.stats import ITEMS, answer_score, percentile, trust_index

RESOLVED = sorted(CLOSED_STATUSES - {Status.DUPLICATE})
HOUR = 3600
# The fewest values a published median, 90th percentile or share is computed from. With fewer,
# one slow or contested case moves the figure by itself: the page says "not enough data".
MIN_FOR_MEDIAN = 5
MIN_FOR_P90 = 10
MIN_FOR_SHARE = 10


def months_back(agency, count, now=None):
    """The first days of the last `count` months, oldest first, in the agency's time zone."""
    today = timezone.localtime(now or timezone.now(), agency.tz).date()
    year, month = today.year, today.month
    months = []
    for _step in range(count):
        months.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def month_start(agency, first_day):
    """The moment a local month begins, as an aware datetime."""
    return datetime.datetime(first_day.year, first_day.month, 1, tzinfo=agency.tz)


def _month_key(agency, when):
    return timezone.localtime(when, agency.tz).strftime("%Y-%m")


def _hours(delta):
    return delta.total_seconds() / HOUR


def _summary(waits):
    """Median and 90th percentile, in hours to one decimal, and how many; each None below its
    minimum sample (MIN_FOR_MEDIAN, MIN_FOR_P90)."""
    n = len(waits)
    median = round(percentile(waits, 0.5), 1) if n >= MIN_FOR_MEDIAN else None
    p90 = round(percentile(waits, 0.9), 1) if n >= MIN_FOR_P90 else None
    return {"n": n, "median": median, "p90": p90}


class LocalMonths:
    """The agency's local month ("YYYY-MM") of instants: a search among the first instants of the
    months from `since` to `until`, rather than a time-zone conversion of every instant (the
    dashboards ask for hundreds of thousands). Instants outside them are converted."""

    def __init__(self, agency, since, until):
        self.agency = agency
        self.starts, self.keys = [], []
        day = timezone.localtime(since, agency.tz).date().replace(day=1)
        while not self.starts or self.starts[-1] <= until:
            # At a local midnight that does not exist (a DST gap), this is the gap's end.
            self.starts.append(month_start(agency, day).astimezone(datetime.UTC))
            self.keys.append(day.strftime("%Y-%m"))
            day = (day + datetime.timedelta(days=32)).replace(day=1)

    def __call__(self, when):
        index = bisect.bisect_right(self.starts, when)
        if 0 < index < len(self.starts):
            return self.keys[index - 1]
        return _month_key(self.agency, when)


class ConcernSpan:
    """One agency's concerns since a date, with their first acknowledgements and their closure
    histories: read once, then counted for the public and for staff (the public figures are the
    staff figures without private concerns and sensitive categories)."""

    def __init__(self, agency, since, until=None):
        self.months = LocalMonths(agency, since, until or timezone.now())
        concerns = Concern.objects.filter(agency=agency, created_at__gte=since)
        self.rows = [  # (the row, whether the public sees it)
            (row[:7], not (row[7] or row[8]))
            for row in concerns.values_list(
                "pk",
                "created_at",
                "closed_at",
                "status",
                "source",
                "category__name_en",
                "area__name",
                "is_private",
                "category__is_sensitive",
            )
        ]
        ids = concerns.values("pk")
        self.acknowledged = dict(
            ConcernUpdate.objects.filter(
                concern_id__in=ids, kind=UpdateKind.STATUS, status_before=Status.SUBMITTED
            )
            .values("concern_id")
            .annotate(first=Min("created_at"))
            .values_list("concern_id", "first")
        )
        self.histories = _closure_histories(ids)

    def concerns(self, public):
        """(pk, created, closed, status, source, category, area) of the concerns an audience
        sees, duplicates included."""
        return [row for row, seen in self.rows if seen or not public]


def response_metrics(agency, since, public=True, span=None):
    """Time to acknowledge and to close (median, 90th percentile) by category, area and month;
    closures and the share contested by month; concerns raised at meetings and online by month.

    Acknowledged: the first status change out of "submitted". Closed: the concern's closing
    time (a reopened concern counts when it closes again), when OpenBeat recorded the closing.
    Duplicates are left out: they close by being merged, not by being dealt with. Each group
    also counts the concerns reported in it ("reported"), so a reader sees how many are still
    open. `span`: the concerns already read (ConcernSpan).
    """
    span = span or ConcernSpan(agency, since)
    month_of, acknowledged, histories = span.months, span.acknowledged, span.histories
    concerns = span.concerns(public)
    groups = {
        dimension: defaultdict(lambda: ([], [], [0])) for dimension in ("category", "area", "month")
    }
    sources = defaultdict(lambda: {"meeting": 0, "online": 0})
    for pk, created, closed, status, source, category, area in concerns:
        if status == Status.DUPLICATE:
            continue
        month = month_of(created)
        ack = _hours(acknowledged[pk] - created) if pk in acknowledged else None
        recorded = any(kind == UpdateKind.STATUS for kind, _at in histories.get(pk, ()))
        close = _hours(closed - created) if closed and recorded and status in RESOLVED else None
        for dimension, key in (("category", category), ("area", area or ""), ("month", month)):
            acks, closes, reported = groups[dimension][key]
            reported[0] += 1
            if ack is not None:
                acks.append(ack)
            if close is not None:
                closes.append(close)
        sources[month]["meeting" if source == Source.MEETING else "online"] += 1
    result = {
        dimension: [
            {
                "key": key,
                "reported": reported[0],
                "acknowledge": _summary(acks),
                "close": _summary(closes),
            }
            for key, (acks, closes, reported) in sorted(table.items())
        ]
        for dimension, table in groups.items()
    }
    result["sources"] = [{"month": m, **counts} for m, counts in sorted(sources.items())]
    result["closures"] = _closures(
        month_of, [histories[row[0]] for row in concerns if row[0] in histories]
    )
    return result


def _closure_histories(concern_ids):
    """Each concern's closures (not as duplicates) and contests, in order."""
    updates = ConcernUpdate.objects.filter(concern_id__in=concern_ids).filter(
        Q(kind=UpdateKind.STATUS, status_after__in=RESOLVED) | Q(kind=UpdateKind.CONTEST)
    )
    history = defaultdict(list)
    for concern_id, kind, at in updates.values_list("concern_id", "kind", "created_at").order_by(
        "created_at", "id"
    ):
        history[concern_id].append((kind, at))
    return history


def _closures(month_of, histories):
    """Closures (not as duplicates) per month, and how many of them residents contested.

    A closure is contested when the concern's reporter or a supporter disputed it afterwards
    (a "contest" update later than the closure, before the next closure). The share is None
    below MIN_FOR_SHARE closures.
    """
    months = defaultdict(lambda: {"closed": 0, "contested": 0})
    for entries in histories:
        for index, (kind, at) in enumerate(entries):
            if kind != UpdateKind.STATUS:
                continue
            month = months[month_of(at)]
            month["closed"] += 1
            following = entries[index + 1] if index + 1 < len(entries) else None
            if following and following[0] == UpdateKind.CONTEST:
                month["contested"] += 1
    return [
        {
            "month": key,
            **counts,
            "share": round(counts["contested"] / counts["closed"] * 100, 1)
            if counts["closed"] >= MIN_FOR_SHARE
            else None,
        }
        for key, counts in sorted(months.items())
    ]


def concern_counts(agency, since, public=True, span=None):
    """Concerns raised and concerns resolved, per month. `span`: as for response_metrics."""
    span = span or ConcernSpan(agency, since)
    month_of = span.months
    raised, resolved = defaultdict(int), defaultdict(int)
    for _pk, created, closed, status, *_rest in span.concerns(public):
        if status == Status.DUPLICATE:
            continue
        raised[month_of(created)] += 1
        if closed and status in RESOLVED:
            resolved[month_of(closed)] += 1
    return {"raised": dict(raised), "resolved": dict(resolved)}


# -- Engagement --------------------------------------------------------------------------------


def held_meetings(agency, start, end):
    """Meetings the agency hosted or co-hosted that took place between start and end."""
    now = timezone.now()
    return (
        Occurrence.objects.filter(Q(agency=agency) | Q(event__co_hosts=agency))
        .filter(status=OccurrenceStatus.SCHEDULED, start__gte=start, start__lt=min(end, now))
        .distinct()
        .select_related("event")
        .order_by("start")
    )


def _meeting_facts(occurrences):
    """Attendance, officers and concerns logged for each meeting, in four queries."""
    ids = [o.pk for o in occurrences]
    came = dict(
        Occurrence.objects.filter(pk__in=ids)
        .annotate(
            n=Sum(
                "rsvps__party_size",
                filter=Q(rsvps__status=RSVPStatus.CONFIRMED, rsvps__checked_in_at__isnull=False),
            )
        )
        .values_list("pk", "n")
    )
    raised = dict(
        Concern.objects.filter(raised_at_id__in=ids)
        .values("raised_at_id")
        .annotate(n=Count("id"))
        .values_list("raised_at_id", "n")
    )
    officers = defaultdict(list)
    for link in Event.officers.through.objects.filter(
        event_id__in={o.event_id for o in occurrences}
    ).select_related("staffrole__user"):
        officers[link.event_id].append(link.staffrole)
    facts = []
    for occurrence in occurrences:
        facts.append(
            {
                "occurrence": occurrence,
                "attendance": (came.get(occurrence.pk) or 0) + occurrence.walk_ins,
                "hours": _hours(occurrence.end - occurrence.start),
                "concerns": raised.get(occurrence.pk, 0),
                "officers": officers.get(occurrence.event_id, []),
            }
        )
    return facts


def volunteer_hours(agency, start, end):
    """Hours residents volunteered on the agency's projects, when the projects app is installed."""
    if not apps.is_installed("openbeat.projects"):
        return None
    try:
        sign_ups = apps.get_model("projects", "SignUp").objects.filter(
            agency=agency, shift__start__gte=start, shift__start__lt=end, hours__isnull=False
        )
        total = sign_ups.aggregate(total=Sum("hours"))["total"]
    except (LookupError, FieldError):  # a projects app without recorded hours
        return None
    return round(float(total or 0), 2)


def _row(level, name, facts, officers, hours):
    return {
        "level": level,
        "name": name,
        "events": len({f["occurrence"].pk for f in facts}),
        "attendance": sum(f["attendance"] for f in facts),
        "officers": len(officers),
        "officer_hours": round(hours, 2),
        "concerns": sum(f["concerns"] for f in facts),
    }


def engagement(agency, start, end):
    """The engagement record for a grant report: one row for the agency, one per unit, one per
    officer of the agency (the officers listed on the meetings), for meetings between start and end.

    Attendance is the checked-in replies' people plus walk-ins; officer hours are each listed
    officer's time at each meeting.
    """
    facts = _meeting_facts(list(held_meetings(agency, start, end)))
    own = lambda f: [r for r in f["officers"] if r.agency_id == agency.pk]  # noqa: E731
    everyone = {r.pk for f in facts for r in own(f)}
    total_hours = sum(f["hours"] * len(own(f)) for f in facts)
    agency_row = _row("agency", agency.name, facts, everyone, total_hours)
    agency_row["volunteer_hours"] = volunteer_hours(agency, start, end)
    units, people = defaultdict(list), defaultdict(list)
    for fact in facts:
        for role in own(fact):
            units[role.unit or ""].append((fact, role))
            people[role.pk].append((fact, role))
    rows = [agency_row]
    for unit, pairs in sorted(units.items()):
        if not unit:
            continue
        meetings = list({f["occurrence"].pk: f for f, _r in pairs}.values())
        rows.append(
            _row(
                "unit", unit, meetings, {r.pk for _f, r in pairs}, sum(f["hours"] for f, _ in pairs)
            )
        )
    for pairs in sorted(people.values(), key=lambda p: p[0][1].display_name):
        role = pairs[0][1]
        rows.append(
            _row(
                "officer",
                role.display_name,
                [f for f, _r in pairs],
                {role.pk},
                sum(f["hours"] for f, _r in pairs),
            )
        )
    return rows


def meetings_by_month(agency, since):
    """Meetings held and people who came, per month."""
    facts = _meeting_facts(list(held_meetings(agency, since, timezone.now())))
    months = defaultdict(lambda: {"held": 0, "attendance": 0, "concerns": 0})
    for fact in facts:
        month = months[_month_key(agency, fact["occurrence"].start)]
        month["held"] += 1
        month["attendance"] += fact["attendance"]
        month["concerns"] += fact["concerns"]
    return dict(months)


# -- Trust -------------------------------------------------------------------------------------


def trust(agency, since):
    """The trust index by month (all areas together) and by area and month."""
    minimum = settings.OPENBEAT_TRUST_MIN_ANSWERS
    answers = SurveyResponse.objects.filter(agency=agency, month__gte=since.date()).values(
        "month", "area__name", *ITEMS
    )
    by_month, by_area = defaultdict(list), defaultdict(list)
    for answer in answers:
        score = answer_score(answer)
        month = answer["month"].strftime("%Y-%m")
        by_month[month].append(score)
        by_area[answer["area__name"] or "", month].append(score)
    return {
        "minimum": minimum,
        "months": [
            {"month": month, **trust_index(scores, minimum)}
            for month, scores in sorted(by_month.items())
        ],
        "areas": [
            {"area": area, "month": month, **trust_index(scores, minimum)}
            for (area, month), scores in sorted(by_area.items())
        ],
    }


def local_midnight(agency, day):
    """The moment a local calendar day begins, in the agency's time zone."""
    return datetime.datetime.combine(day, datetime.time.min, agency.tz)
