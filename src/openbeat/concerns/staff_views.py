"""Staff triage of concerns: the queue, one concern's page, and meeting intake."""

import secrets

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openbeat.concerns import actions
from openbeat.concerns.forms import (
    AssignForm,
    ConcernForm,
    DuplicateForm,
    HideForm,
    ReclassifyForm,
    ResponseForm,
    TriageForm,
)
from openbeat.concerns.models import Category, Concern, ConcernUpdate, Photo, Source, Status
from openbeat.concerns.questions import answers_from_post
from openbeat.core.access import agency_ids, get_for_staff, scoped
from openbeat.core.models import Role
from openbeat.core.refusals import refusal_of
from openbeat.core.staff_forms import apply_form
from openbeat.events.models import Occurrence
from openbeat.problems.models import Phase, Problem


def _concern_for(request, pk, minimum=Role.OFFICER):
    queryset = Concern.objects.select_related(
        "category", "agency", "area", "assigned_to", "raised_at__event"
    )
    return get_for_staff(request.user, queryset, minimum=minimum, pk=pk)


@login_required
@require_GET
def queue(request):
    concerns = scoped(
        request.user, Concern.objects.select_related("category", "agency", "area", "assigned_to")
    )
    status = request.GET.get("status") or "open"
    if status == "open":
        concerns = concerns.filter(
            status__in=[Status.SUBMITTED, Status.ACKNOWLEDGED, Status.IN_PROGRESS]
        )
    elif status in Status.values:
        concerns = concerns.filter(status=status)
    if request.GET.get("mine"):
        concerns = concerns.filter(assigned_to=request.user)
    if request.GET.get("flagged"):
        concerns = concerns.filter(flags__resolved=False).distinct()
    if category := request.GET.get("category"):
        concerns = concerns.filter(category__slug=category)
    page = Paginator(concerns.order_by("-created_at", "-id"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "staff/concerns.html",
        {
            "page": page,
            "status": status,
            "statuses": Status.choices,
        },
    )


def _staff_users(concern):
    return (
        get_user_model()
        .objects.filter(staff_roles__agency=concern.agency)
        .order_by("first_name", "username")
    )


def _concern_context(request, concern, **forms):
    return {
        "concern": concern,
        "history": concern.updates.select_related("author").order_by("created_at", "id"),
        "photos": concern.photos.all(),
        "flags": concern.flags.filter(resolved=False),
        "triage_form": forms.get("triage_form")
        or TriageForm(initial={"status": concern.status, "referred_to": concern.referred_to}),
        "response_form": forms.get("response_form")
        or ResponseForm(
            templates=concern.agency.response_templates.all(), initial={"public": True}
        ),
        "assign_form": forms.get("assign_form")
        or AssignForm(
            users=_staff_users(concern),
            initial={
                "assigned_to": concern.assigned_to_id,
                "assigned_unit": concern.assigned_unit,
                "priority": concern.priority,
            },
        ),
        "reclassify_form": forms.get("reclassify_form")
        or ReclassifyForm(
            categories=Category.objects.filter(agency=concern.agency),
            initial={"category": concern.category_id, "make_private": concern.is_private},
        ),
        "duplicate_form": forms.get("duplicate_form") or DuplicateForm(),
        "hide_form": HideForm(),
        "can_moderate": concern.agency_id in agency_ids(request.user, Role.COORDINATOR),
        "open_problems": scoped(request.user, Problem.objects.exclude(phase=Phase.CLOSED)).exclude(
            concerns=concern
        ),
    }


@login_required
@require_GET
def concern(request, pk):
    item = _concern_for(request, pk)
    return render(request, "staff/concern.html", _concern_context(request, item))


def _apply(request, item, form_name, form, action):
    """Run `action(cleaned_data)` for a valid form; show the page again with errors otherwise."""
    return apply_form(
        request,
        form,
        action,
        reverse("staff:concern", args=[item.pk]),
        lambda bad: render(
            request,
            "staff/concern.html",
            _concern_context(request, item, **{form_name: bad}),
            status=400,
        ),
    )


@login_required
@require_POST
def set_status(request, pk):
    item = _concern_for(request, pk)

    def change(d):
        if actions.change_status(
            item, d["status"], d["note"], d["referred_to"], acting_user=request.user
        ):
            return True
        messages.info(
            request,
            _("Nothing changed: the concern is already '%(status)s', and no reply was written.")
            % {"status": item.get_status_display()},
        )
        return False

    return _apply(request, item, "triage_form", TriageForm(request.POST), change)


@login_required
@require_POST
def respond(request, pk):
    item = _concern_for(request, pk)
    return _apply(
        request,
        item,
        "response_form",
        ResponseForm(request.POST, templates=item.agency.response_templates.all()),
        lambda d: actions.respond(item, d["body"], public=d["public"], acting_user=request.user),
    )


@login_required
@require_POST
def assign(request, pk):
    item = _concern_for(request, pk)
    form = AssignForm(request.POST, users=_staff_users(item))
    return _apply(
        request,
        item,
        "assign_form",
        form,
        lambda d: actions.assign(
            item, d["assigned_to"], d["assigned_unit"], d["priority"], acting_user=request.user
        ),
    )


@login_required
@require_POST
def reclassify(request, pk):
    item = _concern_for(request, pk)
    form = ReclassifyForm(request.POST, categories=Category.objects.filter(agency=item.agency))
    return _apply(
        request,
        item,
        "reclassify_form",
        form,
        lambda d: actions.reclassify(
            item, d["category"], d["make_private"], acting_user=request.user
        ),
    )


@login_required
@require_POST
def duplicate(request, pk):
    item = _concern_for(request, pk)

    def mark(data):
        original = scoped(request.user, Concern.objects.all()).filter(pk=data["original"]).first()
        if original is None:
            raise ValidationError(
                _("There is no concern #%(id)s in your agency.") % {"id": data["original"]}
            )
        actions.mark_duplicate(item, original, acting_user=request.user)

    return _apply(request, item, "duplicate_form", DuplicateForm(request.POST), mark)


@login_required
@require_POST
def moderate(request, pk):
    item = _concern_for(request, pk, minimum=Role.COORDINATOR)
    target = item
    if request.POST.get("update"):
        target = ConcernUpdate.objects.filter(concern=item, pk=request.POST["update"]).first()
    elif request.POST.get("photo"):
        target = Photo.objects.filter(concern=item, pk=request.POST["photo"]).first()
    if target is None:
        messages.error(request, _("That item is not part of this concern."))
        return redirect("staff:concern", item.pk)
    try:
        actions.set_hidden(
            target,
            request.POST.get("hidden") == "1",
            request.POST.get("reason"),
            acting_user=request.user,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Moderation saved."))
    return redirect("staff:concern", item.pk)


@login_required
@require_GET
def photo(request, pk):
    item = get_for_staff(request.user, Photo.objects.all(), pk=pk)
    response = FileResponse(item.image.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def intake(request, occurrence_id):
    """Log what residents raised at a meeting, one after another, quickly on a phone."""
    occurrence = get_for_staff(
        request.user,
        Occurrence.objects.select_related("event__agency", "event__venue"),
        pk=occurrence_id,
    )
    venue = occurrence.venue or occurrence.event.venue
    # The nonce makes a form sent twice (a double tap, a phone's queue sent again) one concern.
    initial = {"venue": venue.pk, "nonce": secrets.token_urlsafe(16)}
    form = ConcernForm(request.POST or None, request.FILES or None, initial=initial)
    status = 200
    if request.method == "POST":
        data = request.POST.dict()
        data["attributes"] = answers_from_post(request.POST)
        if not (data.get("latitude") or data.get("location_text") or data.get("venue")):
            data["venue"] = str(
                venue.pk
            )  # raised at the meeting, about somewhere unspecified: the venue
        try:
            item, _created = actions.submit_concern(
                data,
                request.FILES.getlist("photos"),
                source=Source.MEETING,
                occurrence=occurrence,
                language=translation.get_language() or "en",
                acting_user=request.user,
            )
        except ValidationError as exc:
            form.show_refusal(refusal_of(exc).errors)
            status = 400
        else:
            messages.success(request, _("Logged as concern #%(id)s. Next one?") % {"id": item.pk})
            return redirect("staff:intake", occurrence.pk)
    # A co-host sees only what its own agency logged here, never the host's private concerns.
    logged = scoped(request.user, occurrence.concerns.select_related("category"), owner_only=True)
    logged = logged.order_by("-created_at")[:20]
    return render(
        request,
        "staff/intake.html",
        {
            "occurrence": occurrence,
            "event": occurrence.event,
            "form": form,
            "logged": logged,
        },
        status=status,
    )
