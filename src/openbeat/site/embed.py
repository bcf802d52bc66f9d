"""The block an agency shows on its own website: its next meetings and "report a concern".

Two forms: a small page to put in an <iframe> (no map, no script; English or Spanish from
?lang= or the reader's browser), and a JSON feed of the same meetings for a website that draws
its own (documented in docs/embedding.md). The page may be framed only by the websites the
agency lists (Agency.embed_origins, none by default): its answer's Content-Security-Policy
says `frame-ancestors` those origins, and no X-Frame-Options; every other page keeps refusing
every frame.
"""

import functools

from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone, translation
from django.views.decorators.http import require_GET

from openbeat.core import pagecache
from openbeat.core.models import Agency, embed_origins
from openbeat.core.pagecache import public_page
from openbeat.events import queries

NEXT_MEETINGS = 5  # the block's
FEED_MEETINGS = 20  # the JSON feed's


def _frame_origins(slug):
    text = pagecache.memo(
        f"embed-origins:{slug}",
        lambda: Agency.objects.filter(slug=slug).values_list("embed_origins", flat=True).first(),
    )
    return embed_origins(text or "")


def framable(view):
    """Let the agency's listed websites frame the page (outside the page cache, which keeps no
    header but the content's type)."""

    @functools.wraps(view)
    def wrapper(request, slug, *args, **kwargs):
        response = view(request, slug, *args, **kwargs)
        origins = _frame_origins(slug)
        if origins and response.status_code == 200:
            response._csp_replace = {"frame-ancestors": origins}
            response.xframe_options_exempt = True
        return response

    return wrapper


def public_feed(view):
    """A public, read-only feed any website's script may read (no cookies are sent with it)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        return response

    return wrapper


def _language(request):
    chosen = request.GET.get("lang", "")
    return chosen if chosen in dict(settings.LANGUAGES) else translation.get_language()


def _next_meetings(agency, count):
    return list(queries.upcoming(queries.for_agency(queries.public_occurrences(), agency))[:count])


@framable
@require_GET
@public_page
def embed(request, slug):
    agency = get_object_or_404(Agency, slug=slug)
    language = _language(request)
    with translation.override(language):
        return render(
            request,
            "site/embed.html",
            {
                "agency": agency,
                "upcoming": _next_meetings(agency, NEXT_MEETINGS),
                "base_url": settings.BASE_URL,
                "language": language,
            },
        )


def _meeting(occurrence):
    event = occurrence.event
    tz = event.agency.tz
    place = occurrence.place
    page = occurrence.get_absolute_url()
    return {
        "title": event.title,
        "programme": event.programme.name,
        "start": timezone.localtime(occurrence.start, tz).isoformat(),
        "end": timezone.localtime(occurrence.end, tz).isoformat(),
        "status": occurrence.status,
        "note": occurrence.note,
        "url": settings.BASE_URL + page,
        "flyer_pdf": settings.BASE_URL + page + "flyer.pdf",
        "calendar": settings.BASE_URL
        + reverse("events:occurrence_ics", args=[event.slug, occurrence.date_key]),
        "place": {
            "name": place.name,
            "address": place.address,
            "accessibility": place.accessibility,
            "latitude": float(place.latitude),
            "longitude": float(place.longitude),
        },
        "hosts": [event.agency.name, *(co.name for co in event.co_hosts.all())],
    }


@public_feed
@require_GET
@public_page
def meetings_json(request, slug):
    agency = Agency.objects.filter(slug=slug).first()
    if agency is None:
        raise Http404("No such agency.")
    return JsonResponse(
        {
            "agency": {
                "name": agency.name,
                "url": settings.BASE_URL + agency.get_absolute_url(),
                "time_zone": agency.timezone,
            },
            "report_a_concern": settings.BASE_URL + reverse("concerns:new"),
            "meetings": [_meeting(o) for o in _next_meetings(agency, FEED_MEETINGS)],
        },
        json_dumps_params={"ensure_ascii": False},
    )
