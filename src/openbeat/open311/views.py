"""Open311 GeoReport v2: a translation layer over concerns. Every write goes through the concern
actions; only what the public concern page shows is ever answered.

A request's item is stored on its concern's row (`openbeat.open311.items`): a list is the stored
JSON items joined, the XML the same items written as XML.

Extensions beyond the spec, as other servers offer them: `page`/`page_size`, `bbox`,
`lat`/`long`/`radius`, `updated_after` on GET requests, and a multipart `media` file on POST.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from openbeat.concerns import actions
from openbeat.concerns.location import bbox_around, distance_m
from openbeat.concerns.models import (
    ALL_CONCERNS,
    CATEGORIES,
    CLOSED_STATUSES,
    OPEN_STATUSES,
    Category,
    Concern,
    Source,
)
from openbeat.concerns.questions import answers_from_post
from openbeat.core import apikeys, pagecache, ratelimit
from openbeat.core.models import Agency
from openbeat.core.pagecache import public_page
from openbeat.core.prepared import Prepared
from openbeat.core.refusals import FORBIDDEN, NOT_FOUND, refusal, refusal_of
from openbeat.open311 import items
from openbeat.open311.render import errors, respond, respond_json

MAX_WINDOW = datetime.timedelta(days=90)
# Dates outside these years are typing mistakes, and would overflow the 90-day window's arithmetic.
EARLIEST, LATEST = datetime.date(1990, 1, 1), datetime.date(2199, 12, 31)
DEFAULT_CAP = 1000  # the spec's default: the first 1,000 requests of at most 90 days
KEY_LIMIT = (600, 3600)  # service requests per key per hour


def _param(request, name):
    """A parameter from the query string or a form body; empty means absent (the spec's rule)."""
    value = request.POST.get(name) if request.method == "POST" else None
    if value in (None, ""):
        value = request.GET.get(name)
    return None if value in (None, "") else value.strip()


def _open311(view):
    """Answer a refusal as the spec's error body, in the requested format (its status from the
    refusal's code: 404 for what is not here, 403 for a missing or bad key, else 400); open CORS
    on GET."""

    def wrapper(request, fmt, *args, **kwargs):
        try:
            response = view(request, fmt, *args, **kwargs)
        except ValidationError as exc:
            refused = refusal_of(exc)
            response = errors(fmt, refused.status, refused.detail)
        if request.method == "GET":
            response["Access-Control-Allow-Origin"] = "*"
        return response

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _get_only(view):
    """Any other method is a 405 that names GET. The views change nothing, so CSRF protection
    has nothing to guard, and it would answer a method it does not know (QUERY) with its 403."""
    return csrf_exempt(require_GET(view))


def _jurisdiction(request, required=True):
    slug = _param(request, "jurisdiction_id")
    if slug is None:
        if Agency.objects.count() > 1 and required:
            slugs = ", ".join(Agency.objects.values_list("slug", flat=True))
            raise refusal(None, f"jurisdiction_id was not provided; this server hosts: {slugs}")
        return Agency.objects.first() if required else None
    agency = Agency.objects.filter(slug=slug).first()
    if agency is None:
        raise refusal(None, f"jurisdiction_id {slug} was not found", NOT_FOUND)
    return agency


def _jurisdiction_id(request):
    """The jurisdiction's id for the cached GET answers: as the page cache's scopes found it
    (remembered for a minute per process: a miss reads no agency), else as `_jurisdiction`
    finds or refuses it."""
    slug = _param(request, "jurisdiction_id")
    return (pagecache.agency_id_for_slug(slug) if slug else None) or _jurisdiction(request).pk


def _service(category):
    return {
        "service_code": category.slug,
        "service_name": category.name,
        "description": category.description,
        "metadata": bool(category.questions.all()),  # prefetched
        "type": "blackbox" if category.is_sensitive else "realtime",
        "keywords": "",
        "group": category.referred_to or category.agency.name,
    }


@_get_only
@_open311
def discovery(request, fmt):
    base = settings.BASE_URL + "/open311/v2/"
    last = Concern.objects.aggregate(at=Max("updated_at"))["at"] or timezone.now()
    data = {
        "changeset": last.isoformat(),
        "contact": "Send problems with this API to your police department's public contact.",
        "key_service": "Ask the police department for a key; staff create it with openbeat apikey create.",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base,
                "changeset": last.isoformat(),
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return respond(fmt, "discovery", data)


@_get_only
@_open311
def services(request, fmt):
    agency = _jurisdiction(request)
    categories = (
        Category.objects.filter(agency=agency, is_active=True)
        .prefetch_related("questions")
        .select_related("agency")
    )
    return respond(fmt, "services", [_service(c) for c in categories])


@_get_only
@_open311
def service_definition(request, fmt, code):
    agency = _jurisdiction(request)
    category = Category.objects.filter(agency=agency, slug=code, is_active=True).first()
    if category is None:
        raise refusal(None, f"service_code {code} was not found", NOT_FOUND)
    attributes = [
        {
            "variable": True,
            "code": q.code,
            "datatype": q.datatype,
            "required": q.required,
            "datatype_description": q.help_text,
            "order": q.order,
            "description": q.question,
            "values": [{"key": c["key"], "name": c["name"]} for c in q.choices],
        }
        for q in category.questions.all()
    ]
    return respond(
        fmt, "service_definition", {"service_code": category.slug, "attributes": attributes}
    )


def _key(request):
    raw = _param(request, "api_key")
    if raw is None:
        raise refusal(
            None, "api_key was not provided; ask the police department for a key", FORBIDDEN
        )
    key = apikeys.verify(raw)
    if key is None:
        raise refusal(None, "api_key is not valid or has been revoked", FORBIDDEN)
    return key


def _post_request(request, fmt):
    key = _key(request)
    try:
        ratelimit.hit("open311.post", f"key:{key.pk}", *KEY_LIMIT)
    except ratelimit.RateLimited as limited:
        response = errors(
            fmt, 429, f"Too many requests for this key; try again in {limited.retry_after} seconds"
        )
        response["Retry-After"] = str(limited.retry_after)
        return response
    agency = _jurisdiction(request, required=False) or key.agency
    code = _param(request, "service_code")
    if code is None:
        raise refusal(None, "service_code was not provided")
    if not Category.objects.filter(agency=agency, slug=code, is_active=True).exists():
        raise refusal(None, f"service_code {code} was not found", NOT_FOUND)
    lat, lon = _param(request, "lat"), _param(request, "long")
    address = _param(request, "address_string") or _param(request, "address_id")
    if (lat is None or lon is None) and address is None:
        raise refusal(
            None, "a location was not provided: send lat and long, or address_string, or address_id"
        )
    names = " ".join(p for p in (_param(request, "first_name"), _param(request, "last_name")) if p)
    data = {
        "category": code,
        "description": _param(request, "description") or "",
        "latitude": lat or "",
        "longitude": lon or "",
        "location_text": address or "",
        "name": names,
        "email": _param(request, "email") or "",
        "phone": _param(request, "phone") or "",
        "attributes": answers_from_post(request.POST),
        "media_url": _param(request, "media_url") or "",
    }
    if lat is None and address:
        # An address only: place it in the jurisdiction's first area so it reaches that agency.
        area = agency.areas.first()
        data["area"] = str(area.pk) if area else ""
    # A refusal goes up to the wrapper, which answers "field: message; …" with 404 or 400.
    concern, _created = actions.submit_concern(
        data,
        request.FILES.getlist("media"),
        source=Source.OPEN311,
        language=request.LANGUAGE_CODE,
        acting_user=key,
    )
    notice = _("Received by %(agency)s. Not for emergencies: in an emergency, call 911.") % {
        "agency": concern.agency.name
    }
    if concern.open311_token:
        item = {"token": concern.open311_token, "service_notice": notice}
    else:
        item = {"service_request_id": str(concern.pk), "service_notice": notice}
    return respond(fmt, "service_requests", [item], status=201)


def _parse_when(request, name):
    raw = _param(request, name)
    if raw is None:
        return None
    try:
        when = parse_datetime(raw.replace(" ", "+"))  # a "+" in a query string arrives as " "
    except ValueError:  # well-formed but impossible, e.g. 30 February
        when = None
    if when is None or when.tzinfo is None:
        raise refusal(
            None, f"{name} must be a W3C datetime with a time zone, e.g. 2026-07-09T08:00:00-04:00"
        )
    # The date as written (the schema's pattern says the years too; year 1 has no UTC before
    # it), then in UTC: the spec's W3C format allows offsets up to +-23:59, PostgreSQL +-15:59.
    if not EARLIEST <= when.date() <= LATEST:
        raise refusal(None, f"{name} must be between {EARLIEST} and {LATEST}")
    return when.astimezone(datetime.UTC)


def _agency_scopes(request, *args, **kwargs):
    """The page cache's scopes of a GET answer: the jurisdiction's concerns and categories."""
    slug = _param(request, "jurisdiction_id")
    if slug is None:
        return [ALL_CONCERNS, CATEGORIES]
    agency_id = pagecache.agency_id_for_slug(slug)
    if agency_id is None:
        return None
    return [pagecache.agency_scope(agency_id), CATEGORIES]


def _published(agency_id):
    """The agency's public concerns as rows of items.STORED (their stored Open311 items)."""
    return Concern.objects.public().filter(agency_id=agency_id).values_list(*items.STORED)


def _numbers(request, name, default, low, high):
    raw = _param(request, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise refusal(None, f"{name} must be a whole number") from None
    if not low <= value <= high:
        raise refusal(None, f"{name} must be between {low} and {high}")
    return value


def _query_requests(request, agency_id):
    """What a GET of requests answers: `fetch(limit, offset)` -> rows of items.STORED, newest
    first. The usual request (a jurisdiction's window, perhaps by status or updated_after) runs
    SQL compiled once per process; ids, service codes and places go through the ORM."""
    ids = _param(request, "service_request_id")
    if ids is not None:
        wanted = [i.strip() for i in ids.split(",") if i.strip()]
        # ASCII digits only ("²" is a digit to Python), and short enough for a 64-bit id.
        if not all(i.isascii() and i.isdigit() and len(i) <= 18 for i in wanted):
            raise refusal(None, "service_request_id must be a comma-separated list of numbers")
        return _sliced(_published(agency_id).filter(pk__in=wanted).order_by("-created_at", "-id"))
    codes = _param(request, "service_code")
    start, end = _parse_when(request, "start_date"), _parse_when(request, "end_date")
    if start and end and end < start:
        raise refusal(None, "end_date is before start_date")
    if start is None and end is None:
        end = timezone.now()
        start = end - MAX_WINDOW
    elif start is None:
        start = end - MAX_WINDOW
    elif end is None:
        end = min(start + MAX_WINDOW, timezone.now() + datetime.timedelta(days=1))
    if end - start > MAX_WINDOW:
        raise refusal(None, "start_date and end_date may not span more than 90 days")
    status = ""
    statuses = _param(request, "status")
    if statuses is not None:
        wanted = {s.strip() for s in statuses.split(",")}
        if not wanted <= {"open", "closed"}:
            raise refusal(None, "status must be open, closed, or both comma-separated")
        if len(wanted) == 1:
            status = wanted.pop()
    updated_after = _parse_when(request, "updated_after")
    if codes is None and all(_param(request, p) is None for p in ("bbox", "lat", "long")):
        prepared = _WINDOWS[status, updated_after is not None]
        values = [agency_id, start, end] + ([updated_after] if updated_after else [])
        return lambda limit, offset: prepared.run(*values, limit=limit, offset=offset)
    concerns = _window(agency_id, start, end, status, updated_after)
    if codes is not None:
        concerns = concerns.filter(category__slug__in=[c.strip() for c in codes.split(",")])
    return _sliced(_spatial(request, concerns))


def _window(agency_id, start, end, status="", updated_after=None):
    """The agency's public concerns created from `start` to `end`, newest first; "open" or
    "closed" ones only if `status` says so; updated after `updated_after` if given."""
    concerns = _published(agency_id).filter(created_at__gte=start, created_at__lte=end)
    if status == "open":
        concerns = concerns.filter(status__in=OPEN_STATUSES)
    elif status == "closed":
        concerns = concerns.filter(status__in=CLOSED_STATUSES)
    if updated_after is not None:
        concerns = concerns.filter(updated_at__gt=updated_after)
    return concerns.order_by("-created_at", "-id")


def _prepared_window(status, with_updated_after):
    """A window's statement. On PostgreSQL the plain window (every status, no updated_after) is
    prepared; the others are planned for their values each time: a prepared statement settles
    on PostgreSQL's generic plan, which read a 30-day window of open requests in 0.6-0.75 ms
    against 0.22-0.25 ms planned for its values (1,000,000 concerns)."""
    kinds = ["int", "datetime", "datetime"] + ["datetime"] * with_updated_after
    return Prepared(
        lambda *values: _window(*values[:3], status, *values[3:]),
        kinds,
        plain=True,
        prepare=not status and not with_updated_after,
    )


# Each shape of the usual request, compiled once per process: ~2 ms less a miss.
_WINDOWS = {
    (status, updated): _prepared_window(status, updated)
    for status in ("", "open", "closed")
    for updated in (False, True)
}
_BY_ID = Prepared(
    lambda agency_id, pk: _published(agency_id).filter(pk=pk),
    ["int", "int"],
    plain=True,
    prepare=True,
)


def _sliced(concerns):
    return lambda limit, offset: concerns[offset : offset + limit]


def _spatial(request, concerns):
    bbox = _param(request, "bbox")
    if bbox is not None:
        try:
            west, south, east, north = (float(v) for v in bbox.split(","))
        except ValueError:
            raise refusal(None, "bbox must be west,south,east,north in degrees") from None
        if not (-90 <= south < north <= 90 and -180 <= west < east <= 180):
            raise refusal(None, "bbox is not a box on the map (west,south,east,north)")
        return concerns.in_public_box(south, west, north, east)
    lat, lon = _param(request, "lat"), _param(request, "long")
    if lat is None and lon is None:
        return concerns
    try:
        lat, lon = float(lat), float(lon)
        radius = float(_param(request, "radius") or 1000)
    except (TypeError, ValueError):
        raise refusal(None, "lat, long and radius (meters) must be numbers") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180 and 0 < radius <= 50_000):
        raise refusal(None, "lat/long must be on the map and radius between 1 and 50000 meters")
    # Distances from the public point, as the answer shows it: never from the exact one.
    candidates = Concern.objects.filter(pk__in=concerns.values("pk")).in_public_box(
        *bbox_around(lat, lon, radius)
    )
    inside = [
        pk
        for pk, c_lat, c_lon in candidates.values_list("pk", "public_latitude", "public_longitude")
        if distance_m(lat, lon, float(c_lat), float(c_lon)) <= radius
    ]
    return concerns.filter(pk__in=inside)


@csrf_exempt
@require_http_methods(["GET", "POST"])
@_open311
def service_requests(request, fmt):
    if request.method == "POST":
        return _post_request(request, fmt)
    return _list_requests(request, fmt)


@public_page(scopes=_agency_scopes)
def _list_requests(request, fmt):
    fetch = _query_requests(request, _jurisdiction_id(request))
    size = _numbers(request, "page_size", DEFAULT_CAP, 1, DEFAULT_CAP)
    page = _numbers(request, "page", 1, 1, 1_000_000)
    return _respond_items(fmt, fetch(size, (page - 1) * size))


def _respond_items(fmt, rows):
    """The items of rows of items.STORED: the stored JSON joined, or XML written from it."""
    if fmt == "xml":
        return respond(fmt, "service_requests", items.answer_items(rows))
    return respond_json(items.answer_json(rows))


@_get_only
@_open311
@public_page(scopes=_agency_scopes)
def service_request(request, fmt, request_id):
    agency_id = _jurisdiction_id(request)
    if request_id.isascii() and len(request_id) <= 18:  # a 64-bit id, as the URL's digits
        row = next(_BY_ID.run(agency_id, int(request_id), limit=1), None)
    else:
        row = _published(agency_id).filter(pk=request_id).first()
    if row is None:
        raise refusal(None, f"service_request_id {request_id} was not found", NOT_FOUND)
    return _respond_items(fmt, [row])


@_get_only
@_open311
def token(request, fmt, token_id):
    agency = _jurisdiction(request)
    concern = (
        Concern.objects.filter(agency=agency, open311_token=token_id)
        .select_related("category")
        .first()
    )
    if concern is None:
        raise refusal(None, f"token {token_id} was not found", NOT_FOUND)
    item = {"token": token_id}
    if concern.is_public:
        item["service_request_id"] = str(concern.pk)
    return respond(fmt, "service_requests", [item])
