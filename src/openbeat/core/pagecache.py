"""A cache of whole public pages for anonymous readers, keyed by versions that writes bump.

Each page depends on one or more *scopes*: "site" (every staff write; the events pages),
"agency:<id>" (that agency's concerns, problems and categories), or a narrower one a model
names in its `page_scopes()` (a map tile, a problem). A write bumps the scopes it changes, so a
report in one agency leaves every other agency's pages cached.

The versions live in the database, so every server process sees every write within a second
(VERSION_TTL), and at once after its own writes. Every bump also counts in one more row,
"writes": a process reads it (with the scopes a request needs) at most once a second, and
trusts the scopes it has read since while it is unchanged, so a request costs no query however
many different scopes (agencies, map tiles) the readers ask for; that read is one plain SQL
statement (the ORM built and compiled it in 0.15 CPU ms on SQLite, 0.3 on PostgreSQL, of a
request asking for a scope not read yet: 0.02 and 0.04 now). What a page derives
from a scope's rows can be kept per version of that scope (`per_version`: the pins' category
names, read again only after a category's edit). The cached bytes live in
Django's cache (per process, or Redis shared by every node: OPENBEAT_CACHE_URL), gzipped once (level 1: every miss pays for it) and only gzipped;
the few readers that do not accept gzip get it decompressed. The gzip is Intel's ISA-L's
(`isal`): at level 1 it wrote a 220 KB Open311 window in 0.23 CPU ms where zlib took 1.3, and
smaller; without it (a platform with no wheel), the standard library's.
"""

import functools
import hashlib
import importlib
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, overload

from django.core.cache import cache
from django.db import connections, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotModified
from django.utils import translation
from django.utils.cache import patch_vary_headers

from openbeat.core import replicas
from openbeat.core.models import Agency, PageVersion


def _gzip() -> Any:
    """ISA-L's gzip module, or the standard library's where isal has no wheel."""
    try:
        return importlib.import_module("isal.igzip")
    except ImportError:  # pragma: no cover
        return importlib.import_module("gzip")


_GZIP = _gzip()

TTL = 300  # pages also change as meetings pass: at most five minutes behind the clock
VERSION_TTL = 1.0  # seconds another process may take to see a write
MEMO_TTL = 60.0  # seconds a looked-up scope (an agency's id for its slug) is trusted
SITE = "site"
WRITES = "writes"  # bumped with every scope: unchanged, no scope has changed
GZIP_LEVEL = 1  # ISA-L's 1 of its 0-3 (zlib's 1: 2-3x faster than 6, ~30 % larger)
# Per database read from ("default", or a replica's alias: each has replayed its own versions):
_local: dict[
    tuple[str, str], tuple[int, int]
] = {}  # (db, scope) -> (counter, "writes" read with it)
_writes: dict[str, list[float]] = {}  # db -> [the newest "writes" counter seen, when it was read]
_memo: dict[str, tuple[Any, float]] = {}  # key -> (value, read at)
_per_version: dict[
    tuple[str, str], tuple[tuple[int, ...], Any]
] = {}  # (db, key) -> (versions, value)
PER_VERSION_KEYS = 4096  # the list's counts, one a filter, are most of them
T = TypeVar("T")
# A view, and what names the scopes its page depends on (None: do not cache this request).
View = Callable[..., HttpResponseBase]
Scopes = Callable[..., Sequence[str] | None]
_lock = threading.Lock()


def agency_scope(agency_id: int) -> str:
    return f"agency:{agency_id}"


def versions(scopes: Sequence[str]) -> tuple[int, ...]:
    """The current counter of each scope. No query while this process read "writes" less than
    a second ago and has read each scope since; otherwise one, for "writes" and the scopes.

    The counters come from the database this request reads its page from (core/replicas.py): a
    lagging replica's page is keyed by the versions that replica has replayed, never by the
    primary's newer ones. A browser pinned to the primary after its own write reads them afresh.
    """
    db = replicas.read_alias()
    writes, checked = _writes.get(db, (0, float("-inf")))
    if time.monotonic() - checked < VERSION_TTL and not replicas.pinned():
        found = [_local.get((db, scope)) for scope in scopes]
        fresh = [entry[0] for entry in found if entry is not None and entry[1] == writes]
        if len(fresh) == len(found):
            return tuple(fresh)
    read_at = time.monotonic()
    # Plain SQL: the ORM built and compiled this query each time (0.15-0.3 CPU ms, now 0.02-0.04).
    wanted = [WRITES, *scopes]
    connection = connections[db]
    table = connection.ops.quote_name(PageVersion._meta.db_table)
    marks = ", ".join(["%s"] * len(wanted))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT scope, counter FROM {table} WHERE scope IN ({marks})", wanted)  # noqa: S608 (the model's table, values as parameters)
        rows = dict(cursor.fetchall())
    seen = rows.get(WRITES, 0)
    with _lock:
        # counters only grow: another thread may have read a newer one
        if seen >= _writes.get(db, [0])[0]:
            _writes[db] = [seen, read_at]
        for scope in scopes:
            _local[(db, scope)] = (rows.get(scope, 0), seen)
    return tuple(rows.get(scope, 0) for scope in scopes)


def current() -> int:
    return versions([SITE])[0]


def forget() -> None:
    """Read the versions afresh next time (after this process's own writes, and in tests)."""
    with _lock:
        _local.clear()
        _memo.clear()
        _per_version.clear()
        _writes.clear()


