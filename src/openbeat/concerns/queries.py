"""Read-side queries: what the public may see of concerns."""

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce

from openbeat.concerns.models import Category, Concern, ConcernUpdate, Photo, Supporter


def public_filter():
    """Concerns the public may see: not private, not sensitive, not hidden by moderators.

    The sensitive categories are a subquery, not a JOIN: the planner then reads concerns alone
    through the index the page needs (newest first, a map tile...). With a JOIN, SQLite with
    statistics starts from agencies and sorts a million rows for the first page of the list.
    """
    sensitive = Category.objects.filter(is_sensitive=True).values("pk")
    return Concern.objects.filter(is_private=False, is_hidden=False).exclude(
        category_id__in=sensitive
    )


def public_concerns(queryset=None):
    """`public_filter()` (or `queryset`, already filtered) with what a list shows of each."""
    supporters = (
        Supporter.objects.filter(concern=OuterRef("pk"))
        .order_by()
        .values("concern")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        (public_filter() if queryset is None else queryset)
        .select_related("category", "agency", "area")
        # A correlated subquery, not a JOIN with GROUP BY: it runs only for the rows of the page.
        .annotate(support_count=Coalesce(Subquery(supporters, output_field=IntegerField()), 0))
    )


def public_history(concern):
    return concern.updates.filter(is_public=True, is_hidden=False).order_by("created_at", "id")


def public_photos(concern):
    return concern.photos.filter(is_hidden=False).order_by("id")


def with_public_detail(queryset):
    return queryset.prefetch_related(
        Prefetch(
            "updates",
            queryset=ConcernUpdate.objects.filter(is_public=True, is_hidden=False),
            to_attr="public_updates",
        ),
        Prefetch("photos", queryset=Photo.objects.filter(is_hidden=False), to_attr="public_photos"),
    )


def in_bbox(queryset, south, west, north, east):
    return queryset.filter(latitude__range=(south, north), longitude__range=(west, east))


def search(queryset, status=None, category=None, area=None):
    from openbeat.concerns.models import CLOSED_STATUSES, OPEN_STATUSES

    if status == "open":
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    elif status == "closed":
        queryset = queryset.filter(status__in=CLOSED_STATUSES)
    if category:
        queryset = queryset.filter(
            category_id__in=Category.objects.filter(slug=category).values("pk")
        )
    if area:
        queryset = queryset.filter(area=area)
    return queryset


__all__ = [
    "in_bbox",
    "public_concerns",
    "public_filter",
    "public_history",
    "public_photos",
    "search",
]
