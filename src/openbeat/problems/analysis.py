"""Data computed for a problem, in SQL: its concerns over time, by hour and weekday, and the
before/after assessment of the response."""

import datetime

from django.db.models import Count, Q
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import shape

from openbeat.concerns.models import Concern, Status

MAX_WINDOW_DAYS = 180
MIN_TO_JUDGE = 5
CHANGE_THRESHOLD = 0.20


def concerns_for(problem):
    """The concerns that describe the problem: its place (area, or its outline's bounding box)
    and its categories, in the agencies that own it; duplicates are counted once, as originals."""
    agencies = [problem.agency_id] + ([problem.co_owner_id] if problem.co_owner_id else [])
    # Public charts and results: private concerns and sensitive categories are not counted.
    concerns = Concern.objects.filter(
        agency_id__in=agencies, is_private=False, category__is_sensitive=False
    ).exclude(status=Status.DUPLICATE)
    if problem.area_id:
        concerns = concerns.filter(area_id=problem.area_id)
    elif problem.boundary:
        west, south, east, north = shape(problem.boundary).bounds
        concerns = concerns.filter(latitude__range=(south, north), longitude__range=(west, east))
    slugs = [c.slug for c in problem.categories.all()]
    if slugs:
        concerns = concerns.filter(category__slug__in=slugs)
    return concerns


def by_month(concerns, tz, months=12):
    since = timezone.now() - datetime.timedelta(days=31 * months)
    rows = (
        concerns.filter(created_at__gte=since)
        .annotate(month=TruncMonth("created_at", tzinfo=tz))
        .values("month")
        .annotate(n=Count("id"))
        .order_by("month")
    )
    return [(row["month"].strftime("%Y-%m"), row["n"]) for row in rows]


def by_hour(concerns, tz):
    rows = dict(
        concerns.annotate(hour=ExtractHour("created_at", tzinfo=tz))
        .values("hour")
        .annotate(n=Count("id"))
        .values_list("hour", "n")
    )
    return [(f"{hour:02d}", rows.get(hour, 0)) for hour in range(24)]


def by_weekday(concerns, tz):
    names = [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]
    rows = dict(
        concerns.annotate(day=ExtractIsoWeekDay("created_at", tzinfo=tz))
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    return [(names[day - 1], rows.get(day, 0)) for day in range(1, 8)]


def before_after(problem, now=None):
    """Concerns per 30 days in equal windows before and after the response began, or None.

    The window is as long as the response has run (at most 180 days), so a fresh response is
    compared with the weeks just before it, not with a whole year.
    """
    start = problem.response_started_at
    if start is None:
        return None
    end = problem.closed_at or now or timezone.now()
    days = min(max((end - start).days, 1), MAX_WINDOW_DAYS)
    window = datetime.timedelta(days=days)
    counts = concerns_for(problem).aggregate(
        before=Count("id", filter=Q(created_at__gte=start - window, created_at__lt=start)),
        after=Count("id", filter=Q(created_at__gte=start, created_at__lt=start + window)),
    )
    before, after = counts["before"], counts["after"]
    per_30 = 30 / days
    result = {
        "days": days,
        "before": before,
        "after": after,
        "before_rate": round(before * per_30, 1),
        "after_rate": round(after * per_30, 1),
        "change": None,
    }
    if before:
        result["change"] = round((after - before) / before * 100)
    result["verdict"] = _verdict(before, after)
    return result


def _verdict(before, after):
    if before < MIN_TO_JUDGE and after < MIN_TO_JUDGE:
        return _("Too few concerns to judge yet (fewer than %(n)s before and after).") % {
            "n": MIN_TO_JUDGE
        }
    if before == 0:
        return _("Concerns appeared only after the response began.")
    change = (after - before) / before
    if change <= -CHANGE_THRESHOLD:
        return _("Fewer concerns since the response began: down %(pct)s%%.") % {
            "pct": round(-change * 100)
        }
    if change >= CHANGE_THRESHOLD:
        return _("More concerns since the response began: up %(pct)s%%.") % {
            "pct": round(change * 100)
        }
    return _("About the same number of concerns as before the response.")


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
