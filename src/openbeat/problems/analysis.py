"""Data computed for a problem, in SQL: its concerns over time, by hour and weekday, and the
before/after assessment of the response.

The assessment compares the concerns of two equal windows, before and after the response
began, each at least MIN_WINDOW_DAYS long, with at least MIN_TO_JUDGE concerns in the two; a
change is called a rise or a fall only when an exact binomial test says chance would make it
less than one time in twenty. Otherwise it says which of these it lacks, never a percentage.
"""

import datetime
import math
from collections import Counter
from typing import Any

from django.db.models import Count, Func, Min, Q, TextField
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from openbeat.concerns.models import Category, Concern, Status
from openbeat.problems.models import Problem

# Before/after (see before_after): equal windows of four weeks to six months, at least ten
# concerns in the two, and a change chance would make less than one time in twenty.
MAX_WINDOW_DAYS = 180
MIN_WINDOW_DAYS = 28
MIN_TO_JUDGE = 10
SIGNIFICANCE = 0.05


class UTCBucket(Func):
    """A timestamp's UTC hour (or minute) as text, "YYYY-MM-DD HH[:MM]", computed in SQL.

    Grouping on it is one pass over an index; `Extract…(tzinfo=…)` would call a Python function
    per row on SQLite and sort every row on PostgreSQL, once per chart.
    """

    output_field = TextField()

    def __init__(self, expression, minutes=False):
        self.length = 16 if minutes else 13
        super().__init__(expression)

    def as_sqlite(self, compiler, connection, **extra):
        # Django stores SQLite datetimes as UTC text, "YYYY-MM-DD HH:MM:SS.ffffff".
        return self.as_sql(
            compiler, connection, template=f"substr(%(expressions)s, 1, {self.length})", **extra
        )

    def as_postgresql(self, compiler, connection, **extra):
        pattern = "YYYY-MM-DD HH24:MI" if self.length == 16 else "YYYY-MM-DD HH24"
        return self.as_sql(
            compiler,
            connection,
            template=f"to_char(%(expressions)s AT TIME ZONE 'UTC', '{pattern}')",
            **extra,
        )


def concerns_for(problem):
    """The public concerns that describe the problem: its place (area, or its outline's bounding
    box, tested on public points) and its categories, in the agencies that own it; duplicates
    are counted once, as originals.

    Filtered on category ids (the agencies' public categories of the problem's kinds), so the
    index (area, category, created_at, status, is_private, is_hidden) answers it without
    reading rows.
    """
    agencies = [problem.agency_id] + ([problem.co_owner_id] if problem.co_owner_id else [])
    categories = Category.objects.filter(agency_id__in=agencies, is_sensitive=False)
    slugs = [c.slug for c in problem.categories.all()]
    if slugs:
        categories = categories.filter(slug__in=slugs)
    concerns = (
        Concern.objects.public()
        .filter(category_id__in=list(categories.values_list("pk", flat=True)))
        .exclude(status=Status.DUPLICATE)
    )
    if problem.area_id:
        concerns = concerns.filter(area_id=problem.area_id)
    elif problem.boundary:
        from shapely.geometry import shape  # imported when used (see openbeat.core.geo)

        west, south, east, north = shape(problem.boundary).bounds
        concerns = concerns.in_public_box(south, west, north, east)
    return concerns


def _whole_hour_offsets(tz):
    """Whether every offset of the zone is whole hours, so a UTC hour is one local hour."""
    year = timezone.now().year
    return all(
        tz.utcoffset(datetime.datetime(year, month, 1)).total_seconds() % 3600 == 0
        for month in (1, 7)
    )


