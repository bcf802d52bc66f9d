"""Read-side queries shared by the public pages, feeds and staff pages."""

import datetime

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from openbeat.core.models import Agency
from openbeat.events.models import Event, Occurrence, Question


def public_occurrences():
    """Dated meetings of published events, with what every listing shows, in constant queries."""
    return (
        Occurrence.objects.public()
        .select_related("event__agency", "event__venue", "event__programme", "venue")
        .prefetch_related(Prefetch("event__co_hosts", queryset=Agency.objects.order_by("name")))
        .order_by("start", "id")
    )


def upcoming(queryset=None):
    queryset = public_occurrences() if queryset is None else queryset
    now = timezone.now()
    # A meeting lasts at most a day: the start bound lets the start index skip the past.
    return queryset.filter(start__gte=now - datetime.timedelta(days=1), end__gt=now)


def for_agency(queryset, agency):
    """Meetings an agency hosts or co-hosts."""
    co_hosted = Event.objects.filter(co_hosts=agency).values("pk")
    return queryset.filter(Q(event__agency=agency) | Q(event_id__in=co_hosted))


FEED_UPCOMING = 1000
FEED_PAST = 200


def feed_items(queryset):
    """What a calendar feed carries: the soonest 1,000 meetings ahead and up to 200 of the last
    90 days, so a busy multi-agency site never pushes the future out of the feed (and a feed
    stays under a megabyte for calendar apps that poll it)."""
    now = timezone.now()
    ahead = list(upcoming(queryset)[:FEED_UPCOMING])
    since = now - datetime.timedelta(days=90)
    past = list(queryset.filter(end__gte=since, end__lte=now).order_by("-start")[:FEED_PAST])
    return past[::-1] + ahead


def ranked_questions(occurrence):
    """The public questions of a meeting, most +1s first (then the oldest first)."""
    return (
        Question.objects.public()
        .filter(occurrence=occurrence)
        .annotate(plus_ones=Count("votes", filter=Q(votes__counts=True)))
        .select_related("concern__category", "problem")
        .order_by("-plus_ones", "created_at", "id")
    )
