"""Public project pages: what a project is for, its shifts, and a volunteer's own sign-up."""

import secrets

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openbeat.core import ratelimit
from openbeat.core.emailforms import answer_by_email
from openbeat.core.pagecache import public_page
from openbeat.core.refusals import refusal_of
from openbeat.projects import actions
from openbeat.projects.forms import SignUpForm
from openbeat.projects.models import Project, Shift, SignUp, SignUpStatus

SIGN_UP_LIMIT = (30, 3600)  # sign-ups per client per hour: a family or a club, not a bot


@require_GET
@public_page
def index(request):
    return render(request, "projects/index.html", {"projects": Project.objects.open()})


def _shifts(project):
    """The project's shifts with their places taken and waiting, in one query."""
    return (
        Shift.objects.filter(role__project=project)
        .select_related("role", "agency")
        .annotate(
            taken=Count("sign_ups", filter=Q(sign_ups__status=SignUpStatus.CONFIRMED)),
            waiting=Count("sign_ups", filter=Q(sign_ups__status=SignUpStatus.WAITLISTED)),
        )
        .order_by("start", "id")
    )


def _context(project, form=None):
    shifts = list(_shifts(project))
    for shift in shifts:
        shift.places_left = max(shift.slots - shift.taken, 0)
    upcoming = [s for s in shifts if not s.has_started and not s.is_cancelled]
    cancelled = [s for s in shifts if not s.has_started and s.is_cancelled]
    if form is None:
        form = SignUpForm(initial={"nonce": secrets.token_urlsafe(16)}, shifts=upcoming)
    return {
        "project": project,
        "roles": project.roles.all(),
        "upcoming": upcoming,
        "cancelled": cancelled,
        "past_count": len(shifts) - len(upcoming) - len(cancelled),
        "form": form,
        "chosen": form["shift"].value(),
    }


def _project(pk):
    return get_object_or_404(
        Project.objects.select_related("agency", "programme", "area", "problem"),
        pk=pk,
        is_published=True,
    )


@require_GET
def detail(request, pk):
    return render(request, "projects/detail.html", _context(_project(pk)))


@require_POST
def sign_up(request, pk):
    project = _project(pk)
    where = project.get_absolute_url() + "#sign-up"
    message = _(
        "Thank you. We have sent an email to the address you gave: your sign-up counts once you "
        "confirm it with the link in it."
    )
    if request.POST.get("website"):
        # A bot filled the field people never see: answer as to anyone, keep nothing.
        return answer_by_email(request, where, message)
    try:
        ratelimit.hit("project.sign_up", ratelimit.client_key(request), *SIGN_UP_LIMIT)
    except ratelimit.RateLimited as limited:
        return ratelimit.too_many(request, limited.retry_after)
    shifts = [s for s in _shifts(project) if not s.has_started and not s.is_cancelled]
    form = SignUpForm(request.POST, shifts=shifts)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.sign_up(
                data["shift"],
                data["name"],
                data["email"],
                meets_requirements=data["meets_requirements"],
                form_nonce=data["nonce"],
                language=translation.get_language() or settings.LANGUAGE_CODE,
            )
        except ValidationError as exc:
            refused = refusal_of(exc)
            form.add_error(refused.field if refused.field in form.fields else None, refused.message)
        else:
            return answer_by_email(request, where, message)
    context = _context(project, form)
    return render(request, "projects/detail.html", context, status=400)


def _by_token(token):
    found = (
        SignUp.objects.select_related("shift__role__project__agency", "shift__agency")
        .filter(token=token)
        .first()
    )
    if found is None:
        raise Http404(_("This link is not known. Check that you copied all of it."))
    return found


def _sign_up_page(request, signed, status=200):
    return render(
        request,
        "projects/sign_up.html",
        {"sign_up": signed, "shift": signed.shift, "project": signed.shift.role.project},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def confirm(request, token):
    """The link in the first email. Opening it shows a button: mail scanners that follow
    links must not confirm on the resident's behalf."""
    signed = _by_token(token)
    if request.method == "GET":
        if signed.status != SignUpStatus.PENDING:
            return redirect(signed)
        return render(request, "projects/confirm.html", {"sign_up": signed, "shift": signed.shift})
    try:
        signed, _changed = actions.confirm_sign_up(token)
    except ValidationError as exc:
        messages.error(request, refusal_of(exc).message)
        return _sign_up_page(request, _by_token(token), status=400)
    return redirect(signed)


@require_http_methods(["GET", "POST"])
def manage(request, token):
    """The resident's own sign-up (private link): its status, and cancelling it."""
    signed = _by_token(token)
    if request.method == "GET":
        return _sign_up_page(request, signed)
    try:
        signed, _promoted = actions.cancel_sign_up(token)
    except ValidationError as exc:
        messages.error(request, refusal_of(exc).message)
        return _sign_up_page(request, _by_token(token), status=400)
    messages.success(request, _("Your sign-up is canceled. Thank you for letting us know."))
    return redirect(signed)