def charts(concerns, tz, months=12, now=None):
    """The month (the last `months`), hour-of-day and weekday (every concern) series, with the
    number of concerns and the local day of the first, from one GROUP BY over UTC hours.

    Each UTC hour is converted to the agency's time in Python (exact: an hour never straddles
    a change of offset; zones with half-hour offsets are grouped by minute instead).
    """
    since = (now or timezone.now()) - datetime.timedelta(days=31 * months)
    minutes = not _whole_hour_offsets(tz)
    rows = (
        concerns.annotate(bucket=UTCBucket("created_at", minutes=minutes))
        .values("bucket")
        .annotate(
            n=Count("created_at"), recent=Count("created_at", filter=Q(created_at__gte=since))
        )
        .order_by()
        .values_list("bucket", "n", "recent")
    )
    per_month, per_hour, per_day = Counter(), Counter(), Counter()
    first = None
    for bucket, n, recent in rows:
        # "YYYY-MM-DD HH[:MM]" by position: strptime would cost more than the query.
        utc = datetime.datetime(
            int(bucket[:4]),
            int(bucket[5:7]),
            int(bucket[8:10]),
            int(bucket[11:13]),
            int(bucket[14:16]) if minutes else 0,
            tzinfo=datetime.UTC,
        )
        local = utc.astimezone(tz)
        first = min(first or local, local)
        per_hour[local.hour] += n
        per_day[local.isoweekday()] += n
        if recent:
            per_month[local.strftime("%Y-%m")] += recent
    names = [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]
    return {
        "total": sum(per_hour.values()),
        "first": first.date() if first else None,
        "month": sorted(per_month.items()),
        "hour": [(f"{hour:02d}", per_hour[hour]) for hour in range(24)],
        "weekday": [(names[day - 1], per_day[day]) for day in range(1, 8)],
    }


def binomial_p(after, total):
    """Two-sided p-value of `after` of `total` concerns falling in the second of two equal
    windows, if each concern were as likely to fall in either (exact binomial test, p = 1/2).

    Given the total, a steady rate splits it like coin tosses: P(X ≤ k) = Σ C(n, i) / 2ⁿ, and
    the two-sided value doubles the smaller tail (the distribution is symmetric).
    """
    if total == 0:
        return 1.0
    tail = sum(math.comb(total, i) for i in range(min(after, total - after) + 1))
    return min(1.0, 2 * tail / 2**total)


def before_after(problem: Problem, now: datetime.datetime | None = None) -> dict[str, Any] | None:
    """Concerns in two equal windows before and after the response began, judged, or None
    before the response begins.

    The windows are as long as the response has run (after closing too, so the result shows
    whether the change lasted), at most MAX_WINDOW_DAYS, and no longer than the agency's record
    before it (from its first concern): a window before the record would count nothing, not
    fewer concerns. The outcome is:
    - "early": the response has run fewer than MIN_WINDOW_DAYS days (four whole weeks, so
      each weekday is counted as often before as after);
    - "history": the record begins fewer than MIN_WINDOW_DAYS days before the response;
    - "few": fewer than MIN_TO_JUDGE concerns in the two windows together;
    - "fewer" or "more": the change is one chance would make less than one time in twenty
      (binomial_p below SIGNIFICANCE);
    - "same": a difference chance alone could make.
    The percentage change is given only for a judged comparison with concerns before it.
    """
    start = problem.response_started_at
    if start is None:
        return None
    ran = ((now or timezone.now()) - start).days
    first = Concern.objects.filter(agency_id=problem.agency_id).aggregate(first=Min("created_at"))
    recorded = (start - first["first"]).days if first["first"] else 0
    days = max(0, min(ran, MAX_WINDOW_DAYS, recorded))
    window = datetime.timedelta(days=days)
    counts = concerns_for(problem).aggregate(
        before=Count("created_at", filter=Q(created_at__gte=start - window, created_at__lt=start)),
        after=Count("created_at", filter=Q(created_at__gte=start, created_at__lt=start + window)),
    )
    before, after = counts["before"], counts["after"]
    p = binomial_p(after, before + after)
    if ran < MIN_WINDOW_DAYS:
        outcome = "early"
    elif days < MIN_WINDOW_DAYS:
        outcome = "history"
    elif before + after < MIN_TO_JUDGE:
        outcome = "few"
    elif p < SIGNIFICANCE:
        outcome = "fewer" if after < before else "more"
    else:
        outcome = "same"
    judged = outcome not in ("early", "history", "few")
    per_30 = 30 / days if days else 0
    return {
        "days": days,
        "ran": max(ran, 0),
        "before": before,
        "after": after,
        "before_rate": round(before * per_30, 1),
        "after_rate": round(after * per_30, 1),
        "change": round((after - before) / before * 100) if judged and before else None,
        "p": p,
        "outcome": outcome,
        "judged": judged,
        "verdict": verdict(outcome, before, after, max(ran, 0) if outcome == "early" else days),
    }


