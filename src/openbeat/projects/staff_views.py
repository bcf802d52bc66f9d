"""Staff pages for projects: set them up, see who signed up, log hours, export the roster."""

import decimal

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q, Sum
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openbeat.core import spreadsheet, translated
from openbeat.core.access import get_for_staff, has_role, scoped, staff_agencies
from openbeat.core.dates import local_datetime
from openbeat.core.models import Area, Role
from openbeat.core.staff_forms import apply_form
from openbeat.events.models import Programme
from openbeat.problems.models import Problem
from openbeat.projects import actions
from openbeat.projects.forms import (
    HoursForm,
    ProjectForm,
    RoleForm,
    ShiftCancelForm,
    ShiftChangeForm,
    ShiftForm,
)
from openbeat.projects.models import Project, Shift, SignUp, SignUpStatus

EDITABLE = [
    "title",
    "goal",
    "title_es",
    "goal_es",
    "programme",
    "problem",
    "area",
    "starts_on",
    "ends_on",
    "is_published",
]


def _project_for(request, pk, minimum=Role.OFFICER):
    queryset = Project.objects.select_related("agency", "programme", "problem", "area")
    return get_for_staff(request.user, queryset, minimum=minimum, pk=pk)


def _project_form(request, data=None, project=None):
    """The project form, its choices limited to the agencies the user coordinates."""
    agencies = staff_agencies(request.user, Role.COORDINATOR)
    if project is not None:
        agencies = agencies.filter(pk=project.agency_id)
    form = ProjectForm(
        data,
        agencies=agencies,
        programmes=Programme.objects.filter(agency__in=agencies),
        problems=scoped(request.user, Problem.objects.all(), Role.COORDINATOR),
        areas=Area.objects.filter(agency__in=agencies),
        initial=translated.initial(project, EDITABLE) if project else None,
    )
    if project is not None:
        del form.fields["agency"]  # a project stays with the agency that runs it
    return form


