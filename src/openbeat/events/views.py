import datetime
import secrets

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openbeat.core import pagecache, ratelimit
from openbeat.core.emailforms import answer_by_email
from openbeat.core.markup import render_markdown
from openbeat.core.models import Agency
from openbeat.core.pagecache import public_page
from openbeat.core.refusals import refusal_of
from openbeat.events import actions, queries
from openbeat.events import flyer as flyers
from openbeat.events.forms import FinderForm, QuestionForm, RSVPForm
from openbeat.events.ical import calendar_for
from openbeat.events.models import RSVP, Event, Question, QuestionVote, RSVPStatus
from openbeat.events.qr import check_in_svg, qr_svg

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
    lookup = {"pk": slug_or_id} if slug_or_id.isdecimal() else {"slug": slug_or_id}
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
        "answered_questions": _answered_questions(occurrence),
        "questions_open": actions.questions_open(occurrence),
    }


def _answered_questions(occurrence):
    """The meeting's answered questions, shown under its minutes (most +1s first)."""
    return list(queries.ranked_questions(occurrence).filter(answered_at__isnull=False))


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
            # A place held at a meeting still to come: the QR code the door checks in.
            "check_in_qr": check_in_svg(rsvp)
            if rsvp.status == RSVPStatus.CONFIRMED
            and not occurrence.is_past
            and not occurrence.is_cancelled
            else None,
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


# Questions to a meeting (issue #17), the resident's side: ask before the meeting from its page
# or during it from the room (the QR code on the table or the screen), "+1" a neighbour's
# question, and the live view shown on the room's projector. No account is needed.

# Per client address per hour. A town hall's guest Wi-Fi puts a whole room behind one address:
# 80 people asking a question or two, and +1-ing a few each.
ASK_LIMIT = (60, 3600)
VOTE_LIMIT = (600, 3600)
VOTER_COOKIE = "openbeat_voter"
LIVE_REFRESH_SECONDS = 5
LIVE_SIZE = 12  # what a projector shows in large type


def _questions_url(occurrence):
    return reverse("events:questions", args=[occurrence.event.slug, occurrence.date_key])


def _voter(request):
    """(cookie value, keyed hash) of this browser's voter cookie; a new one when it has none."""
    value = request.COOKIES.get(VOTER_COOKIE, "")
    if not (20 <= len(value) <= 64 and value.replace("-", "").replace("_", "").isalnum()):
        value = secrets.token_urlsafe(24)
    return value, ratelimit.keyed("voter:" + value)


