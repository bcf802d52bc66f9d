"""The data folder (OPENBEAT_DATA_DIR): made ready by the entry points, only read by the settings.

Importing settings must change nothing on disk (a test, a type checker or a second tool that
imports them must not create folders or keys). `prepare()` is the one place that writes: it
makes the folder and, unless OPENBEAT_SECRET_KEY is given, a secret key generated once, so
sessions and emailed links survive restarts. `openbeat` (every command) and the WSGI module call
it before Django starts.
"""

import os
import secrets
from pathlib import Path

SECRET_KEY_FILE = "secret_key"  # noqa: S105  (a file name, not a secret)


def path():
    return Path(os.environ.get("OPENBEAT_DATA_DIR") or "var").resolve()


def prepare():
    folder = path()
    folder.mkdir(parents=True, exist_ok=True)
    if not os.environ.get("OPENBEAT_SECRET_KEY"):
        key = folder / SECRET_KEY_FILE
        try:  # exclusive: two processes starting at once keep one key
            handle = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return folder
        with os.fdopen(handle, "w") as out:
            out.write(secrets.token_urlsafe(50))
    return folder
