import os
import socket
import subprocess
import sys


def _start(env, code="from openbeat import datadir; datadir.prepare(); import openbeat.settings"):
    """Start as the entry points (`openbeat`, the WSGI module) do: the data folder, then settings."""
    full = {**os.environ, **env}
    return subprocess.run(
        [sys.executable, "-c", code], env=full, capture_output=True, text=True, check=False
    )


def test_bad_setting_stops_start_up_naming_the_variable(tmp_path):
    result = _start({"OPENBEAT_DATA_DIR": str(tmp_path), "OPENBEAT_DEBUG": "maybe"})
    assert result.returncode != 0
    assert "OPENBEAT_DEBUG must be true or false" in result.stderr


def test_unknown_task_backend_is_refused(tmp_path):
    result = _start({"OPENBEAT_DATA_DIR": str(tmp_path), "OPENBEAT_TASKS": "carrier-pigeon"})
    assert "OPENBEAT_TASKS must be one of" in result.stderr


def test_secret_key_is_generated_once_into_the_data_dir(tmp_path):
    env = {"OPENBEAT_DATA_DIR": str(tmp_path), "OPENBEAT_SECRET_KEY": ""}
    assert _start(env).returncode == 0
    key = (tmp_path / "secret_key").read_text()
    assert len(key) > 40
    assert _start(env).returncode == 0
    assert (tmp_path / "secret_key").read_text() == key
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"


def test_importing_the_settings_writes_nothing_and_names_the_missing_key(tmp_path):
    folder = tmp_path / "not-yet"
    result = _start(
        {"OPENBEAT_DATA_DIR": str(folder), "OPENBEAT_SECRET_KEY": ""},
        code="import openbeat.settings",
    )
    assert not folder.exists()
    assert "No secret key" in result.stderr and "OPENBEAT_SECRET_KEY" in result.stderr


def test_importing_the_settings_with_a_key_given_writes_nothing(tmp_path):
    # What a type checker or another tool does (scripts/typecheck): Django set up, not started.
    folder = tmp_path / "not-yet"
    result = _start(
        {"OPENBEAT_DATA_DIR": str(folder), "OPENBEAT_SECRET_KEY": "only-for-this-test"},
        code="import django, os; os.environ['DJANGO_SETTINGS_MODULE']='openbeat.settings';"
        " django.setup()",
    )
    assert result.returncode == 0, result.stderr
    assert not folder.exists()


def _sqlite_pragmas(tmp_path, **env):
    """PRAGMA journal_mode, synchronous, busy_timeout and cache_size on a fresh connection, as a
    web worker opens it."""
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='openbeat.settings'; django.setup();"
        "from django.db import connection; c = connection.cursor();"
        "print(*(c.execute(f'PRAGMA {name}').fetchone()[0]"
        " for name in ('journal_mode', 'synchronous', 'busy_timeout', 'cache_size')))"
    )
    env = {**os.environ, "OPENBEAT_DATA_DIR": str(tmp_path), "OPENBEAT_DATABASE_URL": "", **env}
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()


def test_sqlite_is_durable_and_waits_for_writers(tmp_path):
    assert _sqlite_pragmas(tmp_path)[:3] == ["wal", "2", "20000"]  # synchronous=FULL is 2


def test_each_sqlite_connection_keeps_a_small_page_cache_unless_told_otherwise(tmp_path):
    # Every thread of every web worker keeps a connection for a minute, each with its own cache:
    # 512 KiB, not SQLite's 2 MiB (a negative cache_size is KiB).
    assert _sqlite_pragmas(tmp_path)[3] == "-512"
    assert _sqlite_pragmas(tmp_path, OPENBEAT_SQLITE_CACHE_KIB="4096")[3] == "-4096"


def test_a_server_on_another_address_links_to_it_unless_the_operator_said_otherwise(monkeypatch):
    from openbeat.cli import _address_settings

    monkeypatch.delenv("OPENBEAT_BASE_URL", raising=False)
    monkeypatch.delenv("OPENBEAT_ALLOWED_HOSTS", raising=False)
    assert _address_settings("10.0.0.5", 8765, demo=False) == {
        "OPENBEAT_BASE_URL": "http://10.0.0.5:8765",
        "OPENBEAT_ALLOWED_HOSTS": "127.0.0.1,localhost,[::1],10.0.0.5",
    }
    # Bound on every interface: links name the machine, and the demo answers to any name.
    everywhere = _address_settings("0.0.0.0", 8080, demo=True)  # noqa: S104
    assert everywhere["OPENBEAT_BASE_URL"] == f"http://{socket.getfqdn()}:8080"
    assert everywhere["OPENBEAT_ALLOWED_HOSTS"] == "*"
    assert _address_settings("::1", 8000, demo=False)["OPENBEAT_BASE_URL"] == "http://[::1]:8000"
    monkeypatch.setenv("OPENBEAT_BASE_URL", "https://meetings.smyrna.example.gov")
    assert _address_settings("127.0.0.1", 9000, demo=True) == {}


