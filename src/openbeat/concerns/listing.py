"""The public list of concerns (`/concerns/`): its page of rows and its cards, on a cache miss.

A clerk paging back through a category or a neighbourhood never asks the same URL twice, so
every page is a miss (bench/misses.py, "list"). The ORM path cost 12-20 CPU ms a miss at a
million concerns: building and compiling four querysets, a model instance per row and its three
related ones, then the template once per card. Here instead:

- Each statement is compiled once per process and shape of the filters (`Prepared`): the
  cursor concern's place in the order, the page's ids (newest first, from no cursor, `before=`
  or `after=`), the page's rows by id, and the capped count. A shape is the status filter ("",
  "open" or "closed") and whether a category and an area are given; the values (the category's
  slug, the area's id, the cursor's moment and id) are swapped in per request.
- Rows are plain values (`values_list`), not model instances.
- The cards are written here (`CARD`), each text escaped with `html.escape` as the template's
  autoescaping did: the category's label once per version of the categories and language
  (`pagecache.memo`), a date once per day shown, the status labels once per page.

The filters are exactly `queries.search` on `Concern.objects.public()` (the page's rows are read
through `public()` again, by id): no private, hidden or sensitive concern, nor anything about
who reported one, can reach a card. tests/concerns/test_listing.py checks that the cards are
byte for byte what the template wrote (English, British English and Spanish; hostile text in
every field a card shows), and tests/security's hostile-text corpus runs through this writer too
(the list is one of its pages).

The indexes these statements read (migration 0009): `concern_newest` and `concern_area_newest`
carry the category, status and public flags, so a page walks one index range from its cursor
and tests each entry in the index itself (no table reads for the concerns it skips), and the
capped count is a covering scan of the category's (`concern_category_status`), the area's, or
the area and category's (`concern_area_category`) entries.
"""

from html import escape
from typing import Any

from django.db import connection
from django.template.defaultfilters import truncatewords
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext, ngettext

from openbeat.concerns import queries
from openbeat.concerns.models import CATEGORIES, Category, Concern, Status
from openbeat.core import pagecache
from openbeat.core.prepared import Prepared, server_cursor

STATUSES = ("", "open", "closed")
_SLUG = Category._meta.get_field("slug")
# Python's sqlite3 refuses a larger integer, and no id is larger: such a cursor is no concern.
_LARGEST_ID = 2**63 - 1
_PLACEHOLDER = 987654321
# One card, as the list's template wrote it (its loop, _status.html and _removed.html included,
# with their final newlines). Every value in it is escaped text.
CARD = (
    '\n  <li class="card"><h3><a href="{url}">#{pk} {category}</a></h3>\n'
    '    <p><span class="status status-{status}">{status_label}</span>\n'
    " · {place} · {date}\n"
    "    {support}</p>\n"
    "    <p>{text}</p></li>\n"
)
REFERRED = "closed_referred"
# The status labels change only with the code: a day is how long a process keeps them.
LABELS_TTL = 86400.0


def concern_id(text):
    """The id a cursor or filter names (ASCII digits only), or None."""
    if not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if number <= _LARGEST_ID else None


# ---------------------------------------------------------------- the statements


def _search(status, with_category, with_area, values, in_date_order):
    """`queries.search` on the public concerns, the category's slug and area's id from `values`."""
    values = list(values)
    slug = values.pop(0) if with_category else None
    area = values.pop(0) if with_area else None
    return queries.search(Concern.objects.public(), status, slug, area, in_date_order)


def _kinds(with_category, with_area):
    return [_SLUG] * with_category + ["int"] * with_area


def _page(shape, direction):
    """The ids of a page newest first ("first", "before") or oldest first ("after")."""
    status, with_category, with_area = shape
    filters = len(_kinds(with_category, with_area))

    def build(*values):
        concerns = _search(status, with_category, with_area, values[:filters], True)
        if direction == "first":
            return concerns.order_by("-created_at", "-id").values_list("pk")
        at, pk = values[filters:]
        if direction == "before":
            older = concerns.filter(created_at__lte=at).exclude(created_at=at, pk__gte=pk)
            return older.order_by("-created_at", "-id").values_list("pk")
        newer = concerns.filter(created_at__gte=at).exclude(created_at=at, pk__lte=pk)
        return newer.order_by("created_at", "id").values_list("pk")

    cursor = [] if direction == "first" else ["datetime", "int"]
    return Prepared(build, [*_kinds(with_category, with_area), *cursor], prepare=True)


def _counted(shape):
    status, with_category, with_area = shape
    return Prepared(
        lambda *values: (
            _search(status, with_category, with_area, values, False).order_by().values_list("pk")
        ),
        _kinds(with_category, with_area),
        prepare=True,
    )


SHAPES = [(s, c, a) for s in STATUSES for c in (False, True) for a in (False, True)]
_PAGES = {(shape, d): _page(shape, d) for shape in SHAPES for d in ("first", "before", "after")}
_COUNTS = {shape: _counted(shape) for shape in SHAPES}
# Where a cursor concern is in the order: any public concern (the filters may have changed).
_MARK = Prepared(
    lambda pk: Concern.objects.public().filter(pk=pk).values_list("created_at", "pk"),
    ["int"],
    prepare=True,
)
ROW_COLUMNS = (
    "pk",
    "status",
    "referred_to",
    "description",
    "created_at",
    "category_id",
    "area__name",
    "agency__name",
)
_ROWS: dict[int, Prepared] = {}  # by the number of ids asked (the page's size)


