"""Read-side queries: what the public may see of concerns."""

from django.db.models import Count, ExpressionWrapper, F, IntegerField, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce

from openbeat.concerns.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    Category,
    Concern,
    ConcernUpdate,
    Photo,
    Supporter,
)


def public_concerns(queryset=None):
    """`Concern.objects.public()` (or `queryset`, already public) with what a list shows."""
    supporters = (
        Supporter.objects.counted()
        .filter(concern=OuterRef("pk"))
        .order_by()
        .values("concern")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        (Concern.objects.public() if queryset is None else queryset)
        .select_related("category", "agency", "area")
        # A correlated subquery, not a JOIN with GROUP BY: it runs only for the rows of the page.
        .annotate(support_count=Coalesce(Subquery(supporters, output_field=IntegerField()), 0))
    )


def public_history(concern):
    return concern.updates.public().order_by("created_at", "id")


def with_public_detail(queryset):
    return queryset.prefetch_related(
        Prefetch(
            "updates",
            queryset=ConcernUpdate.objects.public(),
            to_attr="public_updates",
        ),
        Prefetch("photos", queryset=Photo.objects.filter(is_hidden=False), to_attr="public_photos"),
    )


def search(queryset, status=None, category=None, area=None, in_date_order=False):
    """`queryset` filtered as the list's form asks. `in_date_order`: for reading a page newest
    first, not for counting (see the category filter)."""
    if status == "open":
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    elif status == "closed":
        queryset = queryset.filter(status__in=CLOSED_STATUSES)
    if category:
        ids = Category.objects.filter(slug=category).values("pk")
        if in_date_order:
            # Through `category_id + 0`, which no index serves: a slug's categories (one per
            # agency) are a hundred index ranges no planner merges in date order, so SQLite
            # read all of them (~150,000 rows at a million concerns) and sorted them for each
            # page, 1-3 s. The newest-first index (or an area's) finds a page of a category in
            # a few hundred rows. Counting, on the contrary, wants those ranges.
            number = ExpressionWrapper(F("category_id") + 0, output_field=IntegerField())
            queryset = queryset.alias(category_number=number).filter(category_number__in=ids)
        else:
            queryset = queryset.filter(category_id__in=ids)
    if area:
        queryset = queryset.filter(area=area)
    return queryset


__all__ = [
    "public_concerns",
    "public_history",
    "search",
]
