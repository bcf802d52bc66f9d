"""iCalendar (RFC 5545) output: the calendar feeds and the attachment of RSVP emails."""

import datetime

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vGeo


def _uid(occurrence):
    host = settings.BASE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return f"openbeat-occurrence-{occurrence.pk}@{host}"


def _vevent(occurrence, stamp):
    event = occurrence.event
    place = occurrence.place
    item = Event()
    item.add("uid", _uid(occurrence))
    item.add("dtstamp", stamp)
    item.add("dtstart", occurrence.start.astimezone(datetime.UTC))
    item.add("dtend", occurrence.end.astimezone(datetime.UTC))
    item.add("summary", event.title)
    hosts = [event.agency.name, *[agency.name for agency in event.co_hosts.all()]]
    description = " & ".join(hosts)
    if event.description:
        description += "\n\n" + event.description
    if occurrence.note:
        description += "\n\n" + occurrence.note
    item.add("description", description)
    item.add("location", f"{place.name}, {place.address}")
    item.add("geo", vGeo((float(place.latitude), float(place.longitude))))
    item.add("url", settings.BASE_URL + occurrence.get_absolute_url())
    item.add("status", "CANCELLED" if occurrence.is_cancelled else "CONFIRMED")
    # Moving or cancelling a meeting must replace the copy in people's calendars.
    # Moving or cancelling a meeting bumps the sequence so calendars replace their copy.
    item.add("sequence", occurrence.sequence)
    item.add(
        "organizer",
        f"mailto:{settings.DEFAULT_FROM_EMAIL.rsplit('<', 1)[-1].rstrip('>')}",
        parameters={"cn": event.agency.name},
    )
    return item


def calendar_for(occurrences, name, method="PUBLISH"):
    """A VCALENDAR with one VEVENT per meeting, as bytes."""
    cal = Calendar()
    cal.add("prodid", "-//OpenBeat//Community meetings//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    cal.add("x-wr-calname", name)
    cal.add("refresh-interval", datetime.timedelta(hours=6), parameters={"value": "DURATION"})
    cal.add("x-published-ttl", "PT6H")
    stamp = timezone.now().replace(microsecond=0)
    for occurrence in occurrences:
        cal.add_component(_vevent(occurrence, stamp))
    return cal.to_ical()
