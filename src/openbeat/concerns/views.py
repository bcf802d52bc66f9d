import functools
import math
import secrets
from typing import NamedTuple

import orjson
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import connections
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import get_script_prefix, reverse
from django.utils import translation
from django.utils.formats import number_format
from django.utils.html import escape, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openbeat.concerns import actions, duplicates, listing, queries, tiles
from openbeat.concerns.forms import ConcernForm, ContestForm, FlagForm, SupportForm
from openbeat.concerns.models import (
    ALL_CONCERNS,
    CATEGORIES,
    Category,
    Concern,
    Photo,
    Status,
    Supporter,
)
from openbeat.concerns.questions import answers_from_post
from openbeat.core import pagecache, ratelimit, replicas
from openbeat.core.emailforms import answer_by_email
from openbeat.core.models import AREAS, Area
from openbeat.core.pagecache import public_page
from openbeat.core.prepared import Prepared, server_cursor
from openbeat.core.refusals import refusal_of
from openbeat.events.models import Question

PAGE_SIZE = 20
COUNT_CAP = 1000  # the list says "more than 1,000" rather than count a million rows
PIN_PAGE_SIZE = 500
# Five million pins in one box; a larger page number overflowed the database's OFFSET (a 500).
MAX_PIN_PAGE = 10_000
MAX_PIN_TILES = 64  # a larger box is answered from the newest anywhere in it
LINK_PLACEHOLDER = 987654321

SUBMIT_LIMIT = (10, 3600)  # concerns per client per hour
SUPPORT_LIMIT = (30, 3600)
FLAG_LIMIT = (20, 3600)


def _public_concern(pk):
    return get_object_or_404(queries.with_public_detail(queries.public_concerns()), pk=pk)


def _category_options(selected):
    """The category filter's <option>s in this language's names, the selected slug's marked:
    rendered once per process, language and version of the categories (a query, 15
    translations and the template's loop were a part of every miss)."""
    language = translation.get_language() or "en"
    rendered = pagecache.per_version(
        CATEGORIES, f"category-options:{language}", _render_category_options
    )
    return _marked(rendered, selected or None)


def _render_category_options():
    names = dict(
        Category.objects.filter(is_sensitive=False, is_active=True).values_list("slug", "name")
    )
    choices = sorted(((slug, _(name)) for slug, name in names.items()), key=lambda c: c[1])
    return format_html_join("", '<option value="{}">{}</option>', choices)


def _public_category_slugs():
    """The slugs the list may filter by (not sensitive, active or not), once per version."""
    version = pagecache.versions([CATEGORIES])[0]
    return pagecache.memo(
        f"category-slugs:{version}",
        lambda: frozenset(
            Category.objects.filter(is_sensitive=False).values_list("slug", flat=True)
        ),
    )


def _area_options(selected):
    """The neighbourhood filter's <option>s. Rendered once per process and version of the areas
    (200 options through the template, then through format_html, were most of a list page's
    miss); the selected one is marked in the rendered text."""
    rendered = pagecache.per_version(AREAS, "area-options", _render_area_options)
    return _marked(rendered, selected)


def _marked(rendered, selected):
    """Rendered <option>s with the one whose value is `selected` (escaped as format_html wrote
    it) marked selected; as they are for None."""
    if selected is None:
        return rendered
    option = f'<option value="{escape(selected)}">'
    return mark_safe(rendered.replace(option, f"{option[:-1]} selected>", 1))  # noqa: S308 (our own rendered options, the value escaped)


def _render_area_options():
    return format_html_join(
        "", '<option value="{}"{}>{}</option>', ((pk, "", name) for pk, name in _area_rows())
    )


def _area_rows():
    return list(Area.objects.values_list("pk", "name"))


class _NamedArea(NamedTuple):
    pk: int
    name: str


def _named_area(area_id):
    """The area a query string names, (pk, name), or None: from the areas' names read once per
    version of the areas (a query on two misses in three of the list, filtered by area)."""
    if not area_id.isdecimal():  # "²" is a digit to isdigit(), not a number to int()
        return None
    names = pagecache.per_version(AREAS, "area-names", lambda: dict(_area_rows()))
    pk = int(area_id)
    return _NamedArea(pk, names[pk]) if pk in names else None


