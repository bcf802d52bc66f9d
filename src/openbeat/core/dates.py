"""Dates and times typed into forms: plausible years only, wall-clock times in an agency's zone.

A meeting moved to 9999-12-31 or a report "from" year 1 is a slip of the keyboard, and turning
it into UTC overflows Python's datetime (a 500). Every date a person types goes through these
fields, which refuse a year outside EARLIEST_YEAR..(this year + YEARS_AHEAD) with a message.
"""

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

EARLIEST_YEAR = 2000
YEARS_AHEAD = 10


def plausible_year(value: datetime.date) -> None:
    latest = timezone.now().year + YEARS_AHEAD
    if not EARLIEST_YEAR <= value.year <= latest:
        raise ValidationError(
            _("Enter a year between %(earliest)s and %(latest)s."),
            code="year",
            params={"earliest": EARLIEST_YEAR, "latest": latest},
        )


class DateField(forms.DateField):
    """A calendar date with the browser's date picker."""

    default_validators = [plausible_year]

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}))
        super().__init__(**kwargs)


class LocalDateTimeField(forms.DateTimeField):
    """A wall-clock date and time; `local_datetime` reads it in the agency's time zone."""

    default_validators = [plausible_year]

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.DateTimeInput(attrs={"type": "datetime-local"}))
        super().__init__(**kwargs)


def local_datetime(value: datetime.datetime, tz: datetime.tzinfo) -> datetime.datetime:
    """A naive datetime from a form, read as the agency's local wall-clock time."""
    if value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    return value.replace(tzinfo=tz).astimezone(datetime.UTC)
