"""What each open data set holds, field by field, and how its rows are read.

Every data set reads the database in keyset chunks (`pk > last ORDER BY pk LIMIT CHUNK`), so an
export of any size holds one chunk in memory at a time. Concerns go through the concerns app's
own public queryset and stored public point: private, hidden and sensitive concerns are never
read, and concerns about people are rounded to ~100 m as on their public page.
"""

import datetime
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from openbeat.concerns.models import Concern, public_location_text
from openbeat.concerns.queries import public_concerns
from openbeat.events.models import Event, Occurrence
from openbeat.problems.models import Problem

CHUNK = 2000


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # integer, text, decimal, date-time (ISO 8601, UTC), list (separated by ";")
    meaning: Any
    rounding: Any = ""


@dataclass(frozen=True)
class Dataset:
    slug: str
    title: Any
    description: Any
    date_field: str  # what the from/to filters select on
    date_meaning: Any
    fields: tuple
    chunks: Any  # (queryset filtered by the request) -> iterator of lists of (row, geometry)
    base: Any  # () -> the queryset of everything the public may see

    @property
    def names(self):
        return [f.name for f in self.fields]


def _iso(value):
    if not value:
        return ""
    return value.astimezone(datetime.UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def _url_maker(name):
    """A function of the id giving the public page's full address: reverse() once, not per row
    (it costs more than the rest of a row)."""
    placeholder = 987654321
    template = settings.BASE_URL + reverse(name, args=[placeholder])
    before, after = template.split(str(placeholder))
    return lambda pk: f"{before}{pk}{after}"


def _keyset(queryset, fields):
    """Rows of `fields` in primary-key order, CHUNK at a time, never the whole result at once."""
    last = 0
    while True:
        chunk = list(queryset.filter(pk__gt=last).order_by("pk").values(*fields)[:CHUNK])
        if not chunk:
            return
        yield chunk
        last = chunk[-1]["pk"]


def _point(lat, lon):
    return {"type": "Point", "coordinates": [lon, lat]}


# -- Concerns ------------------------------------------------------------------------------------

PRECISE = "exact"
ROUNDED = "about_100m"
CONCERN_COLUMNS = (
    "pk",
    "agency__slug",
    "category__slug",
    "category__name_en",
    "category__about_people",
    "area__name",
    "status",
    "source",
    "location_text",
    "public_latitude",
    "public_longitude",
    "description",
    "support_count",
    "created_at",
    "closed_at",
)


def _concern_chunks(queryset):
    url = _url_maker("concerns:detail")
    for chunk in _keyset(queryset, CONCERN_COLUMNS):
        rows = []
        for c in chunk:
            lat = lon = None
            if c["public_latitude"] is not None and c["public_longitude"] is not None:
                lat, lon = float(c["public_latitude"]), float(c["public_longitude"])
            row = [
                c["pk"],
                url(c["pk"]),
                c["agency__slug"],
                c["category__slug"],
                c["category__name_en"],
                c["area__name"] or "",
                c["status"],
                c["source"],
                public_location_text(c["location_text"], c["category__about_people"]),
                "" if lat is None else lat,
                "" if lon is None else lon,
                ROUNDED if c["category__about_people"] else PRECISE,
                c["description"],
                c["support_count"],
                _iso(c["created_at"]),
                _iso(c["closed_at"]),
            ]
            rows.append((row, None if lat is None else _point(lat, lon)))
        yield rows


CONCERNS = Dataset(
    slug="concerns",
    title=_("Concerns"),
    description=_(
        "Neighborhood problems residents reported, as their public pages show them. Private "
        "concerns (such as complaints about an officer), hidden ones and sensitive categories "
        "are left out; no reporter's or supporter's name, email or phone is ever included."
    ),
    date_field="created_at",
    date_meaning=_("the day the concern was reported"),
    fields=(
        Field("id", "integer", _("The concern's number, as in its page address.")),
        Field("url", "text", _("Its public page.")),
        Field("agency", "text", _("The police agency handling it (short name).")),
        Field("category", "text", _("What it is about (short name).")),
        Field("category_name", "text", _("What it is about, in English.")),
        Field("area", "text", _("The neighborhood or beat it is in.")),
        Field(
            "status",
            "text",
            _(
                "submitted, acknowledged, in_progress, resolved, closed_not_police, "
                "closed_referred, closed_could_not_fix or duplicate."
            ),
        ),
        Field("source", "text", _("How it was reported: web, meeting, open311 or api.")),
        Field(
            "location_text",
            "text",
            _(
                "The address or landmark given, if any; for concerns about people, to the block "
                "(house numbers as 12XX, flats left out)."
            ),
        ),
        Field(
            "latitude",
            "decimal",
            _("Latitude in degrees (WGS 84); empty when only an address was given."),
            _("5 decimals (about 1 m); 3 decimals (about 100 m) for concerns about people."),
        ),
        Field(
            "longitude",
            "decimal",
            _("Longitude in degrees (WGS 84); empty when only an address was given."),
            _("5 decimals (about 1 m); 3 decimals (about 100 m) for concerns about people."),
        ),
        Field(
            "location_precision",
            "text",
            _("exact, or about_100m when the place was rounded (drug activity, loitering...)."),
        ),
        Field("description", "text", _("What the resident wrote, as shown on its page.")),
        Field("supporters", "integer", _("How many residents said it affects them too.")),
        Field("created_at", "date-time", _("When it was reported (UTC).")),
        Field("closed_at", "date-time", _("When it was closed (UTC); empty while open.")),
    ),
    chunks=_concern_chunks,
    base=public_concerns,
)

# -- Events (dated meetings) ---------------------------------------------------------------------

OCCURRENCE_COLUMNS = (
    "pk",
    "event_id",
    "event__slug",
    "event__title_en",
    "event__programme__name_en",
    "event__agency__slug",
    "event__agency__timezone",
    "original_start",
    "start",
    "end",
    "status",
    "venue__name",
    "venue__address",
    "venue__latitude",
    "venue__longitude",
    "event__venue__name",
    "event__venue__address",
    "event__venue__latitude",
    "event__venue__longitude",
)


def _co_hosts(event_ids):
    found = {}
    links = Event.co_hosts.through.objects.filter(event_id__in=event_ids).order_by("agency__slug")
    for event_id, slug in links.values_list("event_id", "agency__slug"):
        found.setdefault(event_id, []).append(slug)
    return found


def _occurrence_chunks(queryset):
    for chunk in _keyset(queryset, OCCURRENCE_COLUMNS):
        hosts = _co_hosts({o["event_id"] for o in chunk})
        rows = []
        for o in chunk:
            place = "venue__" if o["venue__name"] is not None else "event__venue__"
            tz = zoneinfo.ZoneInfo(o["event__agency__timezone"])
            day = o["original_start"].astimezone(tz).strftime("%Y-%m-%d")
            lat, lon = float(o[place + "latitude"]), float(o[place + "longitude"])
            row = [
                o["pk"],
                settings.BASE_URL + reverse("events:occurrence", args=[o["event__slug"], day]),
                o["event__slug"],
                o["event__title_en"],
                o["event__programme__name_en"],
                o["event__agency__slug"],
                ";".join(hosts.get(o["event_id"], [])),
                _iso(o["start"]),
                _iso(o["end"]),
                o["event__agency__timezone"],
                o["status"],
                o[place + "name"],
                o[place + "address"],
                lat,
                lon,
            ]
            rows.append((row, _point(lat, lon)))
        yield rows


def _public_occurrences():
    return Occurrence.objects.public()


EVENTS = Dataset(
    slug="events",
    title=_("Meetings"),
    description=_(
        "Every dated meeting of published events (Coffee with a Cop, community meetings...), "
        "past and planned, with its place. Who replied or attended is never included."
    ),
    date_field="start",
    date_meaning=_("the day the meeting starts"),
    fields=(
        Field("id", "integer", _("The dated meeting's number.")),
        Field("url", "text", _("Its public page.")),
        Field("event", "text", _("The event or series it belongs to (short name).")),
        Field("title", "text", _("The event's title.")),
        Field("programme", "text", _("The program, e.g. Coffee with a Cop.")),
        Field("agency", "text", _("The host agency (short name).")),
        Field("co_hosts", "list", _("Co-hosting agencies (short names), separated by ;.")),
        Field("start", "date-time", _("When it starts (UTC).")),
        Field("end", "date-time", _("When it ends (UTC).")),
        Field("timezone", "text", _("The host agency's time zone, for local times.")),
        Field("status", "text", _("scheduled or canceled.")),
        Field("venue", "text", _("Where it is held.")),
        Field("address", "text", _("The venue's address.")),
        Field(
            "latitude",
            "decimal",
            _("The venue's latitude (WGS 84)."),
            _("As entered (6 decimals)."),
        ),
        Field(
            "longitude",
            "decimal",
            _("The venue's longitude (WGS 84)."),
            _("As entered (6 decimals)."),
        ),
    ),
    chunks=_occurrence_chunks,
    base=_public_occurrences,
)

# -- Problems ------------------------------------------------------------------------------------

PROBLEM_COLUMNS = (
    "pk",
    "agency__slug",
    "co_owner__slug",
    "title",
    "summary",
    "area__name",
    "area__boundary",
    "boundary",
    "phase",
    "opened_at",
    "response_started_at",
    "closed_at",
    "closeout_story",
)


def _problem_links(problem_ids):
    categories = {}
    through = Problem.categories.through.objects.filter(problem_id__in=problem_ids)
    for problem_id, slug in through.order_by("category__slug").values_list(
        "problem_id", "category__slug"
    ):
        categories.setdefault(problem_id, []).append(slug)
    concerns = dict(
        Concern.objects.public()
        .filter(problems__in=problem_ids)
        .order_by()
        .values("problems")
        .annotate(n=Count("pk", distinct=True))
        .values_list("problems", "n")
    )
    return categories, concerns


def _problem_chunks(queryset):
    url = _url_maker("problems:detail")
    for chunk in _keyset(queryset, PROBLEM_COLUMNS):
        categories, concerns = _problem_links([p["pk"] for p in chunk])
        rows = []
        for p in chunk:
            row = [
                p["pk"],
                url(p["pk"]),
                p["agency__slug"],
                p["co_owner__slug"] or "",
                p["title"],
                p["summary"],
                p["area__name"] or "",
                p["phase"],
                ";".join(categories.get(p["pk"], [])),
                concerns.get(p["pk"], 0),
                _iso(p["opened_at"]),
                _iso(p["response_started_at"]),
                _iso(p["closed_at"]),
                p["closeout_story"],
            ]
            rows.append((row, p["boundary"] or p["area__boundary"]))
        yield rows


PROBLEMS = Dataset(
    slug="problems",
    title=_("Problems"),
    description=_(
        "Problems police and residents work on together (the SARA cycle), as their public pages "
        "show them; the outline is the problem's own or its area's."
    ),
    date_field="opened_at",
    date_meaning=_("the day the problem was opened"),
    fields=(
        Field("id", "integer", _("The problem's number, as in its page address.")),
        Field("url", "text", _("Its public page.")),
        Field("agency", "text", _("The agency that opened it (short name).")),
        Field("co_owner", "text", _("A second agency working on it, if any.")),
        Field("title", "text", _("Its title.")),
        Field("summary", "text", _("Its public summary.")),
        Field("area", "text", _("The neighborhood or beat.")),
        Field(
            "phase", "text", _("scanning, analysis, response, assessment or closed (SARA cycle).")
        ),
        Field("categories", "list", _("Concern categories it covers, separated by ;.")),
        Field("public_concerns", "integer", _("Public concerns linked to it.")),
        Field("opened_at", "date-time", _("When it was opened (UTC).")),
        Field("response_started_at", "date-time", _("When the response began (UTC).")),
        Field("closed_at", "date-time", _("When it was closed (UTC).")),
        Field("closeout_story", "text", _("What was done and what changed, once closed.")),
    ),
    chunks=_problem_chunks,
    base=Problem.objects.all,
)

DATASETS = {d.slug: d for d in (CONCERNS, EVENTS, PROBLEMS)}
