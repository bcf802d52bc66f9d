"""Public pages: the programme catalogue, announcements and their feeds, subscriptions."""

from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openbeat.concerns.queries import public_concerns
from openbeat.core import ratelimit
from openbeat.core.emailforms import answer_by_email
from openbeat.core.markup import render_markdown
from openbeat.core.models import Agency
from openbeat.core.pagecache import public_page
from openbeat.core.staff_forms import show_errors
from openbeat.events import queries
from openbeat.events.models import Programme
from openbeat.outreach import actions, links
from openbeat.outreach.forms import ChoicesForm, FollowForm, SubscribeForm
from openbeat.outreach.models import Announcement, Kind, Subscription
from openbeat.problems.models import Problem

SUBSCRIBE_LIMIT = (10, 3600)  # per client per hour: a household, not a mail-bomb
FOLLOW_LIMIT = (20, 3600)
# The projects app (crime-prevention projects) lists a programme's open projects with this
# template, given `programme`; without that app the place stays empty.
OPEN_PROJECTS_TEMPLATE = "projects/_programme_projects.html"


def published():
    return Announcement.objects.public().select_related("agency", "programme")


# -- Programme catalogue -------------------------------------------------------------------------


@require_GET
@public_page
def programmes(request):
    listed = (
        Programme.objects.filter(is_listed=True)
        .select_related("agency")
        .order_by("agency__name", "name")
    )
    by_agency = {}
    for programme in listed:
        by_agency.setdefault(programme.agency, []).append(programme)
    return render(request, "outreach/programmes.html", {"by_agency": list(by_agency.items())})


def _open_projects_template():
    try:
        get_template(OPEN_PROJECTS_TEMPLATE)
    except TemplateDoesNotExist:
        return None
    return OPEN_PROJECTS_TEMPLATE


@require_GET
@public_page
def programme(request, agency_slug, slug):
    programme = get_object_or_404(
        Programme.objects.select_related("agency", "contact_officer__user"),
        agency__slug=agency_slug,
        slug=slug,
        is_listed=True,
    )
    upcoming = queries.upcoming(queries.public_occurrences().filter(event__programme=programme))
    return render(
        request,
        "outreach/programme.html",
        {
            "programme": programme,
            "agency": programme.agency,
            "description": render_markdown(programme.description),
            "how_to_join": render_markdown(programme.how_to_join),
            "upcoming": list(upcoming[:10]),
            "announcements": list(published().filter(programme=programme)[:5]),
            "open_projects_template": _open_projects_template(),
        },
    )


# -- Announcements -------------------------------------------------------------------------------


@require_GET
@public_page
def announcements(request):
    found = published()
    agency = None
    if request.GET.get("agency"):
        agency = Agency.objects.filter(slug=request.GET["agency"]).first()
        if agency is None:
            raise Http404(_("No such agency."))
        found = found.filter(agency=agency)
    page = Paginator(found, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "outreach/announcements.html",
        {"page": page, "agency": agency, "agencies": Agency.objects.all()},
    )


@require_GET
@public_page
def announcement(request, pk):
    item = get_object_or_404(published().prefetch_related("areas", "topics"), pk=pk)
    return render(
        request,
        "outreach/announcement.html",
        {"announcement": item, "agency": item.agency, "body": render_markdown(item.body)},
    )


# -- Subscriptions -------------------------------------------------------------------------------


def _language():
    return translation.get_language() or "en"


@require_http_methods(["GET", "POST"])
def subscribe(request):
    agencies = Agency.objects.all()
    slug = request.POST.get("agency") or request.GET.get("agency")
    if not slug and len(agencies) == 1:
        slug = agencies[0].slug
    if not slug:
        status = 400 if request.method == "POST" else 200  # a form without its agency
        return render(
            request, "outreach/subscribe_choose.html", {"agencies": agencies}, status=status
        )
    agency = get_object_or_404(Agency, slug=slug)
    # A beat's page links here with its area ticked (?area=<id>); the resident may untick it.
    chosen = [a for a in request.GET.getlist("area") if a.isdecimal()]
    form = SubscribeForm(request.POST or None, agency=agency, initial={"areas": chosen})
    if request.method == "POST":
        try:
            ratelimit.hit("outreach.subscribe", ratelimit.client_key(request), *SUBSCRIBE_LIMIT)
        except ratelimit.RateLimited as exc:
            return ratelimit.too_many(request, exc.retry_after)
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.subscribe(
                    agency,
                    data["email"],
                    data["areas"],
                    data["topics"],
                    data["frequency"],
                    _language(),
                )
            except ValidationError as exc:
                show_errors(form, exc)
            else:
                # Its own page says the rest goes by email.
                return answer_by_email(request, "outreach:subscribe_sent", message="")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "outreach/subscribe.html", {"form": form, "agency": agency}, status=status
    )


