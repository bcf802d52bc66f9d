"""Retention settings, legal holds, "delete my data" and the redacted records export."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openbeat.concerns.models import Concern
from openbeat.core import access, audit, audit_events
from openbeat.core.models import Agency, Role
from openbeat.retention import actions, export
from openbeat.retention.forms import ForgetForm, HoldForm


def _concern_for(request, pk):
    queryset = Concern.objects.select_related("category", "agency")
    return access.get_for_staff(request.user, queryset, minimum=Role.COORDINATOR, pk=pk)


def _months(raw):
    raw = (raw or "").strip()
    if not raw:
        return None
    if not raw.isdecimal():
        raise ValidationError(_("Enter a whole number of months, or leave it blank."))
    return int(raw)


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request):
    """Retention periods per category (agency administrators set them; coordinators see them
    and download the redacted export)."""
    agencies = access.staff_agencies(request.user, Role.COORDINATOR).order_by("name")
    if not agencies:
        raise PermissionDenied(_("Only coordinators and agency administrators see retention."))
    editable = set(access.agency_ids(request.user, Role.ADMIN))
    status, error = 200, None
    if request.method == "POST":
        agency = agencies.filter(slug=request.POST.get("agency")).first()
        if agency is None:
            raise Http404("No such agency of yours.")
        if agency.pk not in editable:
            raise PermissionDenied(_("Only an agency administrator sets retention periods."))
        try:
            wanted = {
                category.pk: _months(request.POST.get(f"months-{category.pk}"))
                for category, _current in actions.retention_rules(agency)
            }
            actions.set_retention(agency, wanted, acting_user=request.user)
        except ValidationError as exc:
            status, error = 400, " ".join(exc.messages)
        else:
            messages.success(request, _("Retention periods saved."))
            return redirect("staff:retention")
    sections = [
        (agency, actions.retention_rules(agency), agency.pk in editable) for agency in agencies
    ]
    return render(
        request,
        "retention/settings.html",
        {"sections": sections, "error": error},
        status=status,
    )


@login_required
@require_POST
def hold(request, pk):
    """Place or release a legal hold (coordinators and administrators), with a reason."""
    concern = _concern_for(request, pk)
    form = HoldForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors["reason"])
        if request.POST.get("release"):
            actions.release_hold(concern, form.cleaned_data["reason"], acting_user=request.user)
            messages.success(request, _("The legal hold is released."))
        else:
            actions.place_hold(concern, form.cleaned_data["reason"], acting_user=request.user)
            messages.success(request, _("The concern is under a legal hold."))
    except ValidationError as exc:
        context = {"concern": concern, "message": " ".join(exc.messages)}
        return render(request, "retention/hold_refused.html", context, status=400)
    return redirect("staff:concern", pk)


@login_required
@require_http_methods(["GET", "POST"])
def forget_for_reporter(request, pk):
    """Staff anonymise a reporter's data on their behalf, after a confirmation step."""
    concern = _concern_for(request, pk)
    form = ForgetForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        done, held = actions.forget_for_reporter(
            concern, same_email=form.cleaned_data["same_email"], acting_user=request.user
        )
        if done:
            messages.success(
                request,
                ngettext(
                    "The reporter's data is removed from %(count)s concern.",
                    "The reporter's data is removed from %(count)s concerns.",
                    len(done),
                )
                % {"count": len(done)},
            )
        if held:
            messages.warning(
                request,
                ngettext(
                    "Not changed, under a legal hold: %(ids)s.",
                    "Not changed, under legal holds: %(ids)s.",
                    len(held),
                )
                % {"ids": ", ".join(f"#{pk}" for pk in held)},
            )
        if not done and not held:
            messages.info(request, _("There was no reporter data left to remove."))
        return redirect("staff:concern", pk)
    return render(request, "retention/staff_forget.html", {"concern": concern, "form": form})


@login_required
@require_GET
def records_export(request, slug):
    """The redacted CSV of one agency's concerns (coordinators and administrators)."""
    agency = Agency.objects.filter(
        slug=slug, id__in=access.agency_ids(request.user, Role.COORDINATOR)
    ).first()
    if agency is None:
        access._record_refusal(request.user, Agency, {"slug": slug})
        raise Http404("No such agency of yours.")
    response = HttpResponse(export.as_csv(agency), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{agency.slug}-concerns-redacted.csv"'
    audit.record(request.user, audit_events.RECORDS_EXPORT, agency, agency=agency)
    return response


@require_http_methods(["GET", "POST"])
def forget_my_data(request, token):
    """A reporter, from their tracking link, asks for their details to be removed."""
    concern = (
        Concern.objects.select_related("agency", "category").filter(tracking_token=token).first()
    )
    if concern is None:
        raise Http404(_("This tracking link is not known. Check that it was copied whole."))
    held = hasattr(concern, "legal_hold")
    if request.method == "POST" and not held:
        actions.forget_reporter(token)
        return render(request, "retention/forgotten.html", {"agency": concern.agency})
    return render(
        request,
        "retention/forget.html",
        {"concern": concern, "held": held},
        status=409 if held and request.method == "POST" else 200,
    )
