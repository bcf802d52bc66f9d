"""Staff pages: the dashboard, the engagement record as CSV, the survey card for a meeting."""

import datetime
import io

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from openbeat.core import spreadsheet
from openbeat.core.access import get_for_staff, staff_agencies
from openbeat.core.dates import DateField
from openbeat.events.models import Occurrence
from openbeat.insights import dashboards, metrics, presenting

MAX_REPORT_DAYS = 5 * 366


class PeriodForm(forms.Form):
    """The dates of an engagement report, in the agency's calendar (both days included)."""

    start = DateField(label=gettext_lazy("From"))
    end = DateField(label=gettext_lazy("To"))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            raise forms.ValidationError(_("The end date is before the start date: swap them."))
        if start and end and (end - start).days > MAX_REPORT_DAYS:
            raise forms.ValidationError(_("Choose at most five years for one report."))
        return data


def _agency_for(request):
    """The agency the page is about: chosen in the query string, or the user's first; 404 if
    the user holds no role there."""
    agencies = list(staff_agencies(request.user))
    wanted = request.GET.get("agency", "")
    for agency in agencies:
        if not wanted or agency.slug == wanted:
            return agency, agencies
    raise Http404(_("No such agency for your account."))


def _default_period(agency):
    today = timezone.localdate(timezone=agency.tz)
    return {"start": today.replace(year=today.year - 1) + datetime.timedelta(days=1), "end": today}


@login_required
@require_GET
def dashboard(request):
    agency, agencies = _agency_for(request)
    snapshot = dashboards.snapshot_for(agency)
    since = timezone.now() - datetime.timedelta(days=14)
    meetings = (
        Occurrence.objects.filter(agency=agency, end__gte=since)
        .select_related("event")
        .order_by("start")[:20]
    )
    context = {
        "agency": agency,
        "agencies": agencies,
        "snapshot": snapshot,
        "period": PeriodForm(initial=_default_period(agency)),
        "meetings": meetings,
    }
    if snapshot is not None:
        context["d"] = presenting.dashboard(snapshot.data, staff=True)
        context["engagement"] = snapshot.data["staff"]["engagement"]
        context["comments"] = snapshot.data["staff"]["comments"]
    return render(request, "staff/insights/dashboard.html", context)


ENGAGEMENT_COLUMNS = [
    ("level", gettext_lazy("Level")),
    ("name", gettext_lazy("Name")),
    ("events", gettext_lazy("Meetings held")),
    ("attendance", gettext_lazy("Attendance")),
    ("officers", gettext_lazy("Officers present")),
    ("officer_hours", gettext_lazy("Officer hours")),
    ("concerns", gettext_lazy("Concerns logged at meetings")),
    ("volunteer_hours", gettext_lazy("Volunteer hours")),
]


@login_required
@require_GET
def engagement_csv(request):
    """The engagement record for a grant report (agency, units, officers) between two dates."""
    agency, agencies = _agency_for(request)
    form = PeriodForm(request.GET)
    if not form.is_valid():
        context = {"agency": agency, "agencies": agencies, "period": form, "snapshot": None}
        return render(request, "staff/insights/dashboard.html", context, status=400)
    start = metrics.local_midnight(agency, form.cleaned_data["start"])
    end = metrics.local_midnight(agency, form.cleaned_data["end"] + datetime.timedelta(days=1))
    rows = metrics.engagement(agency, start, end)
    buffer = io.StringIO()
    writer = spreadsheet.Writer(buffer)
    writer.writerow([label for _key, label in ENGAGEMENT_COLUMNS])
    writer.writerows([row.get(key) for key, _l in ENGAGEMENT_COLUMNS] for row in rows)
    name = f"engagement-{agency.slug}-{form.cleaned_data['start']}-{form.cleaned_data['end']}.csv"
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def survey_card(request, occurrence_id):
    """A page to print for the meeting's table: the survey's QR code and its address."""
    occurrence = get_for_staff(
        request.user,
        Occurrence.objects.select_related("event__agency", "event__venue", "venue"),
        pk=occurrence_id,
    )
    url = settings.BASE_URL + reverse(
        "insights:walk_in", args=[occurrence.event.slug, occurrence.date_key]
    )
    import segno  # here, not at start-up (openbeat.events.qr)

    svg = io.BytesIO()
    segno.make(url, error="m").save(
        svg,
        kind="svg",
        xmldecl=False,
        svgns=True,
        omitsize=True,
        scale=8,
        title=_("QR code for the feedback form"),
        svgclass="qr",
    )
    context = {
        "occurrence": occurrence,
        "event": occurrence.event,
        "url": url,
        # segno's own markup: the QR modules as one path, with our title, nothing from input.
        "qr": mark_safe(svg.getvalue().decode()),  # noqa: S308
    }
    return render(request, "staff/insights/survey_card.html", context)
