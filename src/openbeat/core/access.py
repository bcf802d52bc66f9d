"""The one way staff code reaches agency-owned rows.

Every staff query goes through `scoped()` or `get_for_staff()`: a record another agency owns is
simply not there (404), never "forbidden", so its existence does not leak either.
A model declares `staff_access_paths`: the lookups that lead to the agencies allowed to see a
row (its owner first, then e.g. the co-hosts of an event).
"""

from typing import Any, TypeAlias, TypeVar

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from openbeat.core import audit_events
from openbeat.core.models import Agency, ApiKey, AuditEvent, Role, StaffRole

# Who acts: a signed-in staff account (or the anonymous one a request may carry), or an API key.
Actor: TypeAlias = User | AnonymousUser | ApiKey
M = TypeVar("M", bound=Model)

RANK: dict[str, int] = {Role.OFFICER: 1, Role.COORDINATOR: 2, Role.ADMIN: 3}


def agency_ids(user: Actor, minimum: str = Role.OFFICER) -> list[int]:
    """Ids of the agencies where `user` (a staff account or an API key) holds `minimum` or more."""
    if isinstance(user, ApiKey):
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


def staff_agencies(user: Actor, minimum: str = Role.OFFICER) -> QuerySet[Agency]:
    return Agency.objects.filter(id__in=agency_ids(user, minimum))


def scoped(
    user: Actor, queryset: QuerySet[M], minimum: str = Role.OFFICER, owner_only: bool = False
) -> QuerySet[M]:
    """`queryset` narrowed to rows this user's agencies own (or co-host, unless owner_only)."""
    ids = agency_ids(user, minimum)
    paths: tuple[str, ...] = getattr(queryset.model, "staff_access_paths", ("agency",))
    if owner_only:
        paths = paths[:1]
    condition = Q(**{f"{paths[0]}__in": ids})
    for path in paths[1:]:
        # A subquery rather than a join keeps one row per record when several co-hosts match.
        matching = queryset.model._base_manager.filter(**{f"{path}__in": ids}).values("pk")
        condition |= Q(pk__in=matching)
    return queryset.filter(condition)


def get_for_staff(
    user: Actor,
    queryset: QuerySet[M],
    minimum: str = Role.OFFICER,
    owner_only: bool = False,
    **lookup: Any,
) -> M:
    """The one record matching `lookup` that this user may reach, or 404."""
    try:
        return scoped(user, queryset, minimum, owner_only).get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        _record_refusal(user, queryset.model, lookup)
        raise Http404("No such record for your agency.") from exc


def _record_refusal(user: Actor, model: type[Model], lookup: dict[str, Any]) -> None:
    """A staff member or key asked for a record it may not reach: keep a trace for review."""
    AuditEvent.objects.create(
        actor=user if isinstance(user, User) else None,
        api_key=user if isinstance(user, ApiKey) else None,
        action=audit_events.ACCESS_REFUSED,
        object_type=model._meta.label_lower,
        object_id=str(next(iter(lookup.values()), ""))[:64],
    )


def has_role(user: Actor, agency_id: int, minimum: str = Role.OFFICER) -> bool:
    return agency_id in agency_ids(user, minimum)
