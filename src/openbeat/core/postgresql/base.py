"""PostgreSQL: Django's backend, with a connection health check that costs no round trip, and a
cursor whose statements PostgreSQL keeps prepared.

Connections are kept between requests (CONN_MAX_AGE) and checked before reuse
(CONN_HEALTH_CHECKS), so that after a failover, a restart or a killed backend each process's
next request connects afresh instead of failing (docs/deployment.md: Failover). Django checks by
sending `SELECT 1`: a round trip before every request's first query, on a one-query page a
third of what it asks of the database server. A connection the server has closed or is closing
(a terminated backend, a shutdown, a crash) has something to read on its socket: the server's
last message, or the end of the stream. An idle, healthy connection has nothing. So the check
looks at the socket without waiting, and only when something is there, or after an error, does
it ask the server with `SELECT 1` as Django does. A server that vanished without closing the
socket (a machine switched off) passes, as it would pass no `SELECT 1` either: the query then
fails or times out.

`prepared_cursor()` binds parameters on the server, and a statement it has run twice on a
connection is prepared there from the third run on (psycopg's prepare_threshold), so the server
parses and plans it once rather than on every request: Django's own cursors send each query as
text with the values in it, which PostgreSQL plans anew each time (0.8-1 ms of a map box's pins,
0.7 ms of the list's four statements, measured at 1,000,000 concerns). Only the fixed-shape
reads of the public pages use it (`openbeat.core.prepared.Prepared(prepare=True)`, and
`server_cursor()` there); a statement run once (a map box of an unusual shape) is not prepared.
psycopg keeps the 100 last used per connection. OPENBEAT_DATABASE_PREPARED=0 turns it off, for a
transaction-pooling PgBouncer older than 1.21, which cannot keep prepared statements.
"""

import select
from typing import Any

from django.conf import settings
from django.db.backends.postgresql import base
from psycopg.pq import ConnStatus, TransactionStatus

# Django's psycopg 3 cursor that binds on the server (django-stubs do not declare it).
_ServerBindingCursor: Any = base.__dict__["ServerBindingCursor"]
PREPARE_AFTER = 2  # runs of a statement on a connection before it is prepared


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        # Django turns psycopg's prepared statements off (None), for connection poolers. Its
        # own cursors bind on the client and never prepare, whatever the threshold: only
        # prepared_cursor()'s statements are prepared.
        if params.get("prepare_threshold") is None:
            params["prepare_threshold"] = PREPARE_AFTER
        return dict(params)

    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed:
            return False
        if (
            self.errors_occurred
            or connection.info.status != ConnStatus.OK
            or connection.info.transaction_status != TransactionStatus.IDLE
            or not hasattr(select, "poll")
        ):
            return bool(super().is_usable())
        poller = select.poll()
        try:
            poller.register(connection.fileno(), select.POLLIN | select.POLLPRI)
            waiting = poller.poll(0)
        except (OSError, ValueError):
            return False
        return bool(super().is_usable()) if waiting else True

    _binding_on_server = False  # set by prepared_cursor() while it makes its cursor

    def create_cursor(self, name: str | None = None) -> Any:
        """Django's cursor; from prepared_cursor(), one that binds on the server (Django's own
        class for it), unless OPENBEAT_DATABASE_PREPARED=0."""
        connection = self.connection
        if name or not self._binding_on_server or not getattr(settings, "DATABASE_PREPARED", True):
            return super().create_cursor(name)
        factory = connection.cursor_factory
        connection.cursor_factory = _ServerBindingCursor
        try:
            return super().create_cursor(name)
        finally:
            connection.cursor_factory = factory

    def prepared_cursor(self) -> Any:
        """A cursor (as `cursor()` gives) whose repeated statements are prepared on the server;
        a plain one when OPENBEAT_DATABASE_PREPARED=0."""
        self._binding_on_server = True
        try:
            return self.cursor()
        finally:
            self._binding_on_server = False
