"""Expanding an event's RRULE into dated meetings, in the agency's local time.

The rule runs on the local wall clock (18:00 stays 18:00 when daylight saving starts or ends);
each local start is then stored in UTC.
"""

import datetime

from dateutil.rrule import HOURLY, MINUTELY, SECONDLY, rrulestr
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _


def _parse(rule, local_start):
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if "\n" in text or "DTSTART" in text.upper():
        raise ValidationError(
            _("Give only the RRULE part, for example FREQ=MONTHLY;BYDAY=1MO;COUNT=12.")
        )
    try:
        return rrulestr(text, dtstart=local_start)
    except (ValueError, TypeError, IndexError, OverflowError) as exc:
        if "UNTIL" in str(exc):
            raise ValidationError(
                _("Write UNTIL in UTC, ending in Z, for example UNTIL=20271231T235959Z.")
            ) from exc
        raise ValidationError(
            _(
                "This repeat rule cannot be read (%(error)s). Example: FREQ=MONTHLY;BYDAY=1MO;COUNT=12."
            ),
            params={"error": exc},
        ) from exc


def local_starts(start_utc, rule, tz, now=None):
    """Every local start of the series, checked against the limits; raises ValidationError.

    A series may reach at most MAX_SERIES_YEARS ahead of today and hold at most
    MAX_OCCURRENCES future meetings, so a long-running monthly meeting can keep going
    for years while a runaway rule (every minute, forever) is refused.
    """
    local_start = start_utc.astimezone(tz)
    if not rule.strip():
        return [local_start]
    parsed = _parse(rule, local_start)
    if parsed._count is None and parsed._until is None:
        raise ValidationError(
            _("This rule never ends. Add an end date (UNTIL) or a number of meetings (COUNT).")
        )
    if parsed._freq in (HOURLY, MINUTELY, SECONDLY):
        raise ValidationError(
            _("Meetings can repeat at most once a day. Use FREQ=DAILY or slower.")
        )
    if parsed._interval < 1:
        raise ValidationError(_("INTERVAL must be 1 or more."))
    now = (now or timezone.now()).astimezone(tz)
    limit = settings.MAX_OCCURRENCES
    years = settings.MAX_SERIES_YEARS
    last_allowed = now + datetime.timedelta(days=366 * years)
    too_far = ValidationError(
        _("A series can reach at most %(years)s years ahead. Choose an earlier end."),
        params={"years": years},
    )
    try:
        # Bounded by the window, so a rule that yields nothing cannot run on to the year 9999.
        starts = parsed.between(local_start, last_allowed, inc=True)
    except (IndexError, ZeroDivisionError, TypeError, ValueError, OverflowError) as exc:
        raise ValidationError(
            _(
                "This repeat rule cannot be read (%(error)s). Example: FREQ=MONTHLY;BYDAY=1MO;COUNT=12."
            ),
            params={"error": exc},
        ) from exc
    if sum(when >= now for when in starts) > limit or len(starts) > limit * 4:
        raise ValidationError(
            _("This rule makes more than %(limit)s meetings. Repeat less often or end it sooner."),
            params={"limit": limit},
        )
    if not starts:
        if parsed._until is not None and parsed._until > last_allowed:
            raise too_far
        raise ValidationError(_("This rule makes no meetings at all. Check the days and the end."))
    if parsed._until is not None and parsed._until > last_allowed and parsed._count is None:
        raise too_far
    if parsed._count is not None and len(starts) < parsed._count:
        raise too_far  # the rest would fall beyond the window
    return starts


def utc_starts(
    start_utc: datetime.datetime,
    rule: str,
    tz: datetime.tzinfo,
    now: datetime.datetime | None = None,
) -> list[datetime.datetime]:
    """The series' starts as UTC instants, each keeping its local wall-clock time."""
    return [when.astimezone(datetime.UTC) for when in local_starts(start_utc, rule, tz, now)]
