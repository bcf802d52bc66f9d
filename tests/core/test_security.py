import os
import secrets
import subprocess
import sys

import pytest

from tests import factories

PUBLIC = [
    "/",
    "/events/",
    "/concerns/",
    "/concerns/new/",
    "/events.ics",
    "/healthz",
    "/api/v1/events/",
    "/open311/v2/discovery.json",
    "/staff/login/",
]


def test_deploy_checks_are_clean_under_production_settings(tmp_path):
    env = {
        **os.environ,
        "OPENBEAT_DATA_DIR": str(tmp_path),
        "OPENBEAT_DATABASE_URL": "",
        "OPENBEAT_BASE_URL": "https://meetings.example.gov",
        "OPENBEAT_ALLOWED_HOSTS": "meetings.example.gov",
        "OPENBEAT_SECRET_KEY": secrets.token_urlsafe(50),
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "openbeat.cli",
            "manage",
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("url", PUBLIC)
def test_every_page_sends_the_security_headers(client, town, url):
    factories.event(town)
    response = client.get(url)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"  # no inline script, ever
    assert directives["frame-ancestors"] == "'none'"
