"""The write paths of two-factor sign-in; every decision lands in the audit log."""

import datetime
import math
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_otp import devices_for_user
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from openbeat.core import access, audit_events
from openbeat.core.models import Agency, AuditEvent, Role

BACKUP_CODES = 10


def _log(
    action: str,
    user: User,
    actor: User | None = None,
    agency: Agency | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    AuditEvent.objects.create(
        agency=agency,
        actor=actor if actor is not None else user,
        action=action,
        object_type="auth.user",
        object_id=str(user.pk),
        after=after,
    )


def pending_authenticator(user: User) -> TOTPDevice:
    """The authenticator this user is setting up: one, kept across reloads of the page."""
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, confirmed=False, defaults={"name": "authenticator"}
    )
    return device


def confirm_authenticator(user: User, code: str) -> tuple[list[str] | None, TOTPDevice | None]:
    """Confirm the pending authenticator with its first code; return the new backup codes,
    or None when the code is wrong (throttled like any other code)."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
        if device is None or not device.verify_token(code):
            _log(audit_events.AUTH_2FA_ENROL_FAILED, user)
            return None, device
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _replace_backup_codes(user)
        _log(audit_events.AUTH_2FA_ENROLLED, user)
    return codes, device


def verify(user: User, code: str) -> tuple[Device | None, datetime.datetime | None]:
    """The device that accepts `code` (authenticator or one-time backup code), or None.

    Returns (device, wait): after a wrong code every code is refused for a while that doubles
    with each further failure (django-otp's throttling); `wait` says until when.
    """
    code = "".join(code.split()).lower()
    # Six digits are an authenticator's code, anything else a backup code: a backup code then
    # never counts as a wrong authenticator code (which would delay the next one).
    model = TOTPDevice if code.isdigit() and len(code) == 6 else StaticDevice
    kind = "authenticator" if model is TOTPDevice else "backup"
    with transaction.atomic():
        devices = list(model.objects.devices_for_user(user, confirmed=True).select_for_update())
        wait = _throttled_until(devices)
        if wait is None:
            for device in devices:
                if device.verify_token(code):
                    _log(audit_events.AUTH_2FA_VERIFIED, user, after={"with": kind})
                    return device, None
        _log(
            audit_events.AUTH_2FA_FAILED, user, after={"with": kind, "throttled": wait is not None}
        )
    return None, wait


def _throttled_until(devices: Iterable[Device]) -> datetime.datetime | None:
    until: datetime.datetime | None = None
    for device in devices:
        allowed, detail = device.verify_is_allowed()
        if not allowed and detail and detail.get("locked_until"):
            until = max(until or detail["locked_until"], detail["locked_until"])
    return until


def _replace_backup_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="backup codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def new_backup_codes(user: User) -> list[str]:
    """A fresh set of one-time codes; the old ones stop working."""
    with transaction.atomic():
        codes = _replace_backup_codes(user)
        _log(audit_events.AUTH_2FA_BACKUP_CODES, user)
    return codes


def resettable_staff(*, acting_user: User) -> QuerySet[User]:
    """Accounts whose authenticator this agency administrator may reset (a superuser: all)."""
    users = get_user_model().objects.filter(is_active=True)
    if not acting_user.is_superuser:
        users = users.filter(staff_roles__agency_id__in=access.agency_ids(acting_user, Role.ADMIN))
    return users.distinct().order_by("username")


def reset_devices(user_id: int, *, acting_user: User) -> User:
    """Remove an account's authenticator and backup codes (a lost phone): it enrols afresh at
    its next sign-in, and sessions verified with the old device must verify again."""
    from django.http import Http404

    target = resettable_staff(acting_user=acting_user).filter(pk=user_id).first()
    if target is None:
        access._record_refusal(acting_user, get_user_model(), {"pk": user_id})
        raise Http404("No such staff member in your agency.")
    shared = target.staff_roles.filter(
        agency_id__in=access.agency_ids(acting_user, Role.ADMIN)
    ).first()
    _remove_devices(target, acting_user, shared.agency if shared else None, {})
    return target


def reset_from_console(username: str, reason: str) -> int:
    """The server operator's reset (`openbeat two-factor-reset`), for the last administrator:
    audited without an actor, with the reason given."""
    target = get_user_model().objects.filter(username=username).first()
    if target is None:
        raise LookupError(username)
    return _remove_devices(target, None, None, {"by": "console", "reason": reason})


def _remove_devices(
    target: User, actor: User | None, agency: Agency | None, note: dict[str, str]
) -> int:
    with transaction.atomic():
        devices = devices_for_user(target, confirmed=None)
        removed: int = sum(device.delete()[0] > 0 for device in devices)
        AuditEvent.objects.create(
            agency=agency,
            actor=actor,
            action=audit_events.AUTH_2FA_RESET,
            object_type="auth.user",
            object_id=str(target.pk),
            after={"devices_removed": removed, **note},
        )
    return removed


def throttle_minutes(until: datetime.datetime) -> int:
    minutes: float = (until - timezone.now()) / datetime.timedelta(minutes=1)
    return max(1, math.ceil(minutes))
