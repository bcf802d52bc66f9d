"""The redacted export for a public-records request: an agency's concerns as CSV, with the
reporter's identity left out and internal notes withheld (counted, marked)."""

import io

from django.db.models import Count, Q
from django.utils import timezone

from openbeat.concerns.models import Concern, UpdateKind
from openbeat.core import spreadsheet

REDACTED = "[redacted]"
COLUMNS = (
    "id",
    "created",
    "closed",
    "category",
    "status",
    "area",
    "public_latitude",
    "public_longitude",
    "description",
    "source",
    "reporter",
    "private",
    "hidden",
    "legal_hold",
    "internal_notes",
)


def _reporter(concern):
    if concern.reporter_name or concern.reporter_email or concern.reporter_phone:
        return REDACTED
    return "anonymous" if concern.is_anonymous else "none given"


def rows(agency):
    concerns = (
        Concern.objects.filter(agency=agency)
        .select_related("category", "area", "legal_hold")
        .annotate(notes=Count("updates", filter=Q(updates__kind=UpdateKind.NOTE)))
        .order_by("pk")
    )
    for concern in concerns.iterator(chunk_size=500):
        point = concern.public_point() or ("", "")
        has_hold = hasattr(concern, "legal_hold")
        yield {
            "id": concern.pk,
            "created": timezone.localtime(concern.created_at).isoformat(timespec="minutes"),
            "closed": (
                timezone.localtime(concern.closed_at).isoformat(timespec="minutes")
                if concern.closed_at
                else ""
            ),
            "category": concern.category.name,
            "status": concern.status,
            "area": concern.area.name if concern.area else "",
            "public_latitude": point[0],
            "public_longitude": point[1],
            "description": concern.description,
            "source": concern.source,
            "reporter": _reporter(concern),
            "private": "yes" if concern.is_private or concern.category.is_sensitive else "no",
            "hidden": "yes" if concern.is_hidden else "no",
            "legal_hold": "yes" if has_hold else "no",
            "internal_notes": f"[withheld: {concern.notes}]" if concern.notes else "",
        }


def as_csv(agency):
    out = io.StringIO()
    writer = spreadsheet.Writer(out)
    writer.writerow(COLUMNS)
    writer.writerows([row[column] for column in COLUMNS] for row in rows(agency))
    return out.getvalue()