def _area_agency(area_id):
    """The agency of an area id from the query string (memoised), or None."""
    if not area_id.isdecimal():  # "²" is a digit to isdigit(), not a number to int()
        return None
    return pagecache.memo(
        f"area-agency:{area_id}",
        lambda: Area.objects.filter(pk=area_id).values_list("agency_id", flat=True).first(),
    )


def _list_scopes(request):
    area_id = request.GET.get("area") or ""
    if not area_id:
        return [ALL_CONCERNS, CATEGORIES, AREAS]
    agency_id = _area_agency(area_id)
    if agency_id is None:
        return None
    return [pagecache.agency_scope(agency_id), CATEGORIES, AREAS]


@require_GET
@public_page(scopes=_list_scopes)
def concern_list(request):
    status = request.GET.get("status") or ""
    category = request.GET.get("category") or ""
    area_id = request.GET.get("area") or ""
    area = None
    errors = []
    if status not in {"", "open", "closed"}:
        errors.append(_("Status must be open or closed."))
    if category and category not in _public_category_slugs():
        errors.append(_("There is no such category. Choose one from the list."))
    if area_id:
        area = _named_area(area_id)
        if area is None:
            errors.append(_("There is no such neighborhood. Choose one from the list."))
    # Compiled once per shape of the filters, plain rows, cards written in Python (listing.py).
    area_pk = area.pk if area else None
    cursors = request.GET.get("before") or "", request.GET.get("after") or ""
    page = None if errors else listing.page(status, category, area_pk, *cursors, PAGE_SIZE)
    if page is None and not errors:
        errors.append(_("That page of the list is not available. Start again from the newest."))
    ids, newer, older = page or ([], None, None)
    cards = listing.cards(listing.rows(ids, PAGE_SIZE))
    # A capped count: counting a million rows on every miss would cost more than the page.
    total = 0 if errors else _count(request, status, category, area_pk)
    query = request.GET.copy()
    for name in ("page", "before", "after"):
        query.pop(name, None)
    return render(
        request,
        "concerns/list.html",
        {
            "cards": mark_safe(cards),  # noqa: S308 (listing.cards escapes every text in them)
            "newer": newer,
            "older": older,
            "total": total,
            "over_cap": total > COUNT_CAP,
            "cap": number_format(COUNT_CAP, force_grouping=True),
            "errors": errors,
            "status": status,
            "category": category,
            "area": area,
            "category_options": _category_options(category),
            "area_options": _area_options(area.pk if area else None),
            "query": query.urlencode(),
        },
        status=400 if errors else 200,
    )


def _count(request, status, category, area_pk):
    """The filter's capped count: every page of a filter shows the same, so it is counted once
    per version of the list's scopes (a clerk paging back asks for a new URL each time, not a new
    count)."""
    scopes = _list_scopes(request)
    if scopes is None:
        return listing.count(status, category, area_pk, COUNT_CAP)
    return pagecache.per_version(
        scopes,
        f"list-count:{status}:{category}:{area_pk}",
        lambda: listing.count(status, category, area_pk, COUNT_CAP),
    )


def _bbox(raw):
    """(south, west, north, east) from "west,south,east,north", or None with what is wrong."""
    try:
        west, south, east, north = (float(v) for v in raw.split(","))
    except ValueError:
        return None, _("Give bbox=west,south,east,north in degrees.")
    if not (-90 <= south < north <= 90 and -180 <= west < east <= 180):
        return None, _("The bbox is not a box on the map.")
    return (south, west, north, east), None


def _pin_scopes(request):
    box, _error = _bbox(request.GET.get("bbox", ""))
    if box is None:
        return None
    found = tiles.tiles_in(*box, most=MAX_PIN_TILES)
    if found is None:
        return [ALL_CONCERNS, CATEGORIES]
    return [*(tiles.scope(t) for t in found), CATEGORIES]


PIN_COLUMNS = ("id", "public_latitude", "public_longitude", "status", "category_id")
# What each pin's array holds, in PIN_COLUMNS' order: the answer names them ("columns").
PIN_FIELDS = ("id", "lat", "lon", "status", "category")


def _tile_pins(tile, south=None, west=None, north=None, east=None, ordered=True, guarded=True):
    """A tile's public pins newest first (those in the box only, if one is given). Unguarded,
    the rows of sensitive categories are left for the caller to drop (`_pin_rows`)."""
    in_box = {}
    if south is not None:
        in_box = {
            "public_latitude__range": (south, north),
            "public_longitude__range": (west, east),
        }
    shown = Concern.objects.public() if guarded else Concern.objects.not_private_or_hidden()
    found = shown.filter(tile=tile, **in_box)
    found = found.order_by("-created_at", "-id") if ordered else found.order_by()
    return found.values_list(*PIN_COLUMNS, "created_at")