@login_required
@require_GET
def project_list(request):
    projects = (
        scoped(request.user, Project.objects.select_related("agency", "programme"))
        .annotate(
            shift_count=Count("roles__shifts", distinct=True),
            volunteers=Count(
                "roles__shifts__sign_ups",
                filter=Q(roles__shifts__sign_ups__status=SignUpStatus.CONFIRMED),
            ),
        )
        .order_by("-starts_on", "-id")
    )
    can_create = bool(staff_agencies(request.user, Role.COORDINATOR).exists())
    return render(
        request, "staff/projects/list.html", {"projects": projects, "can_create": can_create}
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_new(request):
    if not staff_agencies(request.user, Role.COORDINATOR).exists():
        return render(request, "staff/projects/list.html", {"cannot_create": True}, status=403)
    form = _project_form(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            project = actions.save_project(
                Project(agency=data["agency"]),
                **{name: data[name] for name in EDITABLE},
                acting_user=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("staff:project", project.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "staff/projects/new.html", {"form": form}, status=status)


def _roster(project):
    """Each shift with its sign-ups (confirmed, waiting, not yet confirmed), in order."""
    shifts = list(
        Shift.objects.filter(role__project=project).select_related("role").order_by("start", "id")
    )
    people = SignUp.objects.filter(shift__in=shifts).exclude(status=SignUpStatus.CANCELLED)
    by_shift = {}
    for person in people.order_by("confirmed_at", "id"):
        by_shift.setdefault(person.shift_id, []).append(person)
    for shift in shifts:
        everyone = by_shift.get(shift.pk, [])
        shift.confirmed = [p for p in everyone if p.status == SignUpStatus.CONFIRMED]
        shift.waitlisted = [p for p in everyone if p.status == SignUpStatus.WAITLISTED]
        shift.pending = [p for p in everyone if p.status == SignUpStatus.PENDING]
    return shifts


def _ids(shift_pk, form):
    return f"shift-{shift_pk}-{form}-%s"  # each shift has its own change and cancel forms


def _shift_forms(shifts, tz, forms):
    """Each shift still to come gets its change and cancel forms: the one just refused, bound
    with its mistakes, or filled with the shift as it is."""
    for shift in shifts:
        if shift.has_started or shift.is_cancelled:
            continue
        bound = forms.get("shift_change")
        shift.change_form = (
            bound
            if bound is not None and forms.get("shift_for") == shift.pk
            else ShiftChangeForm(
                initial={
                    "shift": shift.pk,
                    "start": timezone.localtime(shift.start, tz).strftime("%Y-%m-%dT%H:%M"),
                    "end": timezone.localtime(shift.end, tz).strftime("%Y-%m-%dT%H:%M"),
                    "place": shift.place,
                    "slots": shift.slots,
                },
                auto_id=_ids(shift.pk, "change"),
            )
        )
        bound = forms.get("shift_cancel")
        shift.cancel_form = (
            bound
            if bound is not None and forms.get("shift_for") == shift.pk
            else ShiftCancelForm(initial={"shift": shift.pk}, auto_id=_ids(shift.pk, "cancel"))
        )
    return shifts


def _page(request, project, status=200, **forms):
    may_edit = has_role(request.user, project.agency_id, Role.COORDINATOR)
    shifts = _roster(project)
    if may_edit:
        _shift_forms(shifts, project.agency.tz, forms)
    context = {
        "project": project,
        "may_edit": may_edit,
        "roles": project.roles.all(),
        "shifts": shifts,
        "now": timezone.now(),
        "hours_form": forms.get("hours_form"),
        "hours_for": forms.get("hours_for"),
    }
    if may_edit:
        context.update(
            {
                "project_form": forms.get("project_form")
                or _project_form(request, project=project),
                "role_form": forms.get("role_form") or RoleForm(),
                "shift_form": forms.get("shift_form") or ShiftForm(roles=project.roles.all()),
            }
        )
    return render(request, "staff/projects/detail.html", context, status=status)


@login_required
@require_GET
def project(request, pk):
    return _page(request, _project_for(request, pk))


def _handle(request, project, name, form, write):
    return apply_form(
        request,
        form,
        write,
        reverse("staff:project", args=[project.pk]),
        lambda bad: _page(request, project, status=400, **{name: bad}),
    )


@login_required
@require_POST
def project_edit(request, pk):
    project = _project_for(request, pk, Role.COORDINATOR)
    return _handle(
        request,
        project,
        "project_form",
        _project_form(request, request.POST, project=project),
        lambda data: actions.save_project(
            project, **{name: data[name] for name in EDITABLE}, acting_user=request.user
        ),
    )


@login_required
@require_POST
def project_role(request, pk):
    project = _project_for(request, pk, Role.COORDINATOR)
    return _handle(
        request,
        project,
        "role_form",
        RoleForm(request.POST),
        lambda data: actions.add_role(project, **data, acting_user=request.user),
    )


@login_required
@require_POST
def project_shift(request, pk):
    project = _project_for(request, pk, Role.COORDINATOR)
    tz = project.agency.tz

    def add(data):
        actions.add_shift(
            data["role"],
            local_datetime(data["start"], tz),
            local_datetime(data["end"], tz),
            data["place"],
            data["slots"],
            acting_user=request.user,
        )

    form = ShiftForm(request.POST, roles=project.roles.all())
    return _handle(request, project, "shift_form", form, add)


def _shift_of(request, project):
    return get_for_staff(
        request.user,
        Shift.objects.filter(role__project=project),
        Role.COORDINATOR,
        pk=request.POST.get("shift"),
    )


@login_required
@require_POST
def project_shift_edit(request, pk, form):
    """One of the two forms under a shift still to come: `change` (time, place, places) or
    `cancel` (with the reason everyone is emailed)."""
    project = _project_for(request, pk, Role.COORDINATOR)
    shift = _shift_of(request, project)
    tz = project.agency.tz
    if form == "change":
        bound = ShiftChangeForm(request.POST, auto_id=_ids(shift.pk, form))

        def write(data):
            return actions.change_shift(
                shift,
                local_datetime(data["start"], tz),
                local_datetime(data["end"], tz),
                data["place"],
                data["slots"],
                acting_user=request.user,
            )
    else:
        bound = ShiftCancelForm(request.POST, auto_id=_ids(shift.pk, form))

        def write(data):
            return actions.cancel_shift(shift, data["reason"], acting_user=request.user)

    return apply_form(
        request,
        bound,
        write,
        reverse("staff:project", args=[project.pk]) + f"#shift-{shift.pk}",
        lambda bad: _page(
            request, project, status=400, shift_for=shift.pk, **{f"shift_{form}": bad}
        ),
    )


@login_required
@require_POST
def project_hours(request, pk):
    project = _project_for(request, pk, Role.COORDINATOR)
    signed = get_for_staff(
        request.user,
        SignUp.objects.filter(shift__role__project=project),
        Role.COORDINATOR,
        pk=request.POST.get("sign_up"),
    )
    form = HoursForm(request.POST)
    return apply_form(
        request,
        form,
        lambda data: actions.log_hours(signed, data["hours"], acting_user=request.user),
        reverse("staff:project", args=[project.pk]) + f"#shift-{signed.shift_id}",
        lambda bad: _page(request, project, status=400, hours_form=bad, hours_for=signed.pk),
    )


# -- CSV exports -----------------------------------------------------------------------------------


def _csv(filename, header, rows):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = spreadsheet.Writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


def _local(moment, tz):
    return timezone.localtime(moment, tz).strftime("%Y-%m-%d %H:%M") if moment else ""


@login_required
@require_GET
def roster_csv(request, pk):
    project = _project_for(request, pk)
    tz = project.agency.tz
    people = (
        SignUp.objects.filter(shift__role__project=project)
        .exclude(status=SignUpStatus.CANCELLED)
        .select_related("shift__role")
        .order_by("shift__start", "shift_id", F("confirmed_at").asc(nulls_last=True), "id")
    )
    rows = (
        (
            p.shift.role.name,
            _local(p.shift.start, tz),
            _local(p.shift.end, tz),
            p.shift.place,
            p.name,
            p.email,
            p.get_status_display(),
            _local(p.confirmed_at, tz),
            "" if p.hours is None else p.hours,
        )
        for p in people
    )
    header = [
        _("Role"),
        _("Start"),
        _("End"),
        _("Meeting place"),
        _("Name"),
        _("Email"),
        _("Status"),
        _("Confirmed at"),
        _("Hours"),
    ]
    return _csv(f"project-{project.pk}-roster.csv", header, rows)


@login_required
@require_GET
def hours_csv(request, pk):
    project = _project_for(request, pk)
    totals = (
        SignUp.objects.filter(shift__role__project=project, hours__isnull=False)
        .values("email")
        .annotate(shifts=Count("id"), total=Sum("hours"))
        .order_by("email")
    )
    names = dict(
        SignUp.objects.filter(shift__role__project=project)
        .order_by("created_at")
        .values_list("email", "name")
    )
    rows = (
        (names.get(t["email"], ""), t["email"], t["shifts"], t["total"] or decimal.Decimal(0))
        for t in totals
    )
    header = [_("Name"), _("Email"), _("Shifts worked"), _("Hours")]
    return _csv(f"project-{project.pk}-hours.csv", header, rows)