def verdict(outcome, before, after, days):
    """The comparison in words, with its counts and window, for the public."""
    counts = {"before": before, "after": after, "days": days}
    if outcome == "early":
        return ngettext(
            "Too early to compare: the response has run %(days)s day, and a comparison needs at "
            "least %(minimum)s days after it began and as many before.",
            "Too early to compare: the response has run %(days)s days, and a comparison needs at "
            "least %(minimum)s days after it began and as many before.",
            days,
        ) % {"days": days, "minimum": MIN_WINDOW_DAYS}
    if outcome == "history":
        return ngettext(
            "Not enough history to compare: concerns were first recorded here %(days)s day "
            "before the response began, and a comparison needs at least %(minimum)s days before "
            "it and as many after.",
            "Not enough history to compare: concerns were first recorded here %(days)s days "
            "before the response began, and a comparison needs at least %(minimum)s days before "
            "it and as many after.",
            days,
        ) % {"days": days, "minimum": MIN_WINDOW_DAYS}
    if outcome == "few":
        return _(
            "Not enough data to compare: %(before)s before and %(after)s after the response "
            "began, in two windows of %(days)s days; a comparison needs at least %(minimum)s "
            "concerns in the two."
        ) % {**counts, "minimum": MIN_TO_JUDGE}
    if outcome == "same":
        return (
            _(
                "No clear change: %(before)s before and %(after)s after the response began, in two "
                "windows of %(days)s days, a difference chance alone could make."
            )
            % counts
        )
    change = abs(round((after - before) / before * 100)) if before else None
    if outcome == "more" and change is None:
        return (
            _(
                "More concerns since the response began: none before and %(after)s after, in two "
                "windows of %(days)s days."
            )
            % counts
        )
    message = (
        _(
            "Fewer concerns since the response began: down %(pct)s%%, from %(before)s to "
            "%(after)s in two windows of %(days)s days."
        )
        if outcome == "fewer"
        else _(
            "More concerns since the response began: up %(pct)s%%, from %(before)s to "
            "%(after)s in two windows of %(days)s days."
        )
    )
    return message % {**counts, "pct": change}


def bar_chart(series, width=600, height=180, max_labels=8):
    """Geometry for a server-rendered SVG bar chart (the template draws it).

    At most `max_labels` axis labels are drawn, large enough to read on a phone; every value is
    in the bar's tooltip and in the table under the chart.
    """
    top = max((value for _label, value in series), default=0) or 1
    slot = width / max(len(series), 1)
    every = max(1, -(-len(series) // max_labels))
    bars = []
    for index, (label, value) in enumerate(series):
        bar_height = round(value / top * (height - 34), 1)
        bars.append(
            {
                "label": label,
                "value": value,
                "x": round(index * slot + slot * 0.1, 1),
                "width": round(slot * 0.8, 1),
                "y": round(height - 28 - bar_height, 1),
                "height": bar_height,
                "text_x": round(index * slot + slot / 2, 1),
                "show_label": index % every == 0,
            }
        )
    return {"bars": bars, "width": width, "height": height, "baseline": height - 28}
