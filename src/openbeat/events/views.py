import datetime
import secrets

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openbeat.core import ratelimit
from openbeat.core.emailforms import answer_by_email
from openbeat.core.markup import render_markdown
from openbeat.core.models import Agency
from openbeat.core.pagecache import public_page
from openbeat.core.refusals import refusal_of
from openbeat.events import actions, queries
from openbeat.events.forms import FinderForm, RSVPForm
from openbeat.events.ical import calendar_for
from openbeat.events.models import RSVP, Event, RSVPStatus

PAGE_SIZE = 20
RSVP_LIMIT = (30, 3600)  # replies per client per hour: a family, a church group, not a bot


def _map_points(occurrences):
    points = {}
    for occ in occurrences:
        place = occ.place
        points.setdefault(
            place.pk,
            {
                "lat": float(place.latitude),
                "lon": float(place.longitude),
                "name": place.name,
                "url": occ.get_absolute_url(),
                "title": occ.event.title,
            },
        )
    return list(points.values())


def _filter(form, queryset):
    data = form.cleaned_data
    if data.get("agency"):
        queryset = queries.for_agency(queryset, data["agency"])
    if data.get("programme"):
        queryset = queryset.filter(event__programme__slug=data["programme"])
    if data.get("area"):
        queryset = queryset.filter(event__area=data["area"])
    # Dates are read in the site's time zone (OPENBEAT_TIME_ZONE), not UTC.
    if data.get("start"):
        queryset = queryset.filter(start__date__gte=data["start"])
    if data.get("end"):
        queryset = queryset.filter(start__date__lte=data["end"])
    return queryset


@require_GET
@public_page
def finder(request):
    form = FinderForm(request.GET or None)
    occurrences = queries.upcoming()
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
        occurrences = occurrences.none()
    elif form.is_bound:
        occurrences = _filter(form, queries.public_occurrences())
        if not form.cleaned_data.get("start"):
            occurrences = occurrences.filter(end__gt=timezone.now())
    page = Paginator(occurrences, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "events/finder.html",
        {
            "form": form,
            "page": page,
            "map_points": _map_points(page.object_list),
            "query": query.urlencode(),
        },
        status=status,
    )


def _event_by_slug_or_id(slug_or_id):
    lookup = {"pk": slug_or_id} if slug_or_id.isdigit() else {"slug": slug_or_id}
    return get_object_or_404(
        Event.objects.public().select_related("agency", "venue", "programme"), **lookup
    )


@require_GET
@public_page
def event_detail(request, slug):
    event = _event_by_slug_or_id(slug)
    if slug != event.slug:
        return redirect(event, permanent=True)
    occurrences = queries.public_occurrences().filter(event=event)
    upcoming = list(queries.upcoming(occurrences)[:12])
    past = list(occurrences.filter(end__lte=timezone.now()).order_by("-start")[:12])
    return render(
        request,
        "events/event.html",
        {
            "event": event,
            "upcoming": upcoming,
            "past": past,
            "next": upcoming[0] if upcoming else None,
            "map_points": _map_points(upcoming[:1] or past[:1]),
        },
    )


def meeting_on(slug, date_key):
    """The published meeting of an event (slug or id) on a local date (YYYY-MM-DD), or 404."""
    event = _event_by_slug_or_id(slug)
    try:
        day = datetime.date.fromisoformat(date_key)
        first = datetime.datetime.combine(day, datetime.time.min, event.agency.tz)
        last = first + datetime.timedelta(days=1)
    except (ValueError, OverflowError) as exc:  # not a date, or 9999-12-31: no day after it
        raise Http404(_("No meeting on that date.")) from exc
    occurrence = (
        queries.public_occurrences()
        .filter(event=event, original_start__gte=first, original_start__lt=last)
        .first()
    )
    if occurrence is None:
        raise Http404(_("No meeting on that date."))
    return occurrence


def _occurrence_context(request, occurrence, form):
    event = occurrence.event
    return {
        "event": event,
        "occurrence": occurrence,
        "form": form,
        "agenda_html": render_markdown(occurrence.agenda or event.agenda),
        "minutes_html": render_markdown(occurrence.minutes),
        "places_left": _places_left(occurrence),
        "map_points": _map_points([occurrence]),
        "officers": event.officers.select_related("user"),
    }


