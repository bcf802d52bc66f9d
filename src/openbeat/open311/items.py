"""Each public concern's Open311 item, stored on its row as the JSON the answer holds.

A list of requests is then a concatenation: a page of 100 or a 30-day window reads three
columns of each row (`STORED`) and joins the stored texts with commas, where building each
item from its row, its last public status note and its first public photo was most of a miss.
The JSON answer is those bytes; the XML one is written from the same items, read back.

What is stored is exactly what the public answer shows of the concern, nothing per request:
the item names no reporter, holds the public point only, and a concern the public may not see
(private, hidden, in a sensitive category) stores none. Its photo's `media_url` is kept
relative ("/concerns/photos/7.jpg") and completed with settings.BASE_URL when answered. The
category's English name and the agency's name are the only texts shown from other rows; the
answer is the same in every language.

An item is fresh when its row's `open311_item_format` is FORMAT: a change to what an item shows
bumps FORMAT (with a migration that forgets the older items), and an older item is built anew
where it is read until the worker's `fill_missing` has stored it again.

It is kept fresh by signal receivers (`openbeat.concerns.apps`): a concern saved, an update or
a photo saved or deleted rebuilds that concern's item (`refresh`); a category's or agency's
change of what its concerns' items show forgets those items (`forget`), which readers build
again until the worker's `fill_missing` has stored them. Bulk `QuerySet.update()`s of what an
item shows send no signal: their callers call `refresh` themselves.
"""

import functools
from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.urls import reverse

from openbeat.concerns.models import (
    CLOSED_STATUSES,
    Concern,
    ConcernUpdate,
    Photo,
    Status,
    public_location_text,
)
from openbeat.core.prepared import Prepared

# The shape of the stored items. A change to what an item shows bumps it, with a migration that
# forgets the items of other formats (NULL: the worker finds them by the index of the missing
# ones); until then readers build those items anew.
FORMAT = 1
# The columns a list reads: the item is stored when its format is FORMAT and the text not NULL.
STORED = ("id", "open311_item_format", "open311_item")
# What an item is built from, read as plain rows, not model instances (at 1,000 items a page,
# building instances and prefetching their updates and photos was most of a miss): the last
# public status note and the first public photo come with each row, as subqueries.
COLUMNS = (
    "id",
    "status",
    "referred_to",
    "description",
    "created_at",
    "updated_at",
    "location_text",
    "public_latitude",
    "public_longitude",
    "category__slug",
    "category__name_en",
    "category__about_people",
    "agency__name",
    "status_note",
    "photo_id",
)
SWEEP = 20_000  # items `fill_missing` stores at a time
CLOSED = frozenset(str(s) for s in CLOSED_STATUSES)
_RELATIVE = b'"media_url":"/'
_PLACEHOLDER = 987654321


def rows(concerns: QuerySet[Concern]) -> QuerySet[Concern, tuple[Any, ...]]:
    """`concerns` (a Concern queryset) as rows of COLUMNS, what `build` reads."""
    notes = (
        ConcernUpdate.objects.public()
        .filter(concern=OuterRef("pk"))
        .exclude(status_after="")
        .exclude(body="")
        .order_by("-created_at", "-id")
        .values("body")[:1]
    )
    photos = Photo.objects.filter(concern=OuterRef("pk"), is_hidden=False).order_by("id")
    return concerns.annotate(
        status_note=Subquery(notes), photo_id=Subquery(photos.values("pk")[:1])
    ).values_list(*COLUMNS)


@functools.cache
def _photo_path() -> str:
    return reverse("concerns:photo", args=[_PLACEHOLDER]).replace(str(_PLACEHOLDER), "{}")


def build(row: Sequence[Any]) -> dict[str, Any]:
    """The item of one row of COLUMNS, its `media_url` relative to the site."""
    (pk, status, referred_to, description, created, updated, text) = row[:7]
    (lat, lon, code, name, about_people, agency, note, photo) = row[7:]
    if lat is not None and lon is not None:
        lat, lon = float(lat), float(lon)
    return {
        "service_request_id": str(pk),
        "status": "closed" if status in CLOSED else "open",
        "status_notes": note or "",
        "service_name": name,
        "service_code": code,
        "description": description,
        "agency_responsible": referred_to if status == Status.REFERRED and referred_to else agency,
        "service_notice": "",
        "requested_datetime": _iso(created),
        "updated_datetime": _iso(updated),
        "expected_datetime": "",
        "address": public_location_text(text, about_people),
        "address_id": "",
        "zipcode": "",
        "lat": lat,
        "long": lon,
        "media_url": _photo_path().format(photo) if photo else "",
    }


def _iso(when: Any) -> str:
    """A moment of a row: ISO 8601 text already (compiled queries' plain rows) or a datetime."""
    return when if isinstance(when, str) else when.isoformat()


def encode(row: Sequence[Any]) -> str:
    """The stored text of one row of COLUMNS."""
    return orjson.dumps(build(row)).decode()


def built(ids: Iterable[int], using: str | None = None) -> dict[int, str]:
    """{id: stored text} of the public concerns among `ids`, built now."""
    concerns = Concern.objects.public() if using is None else Concern.objects.using(using).public()
    return {row[0]: encode(row) for row in rows(concerns.filter(pk__in=ids))}