_LATITUDE = Concern._meta.get_field("public_latitude")
_LONGITUDE = Concern._meta.get_field("public_longitude")
_BOX_FIELDS = (_LATITUDE, _LONGITUDE, _LATITUDE, _LONGITUDE)  # south, west, north, east
# Each arm: (with its own ORDER BY, or without) × (tile wholly in the box, or not) × (guarded).
_ARMS = {
    (ordered, inside, guarded): Prepared(
        functools.partial(_tile_pins, ordered=ordered, guarded=guarded),
        ["int"] if inside else ["int", *_BOX_FIELDS],
    )
    for ordered in (True, False)
    for inside in (True, False)
    for guarded in (True, False)
}
_BOX, _ARM_LIMIT, _LIMIT, _OFFSET = "box", "arm limit", "limit", "offset"


@functools.lru_cache(maxsize=512)  # ~20 KB each; the town boxes need a few dozen
def _merged(alias, shape, guarded):
    """One statement for the newest pins of a box's tiles, built once per process and shape.

    `shape` says, tile by tile, whether the tile lies wholly in the box: its arm then has no
    test of latitude and longitude. (Those are `tiles_in`'s rectangle less its first one or
    two rows and columns on each side: a few thousand shapes at most, of which the 512 last
    used are kept.) Each arm is one index range of concern_pins (tile, newest first), and the
    UNION ALL's ORDER BY merges them, reading each range only as far as the page needs:
    neither database sorts the rows of the box.
    - SQLite: plain arms. Its MERGE (UNION ALL) runs each arm as a co-routine ordered by the
      index and stops at the LIMIT. An arm with its own ORDER BY and LIMIT must be a subquery,
      and SQLite then sorts its rows again (a temp B-tree per arm: 2.2 instead of 0.9 ms).
    - PostgreSQL: arms with their own ORDER BY and LIMIT, merged by a Merge Append. Plain arms
      are estimated at a row or two each, and it appends and sorts every row of the box.
    Unguarded arms leave out `public()`'s test of the category: SQLite built the list of the
    sensitive categories again for each arm (4-9 a box) and probed it for each row read, a
    quarter of the statement's time; `pins` uses them while `_sensitive_shown` says no concern
    needs that test.
    The outer SELECT leaves created_at out: it orders the merge only (SQLite would parse 500
    of them into datetimes); it reads the coordinates as floats, as the pins write them, not
    as PostgreSQL's decimals or SQLite's integer of a whole degree. Returns the statement, its
    parameters with the request's slots left open, and where each slot's value comes from."""
    limited = connections[alias].vendor != "sqlite"
    arms, params, slots = [], [], []
    for number, inside in enumerate(shape):
        part = _ARMS[(limited, inside, guarded)].compiled(alias)
        if limited:
            arms.append(f"SELECT * FROM ({part.sql} LIMIT %s) AS tile{number}")  # noqa: S608 (Django-built SQL, values as parameters)
        else:
            arms.append(part.sql)
        # marker 0 is the tile, 1-4 the box's south, west, north, east
        slots += [(len(params) + p, number if m == 0 else (_BOX, m - 1)) for p, m in part.slots]
        params += part.params
        if limited:
            params.append(None)
            slots.append((len(params) - 1, _ARM_LIMIT))
    quoted = [connections[alias].ops.quote_name(c) for c in PIN_COLUMNS]
    # Floats, as the pins write them: PostgreSQL's numeric would be a Decimal per coordinate
    # (1,000 a page, ~0.5 ms), and SQLite keeps a whole degree as an integer.
    real = "double precision" if limited else "REAL"
    quoted[1:3] = [f"CAST({c} AS {real})" for c in quoted[1:3]]
    columns = ", ".join(quoted)
    newest = len(PIN_COLUMNS) + 1  # created_at, then id: the columns' positions
    sql = (
        f"SELECT {columns} FROM ("  # noqa: S608 (column names from the model, values as parameters)
        + " UNION ALL ".join(arms)
        + f" ORDER BY {newest} DESC, 1 DESC LIMIT %s OFFSET %s) AS merged"
    )
    params += [None, None]
    slots += [(len(params) - 2, _LIMIT), (len(params) - 1, _OFFSET)]
    return sql, params, slots


