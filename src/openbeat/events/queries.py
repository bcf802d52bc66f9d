"""Read-side queries shared by the public pages, feeds and staff pages."""

import datetime

from django.db.models import Prefetch, Q
from django.utils import timezone

from openbeat.core.models import Agency
from openbeat.events.models import Event, Occurrence


def public_occurrences():
    """Dated meetings of published events, with what every listing shows, in constant queries."""
    return (
        Occurrence.objects.filter(event__is_published=True)
        .select_related("event__agency", "event__venue", "event__programme", "event__area", "venue")
        .prefetch_related(Prefetch("event__co_hosts", queryset=Agency.objects.order_by("name")))
        .order_by("start", "id")
    )


def upcoming(queryset=None):
    queryset = public_occurrences() if queryset is None else queryset
    return queryset.filter(end__gt=timezone.now())


def for_agency(queryset, agency):
    """Meetings an agency hosts or co-hosts."""
    co_hosted = Event.objects.filter(co_hosts=agency).values("pk")
    return queryset.filter(Q(event__agency=agency) | Q(event_id__in=co_hosted))


def feed_window(queryset):
    """What a calendar feed carries: the last 90 days and everything ahead."""
    since = timezone.now() - datetime.timedelta(days=90)
    return queryset.filter(end__gte=since)