# One concern's row, what every write refreshes: compiled once per process (~1 ms a write less).
_ONE = Prepared(lambda pk: rows(Concern.objects.public().filter(pk=pk)), ["int"], plain=True)


def refresh(ids: Iterable[int]) -> None:
    """Store the items of the concerns `ids` as they are now (none for one not public), read
    where writes go (a replica may not have the write yet)."""
    db = router.db_for_write(Concern)
    ids = list(ids)
    if len(ids) == 1:
        row = next(_ONE.run(ids[0], alias=db), None)
        _store([(encode(row) if row else None, FORMAT, ids[0])], db)
        return
    for start in range(0, len(ids), 1000):  # SQLite allows a query ~32,000 parameters
        chunk = ids[start : start + 1000]
        texts = built(chunk, using=db)
        _store([(texts.get(pk), FORMAT, pk) for pk in chunk], db)


def _store(values: list[tuple[str | None, int, int]], db: str) -> None:
    """UPDATE each (text, format, id): one statement run for many rows, sending no signal."""
    quote = connections[db].ops.quote_name
    sql = (
        f"UPDATE {quote(Concern._meta.db_table)} "  # noqa: S608 (the model's table name)
        "SET open311_item = %s, open311_item_format = %s WHERE id = %s"
    )
    with transaction.atomic(using=db), connections[db].cursor() as cursor:
        cursor.executemany(sql, values)


def forget(concerns: QuerySet[Concern]) -> None:
    """Drop the items of `concerns` (a queryset): read again, they are built from their rows."""
    concerns.update(open311_item=None, open311_item_format=None)


_cursor = {"after": 0}  # the id this process's last sweep stopped at


def _missing(limit: int, after: int = 0, upto: int | None = None) -> list[int]:
    concerns = Concern.objects.filter(open311_item_format__isnull=True, pk__gt=after)
    if upto is not None:
        concerns = concerns.filter(pk__lte=upto)
    return list(concerns.order_by("pk").values_list("pk", flat=True)[:limit])


def fill_missing(limit: int = SWEEP) -> int:
    """The worker's periodic job (settings.PERIODIC_JOBS): store up to `limit` missing items
    (their format NULL: never stored, or forgotten), going on from the id where this process's last sweep stopped (reading the table from
    the start each sweep went past every stored item again: 795 s to fill a million), and from
    the first id again once past the last. Returns how many it stored."""
    after = _cursor["after"]
    ids = _missing(limit, after)
    if len(ids) < limit and after:
        ids += _missing(limit - len(ids), 0, after)
    refresh(ids)
    _cursor["after"] = ids[-1] if len(ids) == limit else 0
    return len(ids)


def answer_json(stored_rows: Iterable[Sequence[Any]]) -> bytes:
    """The JSON array of the items of `stored_rows` (rows of STORED), in their order, as bytes;
    an item missing or stale is built from its row now."""
    stored_rows = list(stored_rows)
    missing = [pk for pk, form, text in stored_rows if form != FORMAT or text is None]
    fresh = built(missing) if missing else {}
    texts = [
        text if form == FORMAT and text is not None else fresh.get(pk)
        for pk, form, text in stored_rows
    ]
    body = ("[" + ",".join(t for t in texts if t is not None) + "]").encode()
    return body.replace(_RELATIVE, _relative_to(settings.BASE_URL))


@functools.cache
def _relative_to(base_url: str) -> bytes:
    return b'"media_url":' + orjson.dumps(base_url)[:-1] + b"/"


def answer_items(stored_rows: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
    """The items of `stored_rows` as dicts (for the XML answer): what `answer_json` holds."""
    return orjson.loads(answer_json(stored_rows))


# -- Keeping items fresh: receivers connected in openbeat.concerns.apps ----------------------


def concern_saved(sender: Any, instance: Concern, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        refresh([instance.pk])


def part_changed(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    """An update or a photo saved or deleted: its concern's status note or photo may change."""
    if not raw:
        refresh([instance.concern_id])


# What an item shows of a category's or an agency's own row, and whether it is public at all.
SHOWN = {
    "concerns.category": ("slug", "name_en", "about_people", "is_sensitive"),
    "core.agency": ("name",),
}


def _shown(instance: Any) -> tuple[Any, ...]:
    return tuple(getattr(instance, f) for f in SHOWN[instance._meta.label_lower])


def remember_shown(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    """Before a category or agency is saved: what its concerns' items showed of it."""
    before = None
    if not raw and instance.pk is not None:
        fields = SHOWN[instance._meta.label_lower]
        before = sender._base_manager.filter(pk=instance.pk).values_list(*fields).first()
    instance._open311_shown = before


def forget_if_changed(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    """After: its concerns' items are forgotten if what they show of it changed."""
    before = getattr(instance, "_open311_shown", None)
    if before is not None and tuple(before) != _shown(instance):
        field = "category" if instance._meta.label_lower == "concerns.category" else "agency"
        forget(Concern.objects.filter(**{field: instance.pk}))