def bump(*scopes: str) -> None:
    """Call inside the write's transaction: its pages change when (and if) it commits.

    Every bump locks the "site" row first (PostgreSQL), so two writers that bump several scopes
    in separate statements never hold them in opposite orders (no deadlock).
    """
    names = sorted({*(scopes or (SITE,)), WRITES})
    with transaction.atomic():
        locked = PageVersion.objects.select_for_update().filter(scope=SITE)
        if not locked.values_list("scope", flat=True):
            PageVersion.objects.bulk_create([PageVersion(scope=SITE)], ignore_conflicts=True)
        done = PageVersion.objects.filter(scope__in=names).update(counter=F("counter") + 1)
        if done < len(names):
            have = set(PageVersion.objects.filter(scope__in=names).values_list("scope", flat=True))
            PageVersion.objects.bulk_create(
                [PageVersion(scope=s, counter=1) for s in names if s not in have],
                ignore_conflicts=True,
            )
    forget()
    transaction.on_commit(forget)


def memo(key: str, compute: Callable[[], T], ttl: float = MEMO_TTL) -> T:
    """`compute()` once per `ttl` seconds per process: for the lookups that name a page's scopes."""
    now = time.monotonic()
    hit = _memo.get(key)
    if hit is not None and now - hit[1] < ttl:
        value: T = hit[0]
        return value
    value = compute()
    with _lock:
        _memo[key] = (value, now)
    return value


def per_version(scopes: str | Sequence[str], key: str, compute: Callable[[], T]) -> T:
    """`compute()` once per version of `scopes` (one, or several) per process and database read
    from: a value derived from what the scopes' writes change (the categories' names for the
    map's pins; the list's count for a filter, the same on every page of it). Only the newest
    versions' value is kept per key, and at most PER_VERSION_KEYS keys."""
    db = replicas.read_alias()
    stamp = versions([scopes] if isinstance(scopes, str) else scopes)
    hit = _per_version.get((db, key))
    if hit is not None and hit[0] == stamp:
        value: T = hit[1]
        return value
    value = compute()
    with _lock:
        if len(_per_version) >= PER_VERSION_KEYS:
            _per_version.clear()
        _per_version[(db, key)] = (stamp, value)
    return value


def agency_id_for_slug(slug: str) -> int | None:
    """The id of the agency a URL's slug names (None for none): the usual key of a page's scopes."""
    return memo(
        f"agency-slug:{slug}",
        lambda: Agency.objects.filter(slug=slug).values_list("pk", flat=True).first(),
    )


def _cacheable(request: HttpRequest) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and not request.user.is_authenticated
        and "messages" not in request.COOKIES
        and not request.session.get("_messages")
    )


@overload
def public_page(view: View, *, scopes: Scopes | None = None) -> View: ...
@overload
def public_page(view: None = None, *, scopes: Scopes | None = None) -> Callable[[View], View]: ...
def public_page(
    view: View | None = None, *, scopes: Scopes | None = None
) -> View | Callable[[View], View]:
    """Serve `view` from the cache for anonymous GETs; answer 304 when the reader has it.

    `scopes(request, *args, **kwargs)` names the scopes the page depends on (default: "site");
    it may return None when the page cannot be cached (e.g. a parameter names nothing).
    """
    if view is None:
        return functools.partial(public_page, scopes=scopes)

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not _cacheable(request):
            return view(request, *args, **kwargs)
        names = scopes(request, *args, **kwargs) if scopes else [SITE]
        if names is None:
            return view(request, *args, **kwargs)
        stamp = ",".join(f"{n}={v}" for n, v in zip(names, versions(names), strict=True))
        raw = f"{stamp}:{translation.get_language()}:{request.get_full_path()}"
        key = "page:" + hashlib.sha256(raw.encode()).hexdigest()
        etag = f'"{key[5:37]}"'
        if request.headers.get("If-None-Match") == etag:
            return HttpResponseNotModified(headers={"ETag": etag})
        packed = "gzip" in request.headers.get("Accept-Encoding", "")
        stored = cache.get(key)
        hit = stored is not None
        if stored is None:
            response = view(request, *args, **kwargs)
            if not isinstance(response, HttpResponse) or response.status_code != 200:
                return response
            kept = {
                k: v for k, v in response.items() if k in ("Content-Type", "Content-Disposition")
            }
            # mtime=0: the same page gives the same bytes, whichever process compressed it.
            stored = (_GZIP.compress(response.content, GZIP_LEVEL, mtime=0), kept)
            cache.set(key, stored, TTL)
            if not packed:
                return _answer(response.content, kept, etag, packed, hit)
        content, headers = stored
        return _answer(content if packed else _GZIP.decompress(content), headers, etag, packed, hit)

    return wrapper


def _answer(
    content: bytes, headers: dict[str, str], etag: str, packed: bool, hit: bool
) -> HttpResponse:
    response = HttpResponse(content, headers=headers)
    # Whether the page came from the cache (shared by every node with OPENBEAT_CACHE_URL): the
    # hit rate, measured by what the readers got.
    response["X-OpenBeat-Cache"] = "hit" if hit else "miss"
    if packed:
        response["Content-Encoding"] = "gzip"
    patch_vary_headers(response, ["Accept-Encoding"])
    response["ETag"] = etag
    return response
