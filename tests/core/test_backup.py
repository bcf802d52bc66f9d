"""Backup and restore: a restore into a fresh data folder brings back every row and photo."""

import hashlib
import os
import secrets
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from openbeat.core.backup import BackupError, backup
from tests import factories
from tests.concerns import images


def _restore(path, env):
    return subprocess.run(
        [sys.executable, "-m", "openbeat.cli", "restore", str(path)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def some_of_everything(town, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # only this test's uploads
    occurrence = factories.event(town, capacity=5).occurrences.get()
    factories.rsvp(occurrence, email="keep@example.org")
    concern = factories.concern(photos=[images.jpeg_with_gps()], email="photo@example.org")
    factories.concern(category="noise", description="Loud")
    return concern


def test_restore_brings_back_every_row_and_photo(some_of_everything, tmp_path, transactional_db):
    manifest = backup(tmp_path / "backup")
    assert manifest["rows"]["concerns_concern"] == 2 and len(manifest["files"]) == 1
    photo = some_of_everything.photos.get()
    digest = hashlib.sha256(Path(photo.image.path).read_bytes()).hexdigest()
    fresh = tmp_path / "fresh"
    if connection.vendor == "sqlite":
        env = {"OPENBEAT_DATA_DIR": str(fresh), "OPENBEAT_DATABASE_URL": ""}
        result = _restore(tmp_path / "backup", env)
        assert result.returncode == 0, result.stderr
        with sqlite3.connect(fresh / "openbeat.sqlite3") as db:
            counts = {
                t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]  # noqa: S608
                for t in manifest["rows"]
            }
    else:
        import psycopg

        name = f"openbeat_restore_{secrets.token_hex(4)}"
        settings_dict = connection.settings_dict
        dsn = f"host={settings_dict['HOST']} port={settings_dict['PORT']} user={settings_dict['USER']}"
        with psycopg.connect(dsn + " dbname=postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            url = f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}/{name}"
            result = _restore(
                tmp_path / "backup", {"OPENBEAT_DATA_DIR": str(fresh), "OPENBEAT_DATABASE_URL": url}
            )
            assert result.returncode == 0, result.stderr
            with psycopg.connect(dsn + f" dbname={name}") as db:
                counts = {
                    t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]  # noqa: S608
                    for t in manifest["rows"]
                }
        finally:
            with psycopg.connect(dsn + " dbname=postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert counts == manifest["rows"]  # 100 % of rows, table by table
    assert "every count and checksum matches" in result.stdout
    restored = fresh / "media" / photo.image.name
    assert hashlib.sha256(restored.read_bytes()).hexdigest() == digest


def test_backup_refuses_to_overwrite_and_restore_refuses_a_non_backup(tmp_path, db):
    (tmp_path / "taken").mkdir()
    with pytest.raises(BackupError, match="already exists"):
        backup(tmp_path / "taken")
    result = _restore(
        tmp_path / "taken", {"OPENBEAT_DATA_DIR": str(tmp_path / "x"), "OPENBEAT_DATABASE_URL": ""}
    )
    assert result.returncode != 0 and "not an OpenBeat backup" in result.stderr