def _pin_rows(box, start, count, guarded=True):
    """Rows of public pins in the box (PIN_COLUMNS), newest first: per tile, one index range.
    Unguarded (`_merged`), rows of sensitive categories may be among them.

    Tiles and the box are tested on the public point only, as the pins show it."""
    south, west, north, east = box
    in_box = {"public_latitude__range": (south, north), "public_longitude__range": (west, east)}
    found = tiles.tiles_in(*box, most=MAX_PIN_TILES)
    if found is None:  # a whole region: the newest anywhere in it
        ordered = (
            Concern.objects.public()
            .filter(**in_box)
            .order_by("-created_at", "-id")
            .values_list(*PIN_COLUMNS)
        )
        # the coordinates as floats, as the merged statement gives them (here Decimals)
        return [
            (pk, float(lat), float(lon), status, category)
            for pk, lat, lon, status, category in ordered[start : start + count]
        ]
    # A tile wholly in the box needs no test of latitude and longitude, and without one the
    # planner trusts the concern_pins index: PostgreSQL would otherwise sort the tile.
    alias = replicas.read_alias()
    connection = connections[alias]
    sql, template, slots = _merged(alias, tuple(tiles.inside(t, *box) for t in found), guarded)
    corners = (
        field.get_db_prep_value(v, connection, prepared=False)
        for v, field in zip(box, _BOX_FIELDS, strict=True)
    )
    if connection.vendor == "sqlite":
        # The field's decimal as SQLite compares it with a stored REAL (bound as the Decimal's
        # text, SQLite converted it again for each row it tested: ~0.15 ms a box).
        corners = (float(corner) for corner in corners)
    values = {
        _ARM_LIMIT: start + count,
        _LIMIT: count,
        _OFFSET: start,
        # as the Prepared arms adapt them: a Decimal of the field's 9 digits
        **{(_BOX, n): corner for n, corner in enumerate(corners)},
    }
    params = list(template)
    for position, source in slots:
        params[position] = found[source] if isinstance(source, int) else values[source]
    with server_cursor(connection) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _pin_categories(language):
    """({category id: its name on a pin}, {the sensitive categories' ids}), read once per
    version of the categories (a category's edit bumps CATEGORIES): no JOIN to the categories
    for each page of pins.

    The name in each language (core/translated.py): the reader's, else the catalogue's Spanish
    for a default name, else the English."""

    def read():
        spanish = language.startswith("es")
        names, sensitive = {}, set()
        rows = Category.objects.values_list("pk", "name_en", "name_es", "is_sensitive")
        for pk, name_en, name_es, is_sensitive in rows:
            english = name_en or ""
            own = (name_es if spanish else name_en) or ""
            names[pk] = own.strip() or (_(english) if english else name_es or "")
            if is_sensitive:
                sensitive.add(pk)
        return names, frozenset(sensitive)

    return pagecache.per_version(CATEGORIES, f"pin-categories:{language}", read)


def _sensitive_shown():
    """Whether a concern neither private nor hidden is in a sensitive category, asked once per
    version of the concerns and the categories. The write path makes such concerns private,
    so there are none unless a category became sensitive after they were filed; until then
    the pins read their tiles without `public()`'s test of the category (`_merged`), and their
    page numbers count the same concerns as `public()`. (The first run reads the private
    concerns' entries of concern_category_status: ~9,000 at 1,000,000 concerns.)"""
    return pagecache.per_version(
        (ALL_CONCERNS, CATEGORIES),
        "pins-sensitive-shown",
        lambda: (
            Concern.objects.not_private_or_hidden().filter(category__is_sensitive=True).exists()
        ),
    )


@functools.lru_cache(maxsize=16)
def _pin_labels(language):
    """The statuses' names in a language: the same for every answer."""
    return {value: str(label) for value, label in Status.choices}


@functools.lru_cache(maxsize=16)
def _pin_link(prefix):
    """A concern's page, "{id}" for its id, under the site's URL prefix."""
    return reverse("concerns:detail", args=[LINK_PLACEHOLDER]).replace(
        str(LINK_PLACEHOLDER), "{id}"
    )


