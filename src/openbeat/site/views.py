"""The home page and the agency pages."""

from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from openbeat.core.models import Agency, StaffRole
from openbeat.core.pagecache import public_page
from openbeat.events import queries
from openbeat.outreach.models import Announcement


@require_GET
@public_page
def home(request):
    upcoming = queries.upcoming()
    return render(
        request,
        "site/home.html",
        {
            "agencies": Agency.objects.all(),
            "upcoming": list(upcoming[:6]),
            "next_meeting": upcoming.exclude(event__programme__slug="coffee-with-a-cop").first(),
            "next_coffee": upcoming.filter(event__programme__slug="coffee-with-a-cop").first(),
            "news": list(Announcement.objects.public().select_related("agency")[:3]),
        },
    )


@require_GET
@public_page
def agency(request, slug):
    agency = get_object_or_404(Agency, slug=slug)
    people = (
        StaffRole.objects.filter(agency=agency)
        .exclude(title="")
        .select_related("user")
        .order_by("id")
    )
    return render(
        request,
        "site/agency.html",
        {
            "agency": agency,
            "people": people,
            "upcoming": list(
                queries.upcoming(queries.for_agency(queries.public_occurrences(), agency))[:10]
            ),
            "venues": agency.venues.all(),
            "areas": agency.areas.all(),
        },
    )
