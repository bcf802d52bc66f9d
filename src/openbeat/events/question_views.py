"""Questions to a meeting (issue #17), the resident's side: ask before the meeting from its page
or during it from the room (the QR code on the table or the screen), "+1" a neighbour's
question, and the live view shown on the room's projector. No account is needed."""

import secrets

import segno
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openbeat.core import pagecache, ratelimit
from openbeat.core.emailforms import answer_by_email
from openbeat.core.pagecache import public_page
from openbeat.core.refusals import refusal_of
from openbeat.events import actions
from openbeat.events.forms import QuestionForm
from openbeat.events.models import Question, QuestionVote
from openbeat.events.views import meeting_on

# Per client address per hour. A town hall's guest Wi-Fi puts a whole room behind one address:
# 80 people asking a question or two, and +1-ing a few each.
ASK_LIMIT = (60, 3600)
VOTE_LIMIT = (600, 3600)
VOTER_COOKIE = "openbeat_voter"
LIVE_REFRESH_SECONDS = 5
LIVE_SIZE = 12  # what a projector shows in large type


def ranked(occurrence):
    """The public questions of a meeting, most +1s first (then the oldest first)."""
    return (
        Question.objects.public()
        .filter(occurrence=occurrence)
        .annotate(plus_ones=Count("votes", filter=Q(votes__counts=True)))
        .select_related("concern__category", "problem")
        .order_by("-plus_ones", "created_at", "id")
    )


def _questions_url(occurrence):
    return reverse("events:questions", args=[occurrence.event.slug, occurrence.date_key])


def qr_svg(url):
    """A QR code of `url` as inline SVG (dark on light, quiet zone kept), for phones to scan."""
    code = segno.make(url, error="m")
    return mark_safe(code.svg_inline(scale=6, dark="#000", light="#fff", omitsize=True))  # noqa: S308


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
            "questions": ranked(occurrence),
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
def ask(request, slug, date_key):
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
def vote(request, slug, date_key, pk):
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
    items = list(ranked(occurrence).filter(answered_at__isnull=True)[:LIVE_SIZE])
    return {
        "occurrence": occurrence,
        "event": occurrence.event,
        "questions": items,
        "refresh_seconds": LIVE_REFRESH_SECONDS,
    }


def _live_scopes(request, slug, date_key):
    if slug.isdigit():  # an id redirects nowhere here: the scope is named from the slug
        return None
    return [pagecache.SITE, f"questions:{slug}:{date_key}"]


@require_GET
@public_page(scopes=_live_scopes)
def live(request, slug, date_key):
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
def live_list(request, slug, date_key):
    """The live view's list alone (an HTML fragment), for live.js to swap in."""
    occurrence = meeting_on(slug, date_key)
    return render(request, "events/_questions_live_list.html", _live_context(request, occurrence))


@require_http_methods(["GET", "POST"])
def confirm_email(request, token):
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
