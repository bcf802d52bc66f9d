"""Turns a stored snapshot into what the dashboard templates draw: charts and their tables.

Units, once each: times to acknowledge in hours, times to close in days (the snapshot stores
hours), counts as counts. A figure below its minimum sample is None here and "not enough data"
on the page; the minimums come from `metrics`.
"""

import datetime

from django.utils.translation import gettext
from django.utils.translation import gettext as _

from openbeat.insights import charts, metrics
from openbeat.problems import analysis
from openbeat.problems.models import Phase


def _series(months, table, key):
    return [table.get(month, {}).get(key, 0) for month in months]


def _by_month(rows, key="month"):
    return {row[key]: row for row in rows}


def _days(summary):
    """A summary of waits in hours, in days to one decimal."""
    return {
        "n": summary["n"],
        **{k: None if summary[k] is None else round(summary[k] / 24, 1) for k in ("median", "p90")},
    }


def _times(row):
    """A row of response times as shown: acknowledging in hours, closing in days."""
    return {**row, "close": _days(row["close"])}


def dashboard(data, staff=False):
    """Charts and tables for one agency's snapshot; the staff view counts private concerns too."""
    phases = dict(Phase.choices)
    months = data["months"]
    meetings = data["meetings"]
    concerns = data["staff"]["concerns"] if staff else data["concerns"]
    response = data["staff"]["response"] if staff else data["response"]
    sources = _by_month(response["sources"])
    closures = _by_month(response["closures"])
    times = _by_month(response["month"], "key")
    trust = data["trust"]
    trust_months = _by_month(trust["months"])
    meeting_rows = [
        {"month": m, **meetings.get(m, {"held": 0, "attendance": 0, "concerns": 0})} for m in months
    ]
    concern_rows = [
        {
            "month": m,
            "meeting": sources.get(m, {}).get("meeting", 0),
            "online": sources.get(m, {}).get("online", 0),
            "resolved": concerns["resolved"].get(m, 0),
            "closed": closures.get(m, {}).get("closed", 0),
            "contested": closures.get(m, {}).get("contested", 0),
            "share": closures.get(m, {}).get("share"),
        }
        for m in months
    ]
    time_rows = [{"month": m, **_times(times.get(m, _empty_times()))} for m in months]
    trust_rows = [{"month": m, **trust_months.get(m, {"n": 0, "shown": False})} for m in months]
    shown_areas = [row for row in trust["areas"] if row["month"] in months]
    return {
        "months": months,
        "first_day": datetime.date.fromisoformat(f"{months[0]}-01"),
        "minimum": {
            "median": metrics.MIN_FOR_MEDIAN,
            "p90": metrics.MIN_FOR_P90,
            "share": metrics.MIN_FOR_SHARE,
            "problem_days": analysis.MIN_WINDOW_DAYS,
            "problem_most": analysis.MAX_WINDOW_DAYS,
            "problem_concerns": analysis.MIN_TO_JUDGE,
        },
        "meeting_rows": meeting_rows,
        "totals": {
            "held": sum(r["held"] for r in meeting_rows),
            "attendance": sum(r["attendance"] for r in meeting_rows),
            "raised": sum(r["meeting"] + r["online"] for r in concern_rows),
            "at_meetings": sum(r["meeting"] for r in concern_rows),
            "resolved": sum(r["resolved"] for r in concern_rows),
        },
        "meetings_chart": charts.stacked(
            months, [(_("Meetings held"), "bar", _series(months, meetings, "held"))]
        ),
        "attendance_chart": charts.stacked(
            months, [(_("People who came"), "bar", _series(months, meetings, "attendance"))]
        ),
        "concern_rows": concern_rows,
        "concerns_chart": charts.stacked(
            months,
            [
                (_("Raised at meetings"), "bar", [r["meeting"] for r in concern_rows]),
                (_("Raised online"), "bar-alt", [r["online"] for r in concern_rows]),
            ],
        ),
        "resolved_chart": charts.stacked(
            months, [(_("Resolved"), "bar", [r["resolved"] for r in concern_rows])]
        ),
        "time_rows": time_rows,
        # Default category names are stored in English and shown in the reader's language.
        "by_category": [
            {**_times(row), "key": gettext(row["key"])} for row in response["category"]
        ],
        "by_area": [_times(row) for row in response["area"]],
        "close_chart": charts.stacked(
            months, [(_("Median days to close"), "bar", [r["close"]["median"] for r in time_rows])]
        ),
        "trust_rows": trust_rows,
        "trust_areas": shown_areas,
        "trust_minimum": trust["minimum"],
        "trust_chart": charts.intervals(
            months, [r if r["shown"] else None for r in trust_rows], top=100
        ),
        "problems": [
            {**p, "phase_label": phases.get(p["phase"], p["phase"])} for p in data["problems"]
        ],
    }


def _empty_times():
    empty = {"n": 0, "median": None, "p90": None}
    return {"reported": 0, "acknowledge": empty, "close": empty}
