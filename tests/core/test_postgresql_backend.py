"""openbeat.core.postgresql: a kept connection is checked before each request reuses it, without
a round trip while it is healthy, and replaced when the server has closed it; the hottest reads
are statements the server prepared once."""

import json
import time

import pytest
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connection, connections

from openbeat.core import pagecache
from tests import factories

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's backend"),
]


@pytest.fixture
def kept_and_observer():
    """Two connections as a server process keeps them (for a minute, checked before reuse):
    one a request would reuse, and one that watches it from the server's side."""
    default = connections[DEFAULT_DB_ALIAS]
    settings = {**default.settings_dict, "CONN_MAX_AGE": 60, "CONN_HEALTH_CHECKS": True}
    pair = [type(default)(dict(settings), DEFAULT_DB_ALIAS) for _ in range(2)]
    yield pair
    for wrapper in pair:
        wrapper.close()


def _last_query(observer, pid):
    with observer.cursor() as cursor:
        cursor.execute("SELECT state, query FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()


def _one(kept, sql):
    with kept.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def _new_request(kept):
    """What Django does at a request's start: forget the last check, then the first query."""
    kept.close_if_unusable_or_obsolete()
    return _one(kept, "SELECT 7 AS seven")


def test_a_healthy_kept_connection_is_reused_without_asking_the_server(kept_and_observer):
    kept, observer = kept_and_observer
    assert _one(kept, "SELECT 1234 AS before") == 1234
    pid = kept.connection.info.backend_pid
    assert _last_query(observer, pid) == ("idle", "SELECT 1234 AS before")

    kept.close_if_unusable_or_obsolete()
    kept.close_if_health_check_failed()  # the check a request's first query makes
    assert kept.health_check_done
    # Django's own check would have sent SELECT 1 to the server.
    assert _last_query(observer, pid) == ("idle", "SELECT 1234 AS before")
    assert _new_request(kept) == 7
    assert kept.connection.info.backend_pid == pid


def test_a_connection_the_server_closed_is_replaced_before_the_request_uses_it(kept_and_observer):
    kept, observer = kept_and_observer
    assert _new_request(kept) == 7
    pid = kept.connection.info.backend_pid
    assert _one(observer, f"SELECT pg_terminate_backend({pid})") is True  # noqa: S608
    deadline = time.monotonic() + 10
    while _last_query(observer, pid) is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _last_query(observer, pid) is None

    assert _new_request(kept) == 7  # not "terminating connection due to administrator command"
    assert kept.connection.info.backend_pid != pid


def test_after_an_error_the_connection_is_checked_by_the_server(kept_and_observer):
    kept, observer = kept_and_observer
    assert _new_request(kept) == 7
    pid = kept.connection.info.backend_pid
    kept.errors_occurred = True  # as Django marks it after a database error
    kept.close_if_unusable_or_obsolete()
    assert _last_query(observer, pid) == ("idle", "SELECT 1")
    assert not kept.errors_occurred
    assert kept.connection.info.backend_pid == pid


def _runs_of_prepared_reads():
    """The server's prepared statements of this connection that read stored Open311 items, and
    how many times each ran."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements"
            " WHERE NOT from_sql AND statement LIKE %s",
            ["%open311_item%"],
        )
        return dict(cursor.fetchall())


def _by_id(client, concern):
    cache.clear()  # each answer a page-cache miss
    pagecache.forget()
    response = client.get(f"/open311/v2/requests/{concern.pk}.json?jurisdiction_id=smyrna-pd")
    assert response.status_code == 200
    return json.loads(response.content)[0]


def test_a_request_by_id_is_a_statement_the_server_prepares_once_it_repeats(client, town, settings):
    concerns = [factories.concern(description=f"Lamp {n} out") for n in range(4)]
    before = _runs_of_prepared_reads()
    for n, concern in enumerate(concerns):
        assert _by_id(client, concern)["description"] == f"Lamp {n} out"
    after = _runs_of_prepared_reads()
    # One statement for the four ids, its values the server's parameters ($1, $2): sent twice
    # as it was, then prepared and run for the third and fourth.
    ran = {statement: runs - before.get(statement, 0) for statement, runs in after.items()}
    [(statement, runs)] = [(s, r) for s, r in ran.items() if r]
    assert runs == 2
    assert '"id" = $2' in statement and f"= {concerns[0].pk}" not in statement

    settings.DATABASE_PREPARED = False  # OPENBEAT_DATABASE_PREPARED=0: sent as plain text
    assert _by_id(client, concerns[0])["description"] == "Lamp 0 out"
    assert _runs_of_prepared_reads() == after