_SHOW_CLUSTER = (
    "import json, django, os; os.environ['DJANGO_SETTINGS_MODULE']='openbeat.settings';"
    " django.setup(); from django.conf import settings as s;"
    " print(json.dumps({'databases': {a: {'name': d['NAME'], 'port': d.get('PORT'),"
    " 'test': d.get('TEST', {}), 'options': d.get('OPTIONS', {})} for a, d in s.DATABASES.items()},"
    " 'routers': s.DATABASE_ROUTERS, 'cache': s.CACHES['default']}))"
)


def _cluster_settings(tmp_path, **env):
    import json

    result = _start(
        {
            "OPENBEAT_DATA_DIR": str(tmp_path),
            "OPENBEAT_SECRET_KEY": "only-for-this-test",
            "OPENBEAT_DATABASE_REPLICA_URLS": "",
            "OPENBEAT_CACHE_URL": "",
            **env,
        },
        code=_SHOW_CLUSTER,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_one_machine_has_one_database_and_its_own_memory_cache(tmp_path):
    shown = _cluster_settings(tmp_path, OPENBEAT_DATABASE_URL="")
    assert list(shown["databases"]) == ["default"]
    assert shown["routers"] == []
    assert shown["cache"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_replicas_and_a_shared_cache_come_from_the_environment(tmp_path):
    shown = _cluster_settings(
        tmp_path,
        OPENBEAT_DATABASE_URL="postgres://app@10.0.0.1:5432/openbeat?sslmode=require",
        OPENBEAT_DATABASE_REPLICA_URLS=(
            "postgres://app@10.0.0.2:5432/openbeat, postgres://app@10.0.0.3:6432/openbeat"
        ),
        OPENBEAT_CACHE_URL="redis://10.0.0.4:6379/2",
    )
    databases = shown["databases"]
    assert list(databases) == ["default", "replica1", "replica2"]
    assert databases["replica2"]["port"] == 6432
    # The replicas connect as the primary does, and the test suite reads them as the primary.
    assert databases["replica1"]["options"] == {"sslmode": "require"}
    assert databases["replica1"]["test"]["MIRROR"] == "default"
    assert shown["routers"] == ["openbeat.core.replicas.ReplicaRouter"]
    assert shown["cache"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert shown["cache"]["LOCATION"] == "redis://10.0.0.4:6379/2"


def test_a_cache_or_replica_that_is_not_a_url_stops_start_up(tmp_path):
    env = {
        "OPENBEAT_DATA_DIR": str(tmp_path),
        "OPENBEAT_SECRET_KEY": "only-for-this-test",
        "OPENBEAT_DATABASE_URL": "postgres://app@10.0.0.1:5432/openbeat",
    }
    code = "import openbeat.settings"
    result = _start({**env, "OPENBEAT_CACHE_URL": "memcached://10.0.0.4"}, code=code)
    assert "OPENBEAT_CACHE_URL must start with redis://" in result.stderr
    result = _start({**env, "OPENBEAT_DATABASE_REPLICA_URLS": "sqlite:///x.db"}, code=code)
    assert "OPENBEAT_DATABASE_REPLICA_URLS must name replicas" in result.stderr


def test_a_primary_named_by_several_hosts_is_the_one_that_takes_writes(tmp_path):
    # libpq tries each host and keeps the one that is the primary now: a failover needs no restart.
    import json

    result = _start(
        {
            "OPENBEAT_DATA_DIR": str(tmp_path),
            "OPENBEAT_SECRET_KEY": "only-for-this-test",
            "OPENBEAT_DATABASE_URL": (
                "postgres://app@10.0.0.1:5432,10.0.0.2:5433/openbeat"
                "?target_session_attrs=read-write"
            ),
        },
        code=(
            "import json, django, os; os.environ['DJANGO_SETTINGS_MODULE']='openbeat.settings';"
            " django.setup(); from django.conf import settings as s; d = s.DATABASES['default'];"
            " print(json.dumps([d['HOST'], d['PORT'], d['NAME'], d['OPTIONS']]))"
        ),
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        "10.0.0.1,10.0.0.2",
        "5432,5433",
        "openbeat",
        {"target_session_attrs": "read-write"},
    ]
