"""Settings for benchmarks: the production settings, a data dir under /tmp, one extra view.

The server under test is the real production one (`openbeat serve`), so everything here
stays as in production except where the data lives and the URLconf, which adds a bare
"hello" view as the same-run baseline.
"""

import os
import tempfile
from pathlib import Path

# Never touch ./var: the SQLite file, static files and generated secret go under /tmp.
os.environ.setdefault("OPENBEAT_DATA_DIR", str(Path(tempfile.gettempdir()) / "openbeat-bench"))
os.environ.setdefault("OPENBEAT_SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("OPENBEAT_BASE_URL", "http://127.0.0.1:8000")

from openbeat import datadir  # noqa: E402

datadir.prepare()

from openbeat.settings import *  # noqa: E402,F403

ROOT_URLCONF = "bench.urls"
