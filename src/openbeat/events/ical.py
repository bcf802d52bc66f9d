"""iCalendar (RFC 5545) output: the calendar feeds and the attachment of RSVP emails.

icalendar is imported when a calendar is written, not when a web worker starts (~4 MB that the
other pages never use; tests/core/test_serving_imports.py)."""

import datetime

from django.conf import settings
from django.utils import timezone, translation

from openbeat.core import translated
from openbeat.core.plaintext import clean


def _one_line(name):
    """A name for a parameter or an X- property, which icalendar writes unescaped: a line break
    in it would end the property early."""
    return " ".join(clean(name).split())


def _language(obj=None, field=""):
    lang = translated.shown_language(obj, field) if obj is not None else None
    return {"language": lang or translation.get_language() or translated.SOURCE}


def _uid(occurrence):
    host = settings.BASE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return f"openbeat-occurrence-{occurrence.pk}@{host}"


def _vevent(occurrence, stamp):
    event = occurrence.event
    place = occurrence.place
    from icalendar import Event, vGeo

    item = Event()
    item.add("uid", _uid(occurrence))
    item.add("dtstamp", stamp)
    item.add("dtstart", occurrence.start.astimezone(datetime.UTC))
    item.add("dtend", occurrence.end.astimezone(datetime.UTC))
    # Every text passes through `clean`: RFC 5545 refuses control characters, and rows stored
    # before the input edge refused them may still hold some.
    # The text is in the asker's language, or the other one where staff wrote none: RFC 5545's
    # LANGUAGE parameter says which, so a calendar (or its screen reader) reads it right.
    item.add("summary", clean(event.title), parameters=_language(event, "title"))
    hosts = [event.agency.name, *[agency.name for agency in event.co_hosts.all()]]
    description = " & ".join(hosts)
    if event.description:
        description += "\n\n" + event.description
    if occurrence.note:
        description += "\n\n" + occurrence.note
    item.add(
        "description",
        clean(description),
        parameters=_language(event, "description") if event.description else _language(),
    )
    item.add("location", clean(f"{place.name}, {place.address}"))
    item.add("geo", vGeo((float(place.latitude), float(place.longitude))))
    item.add("url", settings.BASE_URL + occurrence.get_absolute_url())
    item.add("status", "CANCELLED" if occurrence.is_cancelled else "CONFIRMED")
    # Moving or cancelling a meeting bumps the sequence so calendars replace their copy.
    item.add("sequence", occurrence.sequence)
    item.add(
        "organizer",
        f"mailto:{settings.DEFAULT_FROM_EMAIL.rsplit('<', 1)[-1].rstrip('>')}",
        parameters={"cn": _one_line(event.agency.name)},
    )
    return item


def calendar_for(occurrences, name, method="PUBLISH"):
    """A VCALENDAR with one VEVENT per meeting, as bytes."""
    from icalendar import Calendar

    cal = Calendar()
    cal.add("prodid", "-//OpenBeat//Community meetings//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    cal.add("x-wr-calname", _one_line(name))
    cal.add("refresh-interval", datetime.timedelta(hours=6), parameters={"value": "DURATION"})
    cal.add("x-published-ttl", "PT6H")
    stamp = timezone.now().replace(microsecond=0)
    for occurrence in occurrences:
        cal.add_component(_vevent(occurrence, stamp))
    return cal.to_ical()