def _places_left(occurrence):
    if occurrence.event.capacity is None:
        return None
    taken = sum(r.party_size for r in occurrence.rsvps.filter(status=RSVPStatus.CONFIRMED))
    return max(occurrence.event.capacity - taken, 0)


@require_GET
def occurrence_detail(request, slug, date_key):
    occurrence = meeting_on(slug, date_key)
    form = RSVPForm(initial={"nonce": secrets.token_urlsafe(16)})
    return render(request, "events/occurrence.html", _occurrence_context(request, occurrence, form))


@require_POST
def rsvp_create(request, slug, date_key):
    occurrence = meeting_on(slug, date_key)
    form = RSVPForm(request.POST)
    if request.POST.get("website"):
        # A bot filled the field people never see: answer as to anyone, keep nothing.
        return answer_by_email(request, occurrence.get_absolute_url() + "#rsvp")
    try:
        ratelimit.hit("rsvp.create", ratelimit.client_key(request), *RSVP_LIMIT)
    except ratelimit.RateLimited as limited:
        return ratelimit.too_many(request, limited.retry_after)
    if form.is_valid():
        try:
            actions.create_rsvp(
                occurrence.pk,
                form.cleaned_data["name"],
                form.cleaned_data["email"],
                form.cleaned_data["party_size"],
                form_nonce=form.cleaned_data["nonce"],
                language=translation.get_language() or settings.LANGUAGE_CODE,
            )
        except ValidationError as exc:
            refused = refusal_of(exc)
            form.add_error(refused.field, refused.message)
        else:
            return answer_by_email(
                request,
                occurrence.get_absolute_url() + "#rsvp",
                _(
                    "Thank you. We have sent an email to the address you gave: your place is "
                    "kept once you confirm with the link in it."
                ),
            )
    context = _occurrence_context(request, occurrence, form)
    return render(request, "events/occurrence.html", context, status=400)


@require_GET
@public_page
def occurrence_ics(request, slug, date_key):
    occurrence = meeting_on(slug, date_key)
    return _ics_response(
        calendar_for([occurrence], occurrence.event.title),
        f"{occurrence.event.slug}-{date_key}.ics",
    )


def _ics_response(body, filename):
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_GET
@public_page
def feed(request):
    occurrences = queries.feed_items(queries.public_occurrences())
    return _ics_response(calendar_for(occurrences, _("Community meetings")), "events.ics")


@require_GET
@public_page
def agency_feed(request, slug):
    agency = get_object_or_404(Agency, slug=slug)
    occurrences = queries.feed_items(queries.for_agency(queries.public_occurrences(), agency))
    return _ics_response(calendar_for(occurrences, agency.name), f"{agency.slug}.ics")


def _rsvp_page(request, rsvp, status=200):
    occurrence = rsvp.occurrence
    return render(
        request,
        "events/rsvp.html",
        {
            "rsvp": rsvp,
            "occurrence": occurrence,
            "event": occurrence.event,
            # An event taken off the site (unpublished) keeps its replies' pages, without links
            # to its public pages, which are gone.
            "is_listed": queries.public_occurrences().filter(pk=occurrence.pk).exists(),
        },
        status=status,
    )


def _rsvp(token):
    return get_object_or_404(
        RSVP.objects.select_related(
            "occurrence__event__agency", "occurrence__venue", "occurrence__event__venue"
        ),
        token=token,
    )


@require_http_methods(["GET", "POST"])
def rsvp_manage(request, token):
    rsvp = _rsvp(token)
    if request.method == "POST":
        try:
            rsvp, promoted = actions.cancel_rsvp(token)
        except ValidationError as exc:
            messages.error(request, refusal_of(exc).message)
            return _rsvp_page(request, _rsvp(token), status=400)
        messages.success(request, _("Your reply is canceled. Thank you for letting us know."))
        return redirect(rsvp)
    return _rsvp_page(request, rsvp)


@require_POST
def rsvp_confirm(request, token):
    """The button on the emailed link (a link alone confirms nothing: mail scanners open
    links)."""
    _rsvp(token)
    try:
        rsvp, changed = actions.confirm_rsvp(token)
    except ValidationError as exc:
        messages.error(request, refusal_of(exc).message)
        return _rsvp_page(request, _rsvp(token), status=400)
    if changed:
        messages.success(request, _("Thank you: your reply is confirmed."))
    return redirect(rsvp)