@require_GET
def subscribe_sent(request):
    return render(request, "outreach/subscribe_sent.html")


class BadLink(Exception):
    pass


def _bad_link(request, message):
    return render(request, "outreach/bad_link.html", {"message": message}, status=404)


def _by_token(token):
    subscription = (
        Subscription.objects.select_related("agency", "concern", "problem")
        .filter(token=token)
        .first()
    )
    if subscription is None:
        raise BadLink(
            _("This link is not known. Copy the whole link from the email, or subscribe again.")
        )
    return subscription


@require_http_methods(["GET", "POST"])
def confirm(request, token):
    try:
        subscription = _by_token(token)
    except BadLink as exc:
        return _bad_link(request, str(exc))
    if request.method == "POST":
        if actions.confirm(subscription):
            messages.success(request, _("Confirmed. Thank you: you will get these emails."))
        else:
            messages.info(
                request, _("Nothing to confirm: this subscription was confirmed or stopped before.")
            )
        return redirect(subscription)
    return render(request, "outreach/confirm.html", {"subscription": subscription})


@require_http_methods(["GET", "POST"])
def manage(request, token):
    try:
        subscription = _by_token(token)
    except BadLink as exc:
        return _bad_link(request, str(exc))
    form = None
    if subscription.kind == Kind.NEWS:
        initial = {
            "areas": subscription.areas.all(),
            "topics": subscription.topics.all(),
            "frequency": subscription.frequency,
        }
        form = ChoicesForm(request.POST or None, agency=subscription.agency, initial=initial)
    if request.method == "POST":
        if "unsubscribe" in request.POST:
            actions.unsubscribe(subscription)
            messages.success(request, _("Unsubscribed. You will get no more of these emails."))
            return redirect(subscription)
        if form is not None and form.is_valid():
            data = form.cleaned_data
            try:
                actions.update_preferences(
                    subscription, data["areas"], data["topics"], data["frequency"]
                )
            except ValidationError as exc:
                show_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect(subscription)
        if form is None:
            form_error = _("There is nothing to change here; you may unsubscribe.")
            return render(
                request,
                "outreach/manage.html",
                {"subscription": subscription, "form": None, "form_error": form_error},
                status=400,
            )
        return render(
            request,
            "outreach/manage.html",
            {"subscription": subscription, "form": form},
            status=400,
        )
    return render(request, "outreach/manage.html", {"subscription": subscription, "form": form})


# Mail programs send the one-click unsubscribe as a POST with no cookie or CSRF token
# (RFC 8058); it changes nothing but stopping email to the link's own subscription.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    try:
        subscription_id, _email, problem_id = links.read_unsubscribe_token(token)
    except signing.BadSignature:
        return _bad_link(
            request,
            _(
                "This unsubscribe link is damaged. Copy the whole link from the email, or use "
                "the link to change your preferences."
            ),
        )
    if request.method == "GET":
        subscription = Subscription.objects.filter(pk=subscription_id).first()
        problem = Problem.objects.filter(pk=problem_id).first() if problem_id else None
        if problem is not None:  # the link stops this problem's email: say so
            subscription = Subscription(kind=Kind.PROBLEM, problem=problem)
        return render(
            request, "outreach/unsubscribe.html", {"subscription": subscription, "token": token}
        )
    outcome, subscription = actions.unsubscribe_by_link(token)
    return render(
        request,
        "outreach/unsubscribed.html",
        {"outcome": outcome, "subscription": subscription},
    )


# -- Following a concern or a problem ------------------------------------------------------------


def _follow(request, target):
    form = FollowForm(request.POST)
    try:
        ratelimit.hit("outreach.follow", ratelimit.client_key(request), *FOLLOW_LIMIT)
    except ratelimit.RateLimited as exc:
        return ratelimit.too_many(request, exc.retry_after)
    if form.is_valid():
        try:
            actions.follow(target, form.cleaned_data["email"], _language())
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            return answer_by_email(
                request,
                target,
                _("Almost done: open the link we emailed you to confirm you want these updates."),
            )
    return render(request, "outreach/follow.html", {"form": form, "target": target}, status=400)


# No CSRF token on the follow forms: the problem page that carries one is served from the page
# cache to every reader, and following needs no session to ride on (no account; nothing is sent
# until the address confirms by email).
@csrf_exempt
@require_POST
def follow_concern(request, pk):
    return _follow(request, get_object_or_404(public_concerns(), pk=pk))


@csrf_exempt
@require_POST
def follow_problem(request, pk):
    return _follow(request, get_object_or_404(Problem.objects.select_related("agency"), pk=pk))
