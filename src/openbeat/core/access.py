"""The one way staff code reaches agency-owned rows.

Every staff query goes through `scoped()` or `get_for_staff()`: a record another agency owns is
simply not there (404), never "forbidden", so its existence does not leak either.
A model declares `staff_access_paths`: the lookups that lead to the agencies allowed to see a
row (its owner first, then e.g. the co-hosts of an event).
"""

from django.db.models import Q
from django.http import Http404

from openbeat.core import audit_events
from openbeat.core.models import Agency, AuditEvent, Role, StaffRole

RANK = {Role.OFFICER: 1, Role.COORDINATOR: 2, Role.ADMIN: 3}


def agency_ids(user, minimum=Role.OFFICER):
    """Ids of the agencies where `user` (a staff account or an API key) holds `minimum` or more."""
    if getattr(user, "is_api_key", False):
        usable = not user.revoked and RANK[user.role] >= RANK[minimum]
        return [user.agency_id] if usable else []
    if not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser:
        return list(Agency.objects.values_list("id", flat=True))
    wanted = [role for role, rank in RANK.items() if rank >= RANK[minimum]]
    return list(
        StaffRole.objects.filter(user=user, role__in=wanted).values_list("agency_id", flat=True)
    )


def staff_agencies(user, minimum=Role.OFFICER):
    return Agency.objects.filter(id__in=agency_ids(user, minimum))


def scoped(user, queryset, minimum=Role.OFFICER, owner_only=False):
    """`queryset` narrowed to rows this user's agencies own (or co-host, unless owner_only)."""
    ids = agency_ids(user, minimum)
    paths = getattr(queryset.model, "staff_access_paths", ("agency",))
    if owner_only:
        paths = paths[:1]
    condition = Q(**{f"{paths[0]}__in": ids})
    for path in paths[1:]:
        # A subquery rather than a join keeps one row per record when several co-hosts match.
        matching = queryset.model._base_manager.filter(**{f"{path}__in": ids}).values("pk")
        condition |= Q(pk__in=matching)
    return queryset.filter(condition)


def get_for_staff(user, queryset, minimum=Role.OFFICER, owner_only=False, **lookup):
    """The one record matching `lookup` that this user may reach, or 404."""
    try:
        return scoped(user, queryset, minimum, owner_only).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        _record_refusal(user, queryset.model, lookup)
        raise Http404("No such record for your agency.") from exc


def _record_refusal(user, model, lookup):
    """A staff member or key asked for a record it may not reach: keep a trace for review."""
    AuditEvent.objects.create(
        actor=user if getattr(user, "is_authenticated", False) else None,
        api_key=user if getattr(user, "is_api_key", False) else None,
        action=audit_events.ACCESS_REFUSED,
        object_type=model._meta.label_lower,
        object_id=str(next(iter(lookup.values()), ""))[:64],
    )


def has_role(user, agency_id, minimum=Role.OFFICER):
    return agency_id in agency_ids(user, minimum)
