import json
import os
import secrets
import subprocess
import sys

import pytest
from django.test import Client

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


# -- Under production settings ---------------------------------------------------------------------

PRODUCTION = {
    "OPENBEAT_BASE_URL": "https://meetings.example.gov",
    "OPENBEAT_ALLOWED_HOSTS": "meetings.example.gov",
    "OPENBEAT_SECRET_KEY": "production-like-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "DJANGO_SETTINGS_MODULE": "openbeat.settings",
}
DERIVED = (
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "LANGUAGE_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "OPENBEAT_STAFF_2FA",
)


def production_settings(tmp_path, **extra):
    """The values settings.py derives from a production environment, read in a fresh process
    (settings are computed once, at start-up), to run this process's requests under them."""
    env = {**os.environ, **PRODUCTION, "OPENBEAT_DATA_DIR": str(tmp_path), **extra}
    env.pop("OPENBEAT_STAFF_2FA")  # the tests' own choice; production keeps the default
    code = (
        "import json; from openbeat import datadir; datadir.prepare(); "
        "from django.conf import settings as s; "
        f"print(json.dumps({{name: getattr(s, name) for name in {DERIVED!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    derived = json.loads(result.stdout)
    header = derived["SECURE_PROXY_SSL_HEADER"]
    derived["SECURE_PROXY_SSL_HEADER"] = tuple(header) if header else None
    return derived


def test_production_settings_make_every_cookie_secure_and_send_hsts(tmp_path, town, settings):
    derived = production_settings(tmp_path)
    assert derived["OPENBEAT_STAFF_2FA"] == "required"
    assert derived["SECURE_PROXY_SSL_HEADER"] is None  # no proxy is trusted unless configured
    for name, value in derived.items():
        setattr(settings, name, value)
    client = Client()
    plain = client.get("/concerns/")
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    assert client.get("/healthz").status_code == 200  # load balancers check over plain HTTP
    page = client.get("/concerns/", secure=True)
    assert page["Strict-Transport-Security"].startswith("max-age=31536000")
    # Every cookie the site sets: the session and CSRF token of a sign-in, the language chosen,
    # the messages of a redirect.
    client.post("/staff/login/", secure=True)
    client.post(
        "/staff/login/",
        {"username": "smyrna.officer", "password": factories.PASSWORD},
        secure=True,
    )
    client.post("/i18n/setlang/", {"language": "es", "next": "/"}, secure=True)
    concern = factories.concern()
    client.post(f"/concerns/{concern.pk}/flag/", {"reason": "Names a person"}, secure=True)
    names = sorted(client.cookies)
    assert {"sessionid", "csrftoken", "django_language"} <= set(names), names
    insecure = [name for name, morsel in client.cookies.items() if not morsel["secure"]]
    assert not insecure, f"cookies without Secure under HTTPS: {insecure}"
    # Two-factor sign-in is required: the password alone reaches no staff page.
    staff = client.get("/staff/", secure=True)
    assert staff.status_code == 302 and "/staff/two-factor/" in staff["Location"]


def _reports_until_refused(client, **headers):
    """Reports from one client, each claiming a different X-Forwarded-For, until refused."""
    lat, lon = factories.SMYRNA_POINT
    for n in range(12):
        form = {
            "category": "noise",
            "description": f"Loud music, night {n}",
            "latitude": lat,
            "longitude": f"{float(lon) + n / 1000:.6f}",
            "confirm_new": "1",
        }
        spoof = f"198.51.100.{n}"
        forwarded = f"{spoof}, {headers['real']}" if "real" in headers else spoof
        response = client.post(
            "/concerns/new/",
            form,
            secure=True,
            HTTP_X_FORWARDED_FOR=forwarded,
            HTTP_X_FORWARDED_PROTO="https",
        )
        if response.status_code == 429:
            return n
    return None


def test_a_forwarded_for_header_never_bypasses_a_rate_limit(tmp_path, town, settings):
    # Not behind a proxy: the header is anyone's to write, so the connection's address counts.
    for name, value in production_settings(tmp_path).items():
        setattr(settings, name, value)
    # Sign-in throttling counts failures by the same address as every rate limit.
    assert settings.AXES_CLIENT_IP_CALLABLE == "openbeat.core.ratelimit.client_ip"
    assert _reports_until_refused(Client()) == 10
    # Behind the operator's proxy: it appends the address it saw; what the client wrote before
    # it is ignored, and each real client has its own count.
    for name, value in production_settings(tmp_path, OPENBEAT_BEHIND_PROXY="true").items():
        setattr(settings, name, value)
    assert settings.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")
    assert _reports_until_refused(Client(), real="203.0.113.20") == 10
    assert _reports_until_refused(Client(), real="203.0.113.21") == 10