def _with_voter(response, value):
    response.set_cookie(
        VOTER_COOKIE,
        value,
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


def _page(request, occurrence, form=None, status=200):
    public_url = settings.BASE_URL + _questions_url(occurrence)
    return render(
        request,
        "events/questions.html",
        {
            "occurrence": occurrence,
            "event": occurrence.event,
            "questions": queries.ranked_questions(occurrence),
            "form": form or QuestionForm(initial={"nonce": secrets.token_urlsafe(16)}),
            "is_open": actions.questions_open(occurrence),
            "public_url": public_url,
        },
        status=status,
    )


@require_GET
def questions(request, slug, date_key):
    occurrence = meeting_on(slug, date_key)
    return _page(request, occurrence)


@require_POST
def question_ask(request, slug, date_key):
    occurrence = meeting_on(slug, date_key)
    target = _questions_url(occurrence)
    if request.POST.get("website"):
        # A bot filled the field people never see: answer as to anyone, keep nothing.
        return answer_by_email(request, target, _("Thank you: your question is in."))
    try:
        ratelimit.hit("question.ask", ratelimit.client_key(request), *ASK_LIMIT)
    except ratelimit.RateLimited as limited:
        return ratelimit.too_many(request, limited.retry_after)
    form = QuestionForm(request.POST)
    if not form.is_valid():
        return _page(request, occurrence, form, status=400)
    cookie, voter = _voter(request)
    data = form.cleaned_data
    try:
        actions.ask_question(
            occurrence,
            data["text"],
            name=data["name"],
            show_name=data["show_name"],
            email=data["email"],
            voter=voter,
            form_nonce=data["nonce"],
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )
    except ValidationError as exc:
        for field, message in refusal_of(exc).errors.items():
            form.add_error(field if field in form.fields else None, message)
        return _page(request, occurrence, form, status=400)
    if data["email"]:
        message = _(
            "Thank you: your question is in. We have sent an email to the address you gave: "
            "the answer is sent there once you confirm with the link in it."
        )
    else:
        message = _("Thank you: your question is in.")
    return _with_voter(answer_by_email(request, target, message), cookie)


@require_POST
def question_vote(request, slug, date_key, pk):
    occurrence = meeting_on(slug, date_key)
    question = get_object_or_404(Question.objects.public(), occurrence=occurrence, pk=pk)
    target = question.get_absolute_url()
    if request.POST.get("website"):
        return answer_by_email(request, target, _("Thank you: your +1 is counted."))
    try:
        ratelimit.hit("question.vote", ratelimit.client_key(request), *VOTE_LIMIT)
    except ratelimit.RateLimited as limited:
        return ratelimit.too_many(request, limited.retry_after)
    cookie, voter = _voter(request)
    email = request.POST.get("email", "")
    try:
        _vote, outcome = actions.plus_one(
            question, voter, email, translation.get_language() or settings.LANGUAGE_CODE
        )
    except ValidationError as exc:
        messages.error(request, refusal_of(exc).message)
        return _with_voter(redirect(target), cookie)
    if outcome == "counted":
        message = _("Thank you: your +1 is counted.")
    elif outcome == "asker":
        message = _("This is your own question: it counts you already.")
    else:
        message = _("You have already given this question your +1: it counts once.")
    if email.strip():
        message += " " + _(
            "We have sent an email to the address you gave: the answer is sent there once you "
            "confirm with the link in it."
        )
    return _with_voter(answer_by_email(request, target, message), cookie)


def _live_context(request, occurrence):
    items = list(queries.ranked_questions(occurrence).filter(answered_at__isnull=True)[:LIVE_SIZE])
    return {
        "occurrence": occurrence,
        "event": occurrence.event,
        "questions": items,
        "refresh_seconds": LIVE_REFRESH_SECONDS,
    }


def _live_scopes(request, slug, date_key):
    if slug.isdecimal():  # an id redirects nowhere here: the scope is named from the slug
        return None
    return [pagecache.SITE, f"questions:{slug}:{date_key}"]


@require_GET
@public_page(scopes=_live_scopes)
def questions_live(request, slug, date_key):
    """The room's screen: the open questions in large type, most +1s first, with the QR code
    to ask from a phone. Its list refreshes itself (live.js); without JavaScript the page
    reloads itself instead."""
    occurrence = meeting_on(slug, date_key)
    context = _live_context(request, occurrence)
    public_url = settings.BASE_URL + _questions_url(occurrence)
    context.update(public_url=public_url, qr=qr_svg(public_url))
    return render(request, "events/questions_live.html", context)


@require_GET
@public_page(scopes=_live_scopes)
def questions_live_list(request, slug, date_key):
    """The live view's list alone (an HTML fragment), for live.js to swap in."""
    occurrence = meeting_on(slug, date_key)
    return render(request, "events/_questions_live_list.html", _live_context(request, occurrence))


@require_http_methods(["GET", "POST"])
def confirm_question_email(request, token):
    """The asker's or a +1-er's emailed link: a button that confirms the address (a link alone
    confirms nothing: mail scanners open links)."""
    record = (
        Question.objects.filter(token=token).first()
        or QuestionVote.objects.filter(token=token).select_related("question").first()
    )
    if record is None:
        raise Http404(_("This link is not known. Check that it was copied whole."))
    question = record if isinstance(record, Question) else record.question
    if request.method == "POST":
        _record, changed = actions.confirm_question_email(token)
        if changed:
            messages.success(request, _("Thank you: the answer will be emailed to you."))
        return redirect("question_email", token)
    return render(
        request,
        "events/question_email.html",
        {
            "question": question,
            "occurrence": question.occurrence,
            "event": question.occurrence.event,
            "confirmed": record.email_confirmed_at is not None,
            "is_listed": question.is_public,
        },
    )


def _flyer_language(request):
    """The flyer's language: ?lang=es or ?lang=en, else the reader's."""
    chosen = request.GET.get("lang", "")
    if chosen in dict(settings.LANGUAGES):
        return chosen
    return translation.get_language() or settings.LANGUAGE_CODE


def _flyer_answer(request, flyer, kind, filename, pdf_url):
    if kind == "pdf":
        response = HttpResponse(flyers.pdf_bytes(flyer), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{filename}-{flyer.language}.pdf"'
        return response
    with translation.override(flyer.language):
        return render(
            request,
            "events/flyer.html",
            {
                "flyer": flyer,
                "pdf_url": pdf_url,
                # segno's own markup: the QR modules as one path, with our title, nothing from
                # input.
                "qr": mark_safe(flyer.qr_svg()),  # noqa: S308
                "other_languages": [
                    (code, name) for code, name in settings.LANGUAGES if code != flyer.language
                ],
            },
        )


@require_GET
@public_page
def occurrence_flyer(request, slug, date_key, kind):
    occurrence = meeting_on(slug, date_key)
    flyer = flyers.for_occurrence(occurrence, _flyer_language(request))
    pdf_url = reverse("events:occurrence_flyer_pdf", args=[occurrence.event.slug, date_key])
    return _flyer_answer(request, flyer, kind, f"{occurrence.event.slug}-{date_key}", pdf_url)


@require_GET
@public_page
def event_flyer(request, slug, kind):
    event = _event_by_slug_or_id(slug)
    flyer = flyers.for_series(event, _flyer_language(request))
    pdf_url = reverse("events:event_flyer_pdf", args=[event.slug])
    return _flyer_answer(request, flyer, kind, event.slug, pdf_url)