def _rows_of(size):
    found = _ROWS.get(size)
    if found is None:
        found = _ROWS[size] = Prepared(
            lambda *ids: (
                queries.public_concerns(Concern.objects.public().filter(pk__in=ids))
                .order_by()
                .values_list(*ROW_COLUMNS, "support_count")
            ),
            ["int"] * size,
            prepare=True,
        )
    return found


def _filters(category, area_id):
    return ([category] if category else []) + ([area_id] if area_id is not None else [])


def page(status, category, area_id, before, after, size):
    """(ids, newer cursor, older cursor) of one page, or None when the cursor is not a public
    concern. Keyset paging by (created_at, id): the last page costs what the first does."""
    shape = (status, bool(category), area_id is not None)
    values = _filters(category, area_id)
    cursor = before or after
    if not cursor:
        ids = [row[0] for row in _PAGES[shape, "first"].run(*values, limit=size + 1)]
        has_newer, has_older = False, len(ids) > size
    else:
        pk = concern_id(cursor)
        mark = next(_MARK.run(pk), None) if pk is not None else None
        if mark is None:
            return None
        direction = "before" if before else "after"
        ids = [row[0] for row in _PAGES[shape, direction].run(*values, *mark, limit=size + 1)]
        if before:
            has_newer, has_older = True, len(ids) > size
        else:
            has_newer, has_older = len(ids) > size, True
            ids = ids[:size][::-1]
    ids = ids[:size]
    newer = ids[0] if ids and has_newer else None
    older = ids[-1] if ids and has_older else None
    return ids, newer, older


def rows(ids, size):
    """The page's rows (ROW_COLUMNS and the supporters counted) in the order of `ids`."""
    if not ids:
        return []
    padded = [*ids, *[ids[-1]] * (size - len(ids))]  # one statement for every page's length
    by_id = {row[0]: row for row in _rows_of(size).run(*padded)}
    return [by_id[pk] for pk in ids if pk in by_id]


def count(status, category, area_id, cap):
    """How many concerns match, counted up to `cap` + 1 (more than the cap is all a page says)."""
    shape = (status, bool(category), area_id is not None)
    sql, params = _COUNTS[shape].sql(*_filters(category, area_id))
    with server_cursor(connection) as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({sql} LIMIT %s) AS capped", [*params, cap + 1])  # noqa: S608 (Django-built SQL, values as parameters)
        return cursor.fetchone()[0]


# ---------------------------------------------------------------- the cards


def _category_labels() -> dict[int, str]:
    """Category id -> its label as a card shows it (escaped; marked with its language when it
    is not the page's), filled as pages need them, per version of the categories and language."""
    key = f"category-labels:{translation.get_language()}"
    labels: dict[int, str] = pagecache.per_version(CATEGORIES, key, dict)
    return labels


def _status_labels() -> dict[str, str]:
    """Status value -> its label, escaped, in this language (once per process and language)."""
    return pagecache.memo(
        f"status-labels:{translation.get_language()}",
        lambda: {value: escape(str(label)) for value, label in Status.choices},
        ttl=LABELS_TTL,
    )


def _label(category):
    name, lang = category.display_name, category.display_lang
    return f'<span lang="{escape(lang)}">{escape(name)}</span>' if lang else escape(name)


def cards(found: list[Any]) -> str:
    """The cards of `rows(...)` as the list's HTML (escaped text; "" for none)."""
    if not found:
        return ""
    labels = _category_labels()
    missing = {row[5] for row in found} - labels.keys()
    if missing:
        for category in Category.objects.filter(pk__in=missing):
            labels[category.pk] = _label(category)
    link = escape(reverse("concerns:detail", args=[_PLACEHOLDER])).replace(str(_PLACEHOLDER), "{}")
    statuses = _status_labels()
    language = translation.get_language()
    removed = None
    written = []
    for pk, status, referred_to, text, created_at, category, area, agency, supporters in found:
        day = timezone.localtime(created_at).date()
        date = _DATES.get((language, day))
        if date is None:
            date = _short_date(language, day)
        label = statuses.get(status) or escape(status)
        if status == REFERRED and referred_to:
            label = f"{label}: {escape(referred_to)}"
        if text:
            text = escape(truncatewords(text, 30))
        else:
            if removed is None:
                removed = _removed()
            text = removed
        support = ""
        if supporters:
            support = " · " + ngettext("%(n)s supporter", "%(n)s supporters", supporters) % {
                "n": escape(formats.localize(supporters))
            }
        written.append(
            CARD.format(
                url=link.format(pk),
                pk=pk,
                category=labels[category],
                status=escape(status),
                status_label=label,
                place=escape(area or agency),
                date=date,
                support=support,
                text=text,
            )
        )
    return "".join(written)


# (language, day) -> the day as a card shows it: a page spans a few days, and a clerk's pages the
# same few hundred; formatting one cost ~30 us (a tenth of the cards' time).
_DATES: dict[tuple[str | None, Any], str] = {}
MOST_DATES = 4096


def _short_date(language, day):
    date = escape(formats.date_format(day, "SHORT_DATE_FORMAT"))
    if len(_DATES) >= MOST_DATES:
        _DATES.clear()
    _DATES[language, day] = date
    return date


def _removed():
    # As _removed.html: a template's literal is trusted text, so {% translate %} did not
    # escape it (the catalogue's, like every sentence of the templates).
    text = gettext("[Removed: the reporter's text is no longer kept.]")
    return f"<em>{text}</em>\n"


__all__ = ["CARD", "cards", "concern_id", "count", "page", "rows"]