@require_GET
@public_page(scopes=_pin_scopes)
def pins(request):
    """Pins for the visible map only: ?bbox=west,south,east,north&page=N (500 a page).

    Each pin is an array of PIN_FIELDS ("columns"), newest first; the categories' and statuses'
    names come once an answer ("categories": those on its pins; "statuses"), and "url" is a
    concern's page with "{id}" for its id. (Objects repeating the names and the link were 62 KB
    for 500 pins and a Python loop on every miss; the arrays are the rows as read, 23 KB.)"""
    box, error = _bbox(request.GET.get("bbox", ""))
    if box is None:
        return JsonResponse({"error": error}, status=400)
    try:
        number = int(request.GET.get("page") or 1)
    except ValueError:
        number = None
    if number is None or number > MAX_PIN_PAGE:
        message = _("page must be a whole number from 1 to %(most)s.") % {"most": MAX_PIN_PAGE}
        return JsonResponse({"error": message}, status=400)
    start = (max(number, 1) - 1) * PIN_PAGE_SIZE
    language = translation.get_language() or "en"
    names, sensitive = _pin_categories(language)
    guarded = _sensitive_shown()
    rows = _pin_rows(box, start, PIN_PAGE_SIZE + 1, guarded=guarded)
    read = {row[4] for row in rows}  # with the next page's first, which says there is one
    if not read <= names.keys():  # a category made since this process read the version
        pagecache.forget()
        names, sensitive = _pin_categories(language)
    if not guarded and not read.isdisjoint(sensitive):  # made sensitive in the last second
        rows = _pin_rows(box, start, PIN_PAGE_SIZE + 1)
    shown = rows[:PIN_PAGE_SIZE]
    page = {
        "columns": PIN_FIELDS,
        "pins": shown,
        "categories": {category: names[category] for category in sorted({r[4] for r in shown})},
        "statuses": _pin_labels(language),
        "url": _pin_link(get_script_prefix()),
        "next_page": number + 1 if len(rows) > PIN_PAGE_SIZE else None,
    }
    return HttpResponse(  # orjson: 10x json.dumps
        orjson.dumps(page, option=orjson.OPT_NON_STR_KEYS), content_type="application/json"
    )


@require_GET
def detail(request, pk):
    concern = _public_concern(pk)
    return render(
        request,
        "concerns/detail.html",
        {
            "concern": concern,
            "point": concern.public_point(),
            "support_form": SupportForm(),
            "flag_form": FlagForm(),
            "map_points": _point(concern),
            "questions": Question.objects.public()
            .filter(concern=concern)
            .select_related("occurrence__event__agency"),
        },
    )


def _point(concern):
    point = concern.public_point()
    if point is None:
        return []
    return [
        {
            "lat": point[0],
            "lon": point[1],
            "name": concern.category.display_name,
            "title": f"#{concern.pk}",
            "url": concern.get_absolute_url(),
        }
    ]


def _form_context(form, suggestions=()):
    return {"form": form, "suggestions": suggestions}


@require_http_methods(["GET", "POST"])
def new(request):
    if request.method == "GET":
        form = ConcernForm(initial={"nonce": secrets.token_urlsafe(16)})
        return render(request, "concerns/new.html", _form_context(form))
    if request.POST.get("website"):
        # A bot filled the hidden field: answer like a success, store nothing.
        return render(request, "concerns/received.html", {"concern": None})
    try:
        ratelimit.hit("concern.submit", ratelimit.client_key(request), *SUBMIT_LIMIT)
    except ratelimit.RateLimited as limited:
        return ratelimit.too_many(request, limited.retry_after)
    data = request.POST.dict()
    data["attributes"] = answers_from_post(request.POST)
    nonce = (data.get("nonce") or "")[:64]
    if nonce and (same := Concern.objects.filter(form_nonce=nonce).first()):
        return redirect("concerns:track", same.tracking_token)  # the same form, sent twice
    if not data.get("confirm_new"):
        suggestions = _suggest(data)
        if suggestions:
            form = ConcernForm(initial={**data, "confirm_new": True})
            return render(request, "concerns/new.html", _form_context(form, suggestions))
    try:
        concern, _created = actions.submit_concern(
            data, request.FILES.getlist("photos"), language=translation.get_language() or "en"
        )
    except ValidationError as exc:
        form = ConcernForm(request.POST, request.FILES)  # built only to show it again
        form.show_refusal(refusal_of(exc).errors)
        return render(request, "concerns/new.html", _form_context(form), status=400)
    messages.success(
        request, _("Received. Thank you. Keep this page's address to follow your concern.")
    )
    return redirect("concerns:track", concern.tracking_token)


