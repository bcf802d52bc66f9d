"""Settings for the test suite: the production settings module, fed test environment values."""

import os
import tempfile

os.environ.setdefault("OPENBEAT_DATA_DIR", tempfile.mkdtemp(prefix="openbeat-test-"))
os.environ.setdefault("OPENBEAT_TASKS", "immediate")
os.environ.setdefault("OPENBEAT_BASE_URL", "http://testserver")
# Accounts that set up an authenticator must use it; the rest sign in with a password. The
# access matrix and tests/twofactor run with `required`, the production default.
os.environ.setdefault("OPENBEAT_STAFF_2FA", "optional")
os.environ.setdefault(
    "OPENBEAT_SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789"
)

from openbeat.settings import *  # noqa: E402,F403

# Tests render templates without running collectstatic first.
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405  (whitenoise warns when it is missing)
# Threads of the live server must not keep connections open past the test session: PostgreSQL
# would refuse to drop the test database.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# Several checkouts of OpenBeat on one machine (CI's fresh clone beside a developer's) must not
# drop each other's PostgreSQL test database: name it after this checkout.
if DATABASES["default"]["ENGINE"] == "openbeat.core.postgresql":  # noqa: F405
    import hashlib
    from pathlib import Path

    _checkout = hashlib.blake2s(
        str(Path(__file__).resolve().parent.parent).encode(), digest_size=4
    ).hexdigest()
    # .ci/run runs two PostgreSQL suites of one checkout at once: OPENBEAT_TEST_LANE tells them apart.
    _lane = os.environ.get("OPENBEAT_TEST_LANE", "")
    DATABASES["default"].setdefault("TEST", {})["NAME"] = f"test_openbeat_{_checkout}{_lane}"  # noqa: F405
    # Django's backend, emptying tables after a test with real transactions faster.
    DATABASES["default"]["ENGINE"] = "tests.postgresql"  # noqa: F405
