"""`openbeat backup` and `openbeat restore`: the database and the uploaded files, checked.

A backup is a folder: the database (SQLite's online backup, taken while the server runs, or
`pg_dump`), a copy of the uploads, and a manifest with every table's row count and every file's
SHA-256 so a restore can prove it brought everything back.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, connections
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

OUR_APPS = {"core", "events", "concerns", "problems"}


class BackupError(Exception):
    pass


# What a backup's manifest.json holds: when, which database, rows per table, files' SHA-256.
Manifest = dict[str, Any]


def _tables() -> list[str]:
    return sorted(
        {m._meta.db_table for m in apps.get_models(include_auto_created=True) if m._meta.managed}
    )


def _counts(cursor: CursorWrapper, quote: Callable[[str], str]) -> dict[str, int]:
    existing = set(connection.introspection.table_names(cursor))
    counts = {}
    for table in _tables():
        if table in existing:
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 (model table names)
            counts[table] = cursor.fetchone()[0]
    return counts


def _files(root: str | Path) -> dict[str, str]:
    folder = Path(root)
    if not folder.exists():
        return {}
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _pg_env(db: dict[str, Any]) -> dict[str, str]:
    env = {
        **os.environ,
        "PGHOST": db.get("HOST") or "",
        "PGPORT": str(db.get("PORT") or ""),
        "PGUSER": db.get("USER") or "",
        "PGDATABASE": db["NAME"],
    }
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def backup(folder: str | Path) -> Manifest:
    """Write a backup folder at `folder` (which must not exist yet). Returns the manifest."""
    target = Path(folder)
    if target.exists():
        raise BackupError(f"{target} already exists; give a new folder name.")
    target.mkdir(parents=True)
    db = connection.settings_dict
    connection.ensure_connection()
    with connection.cursor() as cursor:
        counts = _counts(cursor, connection.ops.quote_name)
    if connection.vendor == "sqlite":
        with sqlite3.connect(target / "database.sqlite3") as copy:
            connection.connection.backup(copy)  # consistent while others keep writing
        kind = "sqlite"
    elif connection.vendor == "postgresql":
        result = subprocess.run(  # noqa: S603 (a fixed argument list, no shell)
            [  # noqa: S607 (PostgreSQL's own client, from PATH)
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--file",
                str(target / "database.dump"),
            ],
            env=_pg_env(db),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode:
            raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        kind = "postgresql"
    else:
        raise BackupError(f"No backup method for {connection.vendor}.")
    if Path(settings.MEDIA_ROOT).exists():
        shutil.copytree(settings.MEDIA_ROOT, target / "media")
    manifest = {
        "made_at": timezone.now().isoformat(),
        "database": kind,
        "rows": counts,
        "files": _files(target / "media"),
    }
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return manifest


def restore(folder: str | Path, force: bool = False) -> tuple[int, int]:
    """Restore a backup folder into the configured (empty) database and media folder, then
    check every table's row count and every file's checksum against the manifest."""
    source = Path(folder)
    try:
        manifest = json.loads((source / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(
            f"{source} is not an OpenBeat backup (no readable manifest.json)."
        ) from exc
    db = connection.settings_dict
    with connection.cursor() as cursor:
        existing = _counts(cursor, connection.ops.quote_name)
    ours = {m._meta.db_table for m in apps.get_models() if m._meta.app_label in OUR_APPS}
    if any(n for table, n in existing.items() if table in ours) and not force:
        raise BackupError(
            "The database already has data; restore into an empty one, or pass --force."
        )
    if manifest["database"] != connection.vendor:
        raise BackupError(
            f"This backup is of {manifest['database']}, the database here is {connection.vendor}."
        )
    if connection.vendor == "sqlite":
        connections.close_all()
        with (
            sqlite3.connect(source / "database.sqlite3") as original,
            sqlite3.connect(db["NAME"]) as live,
        ):
            original.backup(live)
    else:
        result = subprocess.run(  # noqa: S603 (a fixed argument list, no shell)
            [  # noqa: S607 (PostgreSQL's own client, from PATH)
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--dbname",
                db["NAME"],
                str(source / "database.dump"),
            ],
            env=_pg_env(db),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()[-2000:]}")
    media = Path(settings.MEDIA_ROOT)
    if (source / "media").exists():
        shutil.copytree(source / "media", media, dirs_exist_ok=True)
    return verify(manifest)


def verify(manifest: Manifest) -> tuple[int, int]:
    """Compare the live database and media with a manifest; raise BackupError on any difference."""
    connections.close_all()
    with connection.cursor() as cursor:
        counts = _counts(cursor, connection.ops.quote_name)
    wrong = {t: (n, counts.get(t)) for t, n in manifest["rows"].items() if counts.get(t) != n}
    files = _files(settings.MEDIA_ROOT)
    missing = [name for name, digest in manifest["files"].items() if files.get(name) != digest]
    if wrong or missing:
        raise BackupError(f"Restore check failed: rows {wrong}, files {missing[:10]}")
    return sum(manifest["rows"].values()), len(manifest["files"])
