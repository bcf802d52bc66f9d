"""A beat's (or neighbourhood's) public page: meet its officers, its next meetings, its open
concerns and problems, and news of it by email.

An officer appears only with their consent (StaffRole.is_public_profile, off by default) and only
on the areas of their own agency they are assigned to; their photo is served only while the
profile is public. Concerns are the public ones (`Concern.objects.public()`), shown as every
public list shows them: no reporter, only the public place.
"""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from openbeat.concerns import queries as concern_queries
from openbeat.concerns.models import OPEN_STATUSES
from openbeat.core import pagecache
from openbeat.core.models import Area, StaffRole
from openbeat.events import queries
from openbeat.problems.models import Phase, Problem

NEXT_MEETINGS = 6
OPEN_CONCERNS = 10
OFFICER_MEETINGS = 3


def _scopes(request, slug, area_slug):
    agency_id = pagecache.agency_id_for_slug(slug)
    return None if agency_id is None else [pagecache.SITE, pagecache.agency_scope(agency_id)]


def public_officers(area):
    return (
        StaffRole.objects.filter(agency=area.agency_id, areas=area, is_public_profile=True)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "pk")
    )


@require_GET
@pagecache.public_page(scopes=_scopes)
def area_page(request, slug, area_slug):
    area = get_object_or_404(
        Area.objects.select_related("agency"), agency__slug=slug, slug=area_slug
    )
    upcoming = queries.upcoming()
    officers = [
        (
            officer,
            list(upcoming.filter(event__officers=officer)[:OFFICER_MEETINGS]),
        )
        for officer in public_officers(area)
    ]
    return render(
        request,
        "site/area.html",
        {
            "area": area,
            "agency": area.agency,
            "officers": officers,
            "upcoming": list(upcoming.filter(event__area=area)[:NEXT_MEETINGS]),
            "concerns": list(
                concern_queries.public_concerns()
                .filter(area=area, status__in=OPEN_STATUSES)
                .order_by("-created_at")[:OPEN_CONCERNS]
            ),
            "problems": list(
                Problem.objects.public()
                .filter(area=area)
                .exclude(phase=Phase.CLOSED)
                .order_by("-opened_at")
            ),
        },
    )


@require_GET
def officer_photo(request, slug, pk):
    officer = get_object_or_404(StaffRole, pk=pk, agency__slug=slug, is_public_profile=True)
    if not officer.photo:
        raise Http404("No photo.")
    response = FileResponse(officer.photo.open("rb"), content_type="image/jpeg")
    response["Content-Disposition"] = f'inline; filename="officer-{officer.pk}.jpg"'
    return response
