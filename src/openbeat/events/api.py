"""Public meetings in the JSON API."""

import datetime
from typing import Annotated

from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from openbeat.api import inputs
from openbeat.api.errors import PUBLIC_ERRORS
from openbeat.core.models import Agency
from openbeat.events import queries

router = Router(tags=["events"])


class Place(Schema):
    name: str
    address: str
    latitude: float
    longitude: float
    accessibility: str


class Meeting(Schema):
    id: int
    title: str
    programme: str
    host: str = Field(description="The host agency's slug")
    co_hosts: list[str]
    start: datetime.datetime
    end: datetime.datetime
    timezone: str
    status: str
    note: str
    place: Place
    url: str
    ics_url: str


# A filter left out is no filter (its None is never sent, so the schema gives its type only,
# and the type checker is told so line by line).
class MeetingFilters(Schema):
    agency: Annotated[str, inputs.slug("Agency slug: meetings it hosts or co-hosts")] = None  # type: ignore[assignment]  # None: no filter
    start: inputs.IsoDate = Field(None, description="On or after this date")  # type: ignore[assignment]  # None: no filter
    end: inputs.IsoDate = Field(None, description="On or before this date")  # type: ignore[assignment]  # None: no filter
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000_000)


def _meeting(occurrence):
    event = occurrence.event
    place = occurrence.place
    return {
        "id": occurrence.pk,
        "title": event.title,
        "programme": event.programme.name,
        "host": event.agency.slug,
        "co_hosts": [a.slug for a in event.co_hosts.all()],
        "start": occurrence.start,
        "end": occurrence.end,
        "timezone": event.agency.timezone,
        "status": occurrence.status,
        "note": occurrence.note,
        "place": {
            "name": place.name,
            "address": place.address,
            "latitude": float(place.latitude),
            "longitude": float(place.longitude),
            "accessibility": place.accessibility,
        },
        "url": occurrence.get_absolute_url(),
        "ics_url": f"/events/{event.slug}/{occurrence.date_key}.ics",
    }


@router.get(
    "/", response={200: list[Meeting], **PUBLIC_ERRORS}, summary="Upcoming meetings, soonest first"
)
def list_meetings(request, filters: Query[MeetingFilters]):
    occurrences = queries.public_occurrences()
    if filters.agency:
        agency = Agency.objects.filter(slug=filters.agency).first()
        if agency is None:
            raise Http404(f"No agency {filters.agency!r}.")
        occurrences = queries.for_agency(occurrences, agency)
    if filters.start:
        occurrences = occurrences.filter(start__date__gte=filters.start)
    else:
        occurrences = occurrences.filter(end__gt=timezone.now())
    if filters.end:
        occurrences = occurrences.filter(start__date__lte=filters.end)
    window = occurrences[filters.offset : filters.offset + filters.limit]
    return [_meeting(occurrence) for occurrence in window]


@router.get("/{int:meeting_id}", response={200: Meeting, **PUBLIC_ERRORS}, summary="One meeting")
def get_meeting(request, meeting_id: int):
    occurrence = queries.public_occurrences().filter(pk=meeting_id).first()
    if occurrence is None:
        raise Http404("No such meeting.")
    return _meeting(occurrence)