def _suggest(data):
    try:
        lat, lon = float(data.get("latitude") or "x"), float(data.get("longitude") or "x")
    except ValueError:
        return []
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return []  # submit_concern explains what is wrong with the location
    return duplicates.similar_open_concerns(
        data.get("category") or "", lat, lon, data.get("description") or ""
    )


@require_POST
def support(request, pk):
    concern = _public_concern(pk)
    try:
        ratelimit.hit("concern.support", ratelimit.client_key(request), *SUPPORT_LIMIT)
    except ratelimit.RateLimited as limited:
        return ratelimit.too_many(request, limited.retry_after)
    try:
        _supporter, outcome = actions.support(
            concern, request.POST.get("email"), translation.get_language() or "en"
        )
    except ValidationError as exc:
        messages.error(request, refusal_of(exc).message)
        return redirect(concern)
    if outcome == "counted":  # no address given: nothing to tell anyone else
        messages.success(request, _("Thank you: your voice is added to this concern."))
        return redirect(concern)
    return answer_by_email(
        request,
        concern,
        _(
            "Thank you. We have sent an email to the address you gave: your voice counts, and "
            "you get the updates, once you confirm with the link in it."
        ),
    )


@require_POST
def support_confirm(request, token):
    """The button on a supporter's link (a link alone confirms nothing: mail scanners open
    links)."""
    try:
        supporter, changed = actions.confirm_support(token)
    except Supporter.DoesNotExist as exc:
        raise Http404(
            _("This tracking link is not known. Check that it was copied whole.")
        ) from exc
    if changed:
        messages.success(request, _("Thank you: your voice is added, and you will get updates."))
    return redirect("concerns:track", supporter.token)


@require_POST
def flag(request, pk):
    concern = _public_concern(pk)
    try:
        ratelimit.hit("concern.flag", ratelimit.client_key(request), *FLAG_LIMIT)
    except ratelimit.RateLimited as limited:
        return ratelimit.too_many(request, limited.retry_after)
    try:
        actions.flag(concern, request.POST.get("reason"))
    except ValidationError as exc:
        messages.error(request, refusal_of(exc).message)
    else:
        messages.success(request, _("Thank you. A moderator will look at it."))
    return redirect(concern)


def _by_token(token):
    """(concern, supporter) of a tracking link: the supporter is None on the reporter's link."""
    concern = (
        Concern.objects.select_related("category", "agency", "area")
        .filter(tracking_token=token)
        .first()
    )
    if concern is not None:
        return concern, None
    supporter = (
        Supporter.objects.select_related("concern__category", "concern__agency")
        .filter(token=token)
        .first()
    )
    if supporter is None:
        raise Http404(_("This tracking link is not known. Check that it was copied whole."))
    return supporter.concern, supporter


@require_http_methods(["GET", "POST"])
def track(request, token):
    concern, supporter = _by_token(token)
    form = ContestForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        try:
            actions.contest(token, request.POST.get("reason"))
        except ValidationError as exc:
            for field, message in refusal_of(exc).errors.items():
                form.add_error(field if field in form.fields else None, message)
            status = 400
        else:
            messages.success(
                request, _("Thank you. The concern is open again and staff have been told.")
            )
            return redirect("concerns:track", token)
    return render(
        request,
        "concerns/track.html",
        {
            "concern": concern,
            "is_reporter": supporter is None,
            "supporter": supporter,
            # A supporter sees what the public page shows: not a description a moderator hid,
            # nor that of a concern made private since. The reporter wrote it.
            "shows_description": supporter is None or concern.is_public,
            "form": form,
            "history": queries.public_history(concern),
            "is_public": concern.is_public,
            "can_contest": concern.can_be_contested(),
        },
        status=status,
    )


@require_GET
def photo(request, pk):
    item = get_object_or_404(Photo.objects.public(), pk=pk)
    response = FileResponse(item.image.open("rb"), content_type="image/jpeg")
    response["Content-Disposition"] = f'inline; filename="concern-{item.concern_id}-{item.pk}.jpg"'
    response["Cache-Control"] = "public, max-age=86400"
    return response
