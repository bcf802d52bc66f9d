"""Reads from PostgreSQL streaming replicas, with read-your-writes for the resident who wrote.

With OPENBEAT_DATABASE_REPLICA_URLS set, settings.DATABASES holds "replica1", "replica2"... beside
"default" (the primary), and this module routes:

- an anonymous public GET or HEAD (pages, feeds, Open311 and API reads, exports) reads from one
  replica, the same one for the whole request (chosen in `ReplicaMiddleware.process_view`);
- everything else reads from the primary: writes (any other method), staff and admin pages, a
  request with a session cookie (staff, half signed in) or an API key, a private link (a URL
  with a token: a resident's RSVP, report or subscription), the task worker and commands (no
  request at all), any read inside a transaction on the primary, and a browser *pinned* to the
  primary;
- a request that writes (POST, PUT, PATCH, DELETE) pins its browser to the primary for
  OPENBEAT_PRIMARY_PIN_SECONDS (a signed cookie): the resident who just sent an RSVP or a report
  sees it on the next pages however far the replica lags.

The choice lives in a ContextVar, set for one request and reset when it ends, so the threads of
a gunicorn worker (one request each) never see each other's choice, and a thread's next request
starts from the primary. A replica that cannot be reached is skipped: its readers read the
primary.

The page cache (core/pagecache.py) reads its versions from the same database as the page it
renders: a page rendered from a lagging replica is stored under the version that replica has
replayed (older), never under the primary's newer one. See docs/deployment.md.
"""

import contextvars
import logging
import random
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from django.http import HttpRequest, HttpResponseBase

logger = logging.getLogger(__name__)

PIN_COOKIE = "openbeat_primary"
_PIN_SALT = "openbeat.core.replicas.pin"
SAFE_METHODS = ("GET", "HEAD")
PRIMARY_PREFIXES = ("/staff/", "/admin/")
API_KEY_HEADER = "X-API-Key"
# The database alias reads go to in this request (None: the primary), and whether the browser is
# pinned to the primary after a write of its own.
_reading: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "openbeat_reading", default=None
)
_pinned: contextvars.ContextVar[bool] = contextvars.ContextVar("openbeat_pinned", default=False)
_down: dict[str, float] = {}  # replica alias -> when it last failed to connect
RETRY_DOWN = 5.0  # seconds a replica that failed to connect is left alone


def replicas() -> list[str]:
    return [alias for alias in settings.DATABASES if alias != DEFAULT_DB_ALIAS]


def read_alias() -> str:
    """The database this request reads from: a replica's alias, or "default" (the primary)."""
    alias = _reading.get()
    if alias is None or connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    return alias


def pinned() -> bool:
    """Whether this request's browser wrote a moment ago (it must see the primary's newest)."""
    return _pinned.get()


class ReplicaRouter:
    """Reads to the request's replica (if any); writes, migrations and relations: the primary."""

    def db_for_read(self, model: type, **hints: Any) -> str:
        return read_alias()

    def db_for_write(self, model: type, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: object, obj2: object, **hints: Any) -> bool:
        return True  # every alias holds the same data

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS


def _reachable(alias: str) -> bool:
    failed = _down.get(alias)
    if failed is not None and time.monotonic() - failed < RETRY_DOWN:
        return False
    try:
        connections[alias].ensure_connection()
    except OperationalError:
        _down[alias] = time.monotonic()
        logger.warning("Replica %s cannot be reached: reading from the primary", alias)
        return False
    _down.pop(alias, None)
    return True


def _pinned_by_cookie(request: HttpRequest) -> bool:
    try:
        request.get_signed_cookie(
            PIN_COOKIE, salt=_PIN_SALT, max_age=settings.OPENBEAT_PRIMARY_PIN_SECONDS
        )
    except (KeyError, signing.BadSignature):
        return False
    return True


def may_read_replica(request: HttpRequest, view_kwargs: dict[str, Any]) -> bool:
    return (
        request.method in SAFE_METHODS
        and not pinned()
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and API_KEY_HEADER not in request.headers
        and "token" not in view_kwargs
        and not request.path_info.startswith(PRIMARY_PREFIXES)
    )


class ReplicaMiddleware:
    """Chooses the database a request reads from, and pins a writer's browser to the primary.

    Not used (no cost) on a single machine: no replicas and no shared cache."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        shared_cache = "locmem" not in settings.CACHES["default"]["BACKEND"].lower()
        if not replicas() and not shared_cache:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        pin = _pinned.set(_pinned_by_cookie(request))
        reading = _reading.set(None)
        try:
            response = self.get_response(request)
            source = read_source()
        finally:
            _reading.reset(reading)
            _pinned.reset(pin)
        if request.method not in SAFE_METHODS:
            response.set_signed_cookie(
                PIN_COOKIE,
                "1",
                salt=_PIN_SALT,
                max_age=settings.OPENBEAT_PRIMARY_PIN_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        response.headers.setdefault("X-OpenBeat-Read", source)
        return response

    def process_view(
        self,
        request: HttpRequest,
        view: Callable[..., HttpResponseBase],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> None:
        if not may_read_replica(request, view_kwargs):
            _reading.set(None)
            return
        candidates = [alias for alias in replicas() if _reachable(alias)]
        _reading.set(random.choice(candidates) if candidates else None)


def read_source() -> str:
    """Where this request read from ("primary", "replica1"...), for the response's header."""
    alias = _reading.get()
    return "primary" if alias is None else alias
