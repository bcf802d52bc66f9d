"""API keys: created with a random secret, stored as a hash, looked up by their prefix."""

import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone

from openbeat.core import audit, audit_events
from openbeat.core.access import Actor
from openbeat.core.models import Agency, ApiKey, Role

PREFIX_LENGTH = 8


def _hash(raw: str) -> str:
    # The keys are 32 random bytes: a plain SHA-256 is enough; no password stretching needed.
    return hashlib.sha256(raw.encode()).hexdigest()


def create_key(
    agency: Agency, name: str, role: str = Role.OFFICER, actor: Actor | None = None
) -> tuple[ApiKey, str]:
    """A new key for `agency`; returns (ApiKey, raw key). The raw key is never stored."""
    with transaction.atomic():
        while True:
            prefix = secrets.token_hex(PREFIX_LENGTH // 2)
            if not ApiKey.objects.filter(prefix=prefix).exists():
                break
        raw = f"ob_{prefix}_{secrets.token_urlsafe(32)}"
        key = ApiKey.objects.create(
            agency=agency, name=name[:120], role=role, prefix=prefix, hashed=_hash(raw)
        )
        audit.record(
            actor,
            audit_events.APIKEY_CREATE,
            key,
            after={"name": key.name, "role": role, "prefix": prefix},
        )
    return key, raw


def verify(raw: str | None) -> ApiKey | None:
    """The live key matching `raw`, or None."""
    if not raw or not raw.startswith("ob_") or raw.count("_") < 2:
        return None
    prefix = raw[3 : 3 + PREFIX_LENGTH]
    key = ApiKey.objects.select_related("agency").filter(prefix=prefix, revoked=False).first()
    if key is None or not hmac.compare_digest(key.hashed, _hash(raw)):
        return None
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key
