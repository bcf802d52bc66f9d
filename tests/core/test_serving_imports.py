"""A web worker starts with what serving pages needs, not every library a rarer request uses:
shapely with numpy (~17 MB: area boundaries, for submissions and staff edits), segno (QR codes),
icalendar (the calendar feeds and RSVP emails) and rapidfuzz (a submission's look-alikes), ~9 MB
the three, are imported by the code that uses them (bench/README.md: memory). (Pillow is
imported by Django's own start-up check of ImageField.)"""

import os
import subprocess
import sys

HEAVY = ("numpy", "shapely", "segno", "icalendar", "rapidfuzz")

START = """
import sys
import django
django.setup()
from django.core import checks
from django.urls import get_resolver
get_resolver().url_patterns  # every view module
checks.run_checks()  # what `migrate` runs (in the master's child): more than a worker needs
print(" ".join(name for name in %r if name in sys.modules))
"""


def test_a_web_worker_starts_without_the_libraries_of_rarer_requests():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    done = subprocess.run(
        [sys.executable, "-c", START % (HEAVY,)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=os.getcwd(),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == []


MASTER = """
import sys
from openbeat import cli


def serve(*args, **kwargs):  # where gunicorn would start and fork its workers
    from django.db import connection

    migrations = [name for name in sys.modules if ".migrations.0" in name]
    print(len(migrations), "concerns_concern" in connection.introspection.table_names())


cli._serve = serve
cli.main(["serve", "--addr", "127.0.0.1:8999"])
"""


def _start_master(data_dir, database_url):
    """`openbeat serve`'s master as MASTER starts it, in a fresh interpreter."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "openbeat.settings",
        "OPENBEAT_DATA_DIR": str(data_dir),
        "OPENBEAT_DATABASE_URL": database_url,
    }
    return subprocess.run(
        [sys.executable, "-c", MASTER],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=os.getcwd(),
    )


def test_the_servers_master_migrates_without_keeping_the_migrations_for_its_workers(tmp_path):
    # Each worker is a fork of the master: what the master keeps, every worker starts with.
    done = _start_master(tmp_path, "")
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split()[-2:] == ["0", "True"]  # none loaded here, and the tables made


def test_the_server_does_not_start_when_its_database_cannot_be_migrated(tmp_path):
    done = _start_master(tmp_path, "postgres://nobody@127.0.0.1:9/nothing")  # nothing listens
    assert done.returncode == 1
    assert "Could not migrate the database" in done.stderr
    assert done.stdout == ""  # gunicorn never started
