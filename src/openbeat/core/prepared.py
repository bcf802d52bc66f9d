"""Read queries compiled to SQL once per process, then run with new values.

Django builds and compiles a queryset's SQL on every request: for a one-row answer (an Open311
request by id) that was ~3 of its ~4.8 CPU ms at a million concerns. A `Prepared` query builds
its queryset once, from marker values, finds where each marker went among the compiled
parameters, and afterwards only swaps the request's values in and executes the same SQL. Rows
come back as `values_list` gives them (Django's converters applied: datetimes, decimals), so
the caller sees exactly what the queryset would have answered.

Only for querysets whose SQL does not depend on the values (their shape is the key): a
different set of filters is a different `Prepared`. LIMIT and OFFSET are parameters here
(`run(..., limit=, offset=)`), so one compiled query serves every page.
"""

import datetime
import functools
import threading
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.db import connections
from django.db.models import Field, QuerySet

Row = list[Any]
# Markers no real request sends: an id, a number or a moment each marker stands for.
_INT_MARKER = 2_100_000_000  # in a positive 32-bit column's range (Django refuses others)
_WHEN_MARKER = datetime.datetime(1901, 2, 3, 4, 5, tzinfo=datetime.UTC)


def _same(value: Any) -> Any:
    return value


def _field_value(field: Field[Any, Any], connection: Any, value: Any) -> Any:
    return field.get_db_prep_value(value, connection, prepared=False)


def _iso(value: Any, connection: Any) -> str | None:
    """A moment as `datetime.isoformat()` writes the aware one Django would have made."""
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite: naive, in the connection's time zone (UTC)
        value = value.replace(tzinfo=connection.timezone)
    return str(value.isoformat())


def _float(value: Any, connection: Any) -> float | None:
    """A stored decimal as the float of Django's Decimal: SQLite keeps a REAL of at most 15
    significant digits, which the Decimal's quantize gave back unchanged."""
    return None if value is None else float(value)


class _Compiled:
    def __init__(
        self, queryset: QuerySet[Any], markers: Sequence[Any], adapters: list[Any], plain: bool
    ):
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        fields = [column[0] for column in compiler.select[0 : compiler.col_count]]
        self.converters = compiler.get_converters(fields)
        if plain:  # moments as ISO 8601 text, decimals as floats: what an API writes of them
            for position, field in enumerate(fields):
                kind = field.output_field.get_internal_type()
                if kind in ("DateTimeField", "DecimalField"):
                    plainly = _iso if kind == "DateTimeField" else _float
                    self.converters[position] = ([plainly], field)
        self.sql = sql
        self.params = list(params)
        wanted = [adapt(marker) for adapt, marker in zip(adapters, markers, strict=True)]
        self.slots = [(p, wanted.index(v)) for p, v in enumerate(self.params) if v in wanted]
        if sorted({m for _p, m in self.slots}) != list(range(len(markers))):
            raise ValueError("a marker is missing from the compiled query's parameters")
        # values_list() may reorder columns after the annotations; the rows must not need it.
        names = list(getattr(queryset, "_fields", None) or ())
        select = [*queryset.query.values_select, *queryset.query.annotation_select]
        if names and names != select:
            raise ValueError("values_list() columns are not in the compiled order")


class Prepared:
    """`build(*markers)` -> a values_list() queryset; `run(*values)` -> its rows for `values`.

    `kinds` names each value's kind: "int" (ids, numbers), "datetime" (aware moments), or a
    model field whose lookups the value goes to (adapted as that field adapts it).
    `plain`: rows hold moments as `isoformat()` text and decimals as floats (Django's
    converters made aware datetimes and Decimals: most of the Python time of 1,000 rows).
    `prepare`: on PostgreSQL, a statement the server prepares once per connection after its
    second run (openbeat.core.postgresql), so it is not planned on every request. Its plan is
    then PostgreSQL's generic one when that costs no more than the custom ones: checked with
    plan_cache_mode=force_generic_plan for the list's, the map's and Open311's statements at
    1,000,000 concerns (as fast or faster, without 0.1-1 ms of planning each).
    """

    def __init__(
        self,
        build: Callable[..., QuerySet[Any]],
        kinds: Sequence[Any],
        plain: bool = False,
        prepare: bool = False,
    ):
        self.build = build
        self.kinds = list(kinds)
        self.plain = plain
        self.prepare = prepare
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def _markers(self) -> list[Any]:
        markers: list[Any] = []
        for n, kind in enumerate(self.kinds):
            if isinstance(kind, Field):  # a decimal: digits no place on Earth has
                markers.append(Decimal(f"{-800 - n}.123457"))
            elif kind == "int":
                markers.append(_INT_MARKER + n)
            elif kind == "datetime":
                markers.append(_WHEN_MARKER + datetime.timedelta(seconds=n))
            else:
                raise ValueError(f"unknown kind {kind!r}")
        return markers

    def _adapters(self, alias: str) -> list[Any]:
        connection = connections[alias]
        adapters: list[Any] = []
        for kind in self.kinds:
            if isinstance(kind, Field):
                adapters.append(functools.partial(_field_value, kind, connection))
            elif kind == "datetime":
                adapters.append(connection.ops.adapt_datetimefield_value)
            else:
                adapters.append(_same)
        return adapters

    def sql(self, *values: Any, alias: str = "default") -> tuple[str, list[Any]]:
        """The compiled SQL and its parameters for `values` (to run inside a larger statement)."""
        compiled = self.compiled(alias)
        adapters = self._adapters(alias)
        params = list(compiled.params)
        for position, marker in compiled.slots:
            params[position] = adapters[marker](values[marker])
        return compiled.sql, params

    def compiled(self, alias: str = "default") -> _Compiled:
        found = self._compiled.get(alias)
        if found is None:
            markers = self._markers()
            found = _Compiled(self.build(*markers), markers, self._adapters(alias), self.plain)
            with self._lock:
                self._compiled[alias] = found
        return found

    def run(
        self,
        *values: Any,
        limit: int | None = None,
        offset: int = 0,
        alias: str = "default",
    ) -> Iterator[Row]:
        compiled = self.compiled(alias)
        sql, params = self.sql(*values, alias=alias)
        if limit is not None:
            sql += " LIMIT %s OFFSET %s"
            params += [limit, offset]
        connection = connections[alias]
        with server_cursor(connection) if self.prepare else connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if not compiled.converters:
            return iter(rows)
        return _converted(rows, compiled.converters, connections[alias])


def server_cursor(connection: Any) -> Any:
    """A cursor whose repeated statements PostgreSQL keeps prepared (`prepare` above); on
    another database, or with OPENBEAT_DATABASE_PREPARED=0, an ordinary one."""
    opener = getattr(connection, "prepared_cursor", None)
    return opener() if opener is not None else connection.cursor()


def _converted(rows: list[Any], converters: dict[int, Any], connection: Any) -> Iterator[Row]:
    """What Django's compiler does to each fetched row (its `apply_converters`)."""
    found = list(converters.items())
    for fetched in rows:
        row = list(fetched)
        for position, (functions, expression) in found:
            value = row[position]
            for convert in functions:
                value = (
                    convert(value, connection)
                    if convert in (_iso, _float)
                    else convert(value, expression, connection)
                )
            row[position] = value
        yield row
