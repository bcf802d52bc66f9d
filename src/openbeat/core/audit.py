"""The audit log: every staff write records who, what, when, and the values before and after."""

import datetime
import decimal
import uuid
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import User
from django.db import models
from django.db.models.fields.files import FieldFile
from django.forms.models import model_to_dict

from openbeat.core import pagecache
from openbeat.core.access import Actor
from openbeat.core.models import Agency, ApiKey, AuditEvent

# A record's field values as stored in AuditEvent.before and .after (JSON).
Snapshot = dict[str, Any]


def _jsonable(value: object) -> object:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, FieldFile):  # an empty one has no url: asking raises ValueError
        return value.name or ""
    return value


def snapshot(instance: models.Model | None, exclude: Iterable[str] = ()) -> Snapshot | None:
    """The record's field values as JSON-safe data, for the before/after of an audit event."""
    if instance is None or instance.pk is None:
        return None
    data = model_to_dict(instance, exclude=list(exclude))
    return {key: _jsonable(value) for key, value in data.items()}


def record(
    actor: Actor | None,
    action: str,
    instance: models.Model,
    before: Snapshot | None = None,
    after: Snapshot | None = None,
    agency: Agency | None = None,
) -> AuditEvent:
    """Write one audit event; call inside the same transaction as the write it describes.

    Every staff write may change a public page, so it also moves the page cache's versions on:
    the site's, the agency's, and those the instance names in `page_scopes()`.
    """
    if agency is None:
        agency = getattr(instance, "agency", None)
    scopes: list[str] = [pagecache.SITE, *getattr(instance, "page_scopes", list)()]
    if isinstance(agency, Agency):
        scopes.append(pagecache.agency_scope(agency.pk))
    pagecache.bump(*scopes)
    return AuditEvent.objects.create(
        agency=agency if isinstance(agency, Agency) else None,
        actor=actor if isinstance(actor, User) else None,
        api_key=actor if isinstance(actor, ApiKey) else None,
        action=action,
        object_type=instance._meta.label_lower,
        object_id=str(instance.pk),
        before=before,
        after=after,
    )
