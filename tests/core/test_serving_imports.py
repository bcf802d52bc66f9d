"""A web worker starts with what serving pages needs, not every library a rarer request uses:
shapely with numpy (~17 MB: area boundaries, for submissions and staff edits) is imported by the
code that uses it (bench/README.md: memory). (Pillow is imported by Django's own start-up
check of ImageField.)"""

import os
import subprocess
import sys

HEAVY = ("numpy", "shapely")

START = """
import sys
import django
django.setup()
from django.core import checks
from django.urls import get_resolver
get_resolver().url_patterns  # every view module
checks.run_checks()  # as `openbeat serve` does before the workers fork
print(" ".join(name for name in %r if name in sys.modules))
"""


def test_a_web_worker_starts_without_the_geometry_library():
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
