"""Two-factor sign-in for staff, with `OPENBEAT_STAFF_2FA=required` (the production default)
unless a test says otherwise. Codes are computed from the device's secret, as a phone does."""

import re
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from openbeat.core.models import AuditEvent, Role
from openbeat.twofactor.middleware import OPEN_BEFORE_SECOND_FACTOR
from tests import factories
from tests.security.test_access_matrix import _url, url_patterns

VERIFY, ENROL = "/staff/two-factor/verify/", "/staff/two-factor/set-up/"


@pytest.fixture(autouse=True)
def _required(settings):
    settings.OPENBEAT_STAFF_2FA = "required"


def _password(client, username, path="/staff/login/"):
    return client.post(path, {"username": username, "password": factories.PASSWORD})


def _actions(user):
    return list(
        AuditEvent.objects.filter(object_id=str(user.pk), action__startswith="auth.2fa")
        .order_by("id")
        .values_list("action", flat=True)
    )


def _protected_urls():
    """Every staff and admin URL the resolver knows, filled with placeholder values."""
    fill = {"app_label": "auth", "url": "no-such-page/"}
    for pattern in url_patterns():
        staff_or_admin = pattern.key.startswith(("staff:", "admin:")) or pattern.route.startswith(
            "admin/"
        )
        if not staff_or_admin or pattern.name in OPEN_BEFORE_SECOND_FACTOR:
            continue
        if pattern.name == "staff:two_factor_verify":
            continue
        yield _url(pattern, {a: fill.get(a, "1") for a in pattern.arguments})


def test_every_staff_and_admin_page_waits_for_the_code_after_the_password(client, town):
    factories.enrol(town.smyrna_officer)
    assert _password(client, "smyrna.officer").url == "/staff/"
    urls = list(_protected_urls())
    assert len(urls) > 40 and "/staff/two-factor/set-up/" in urls and "/admin/" in urls
    for url in urls:
        for response in (client.get(url), client.post(url)):
            assert response.status_code == 302, url
            assert response.url.startswith(VERIFY), (url, response.url)
    # The staff API does not take a half-finished sign-in either.
    assert client.get("/api/v1/staff/concerns/").status_code == 401


def test_an_account_without_an_authenticator_sets_one_up_before_any_staff_page(client, town):
    officer = town.smyrna_officer
    _password(client, "smyrna.officer")
    response = client.get("/staff/concerns/")
    assert response.url == ENROL + "?next=%2Fstaff%2Fconcerns%2F"
    page = client.get(response.url).content.decode()
    assert '<svg role="img" aria-label="QR code for your authenticator app"' in page
    secret = re.search(r'<code id="secret" class="secret">([A-Z2-7 ]+)</code>', page).group(1)
    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    assert b32decode(secret.replace(" ", "")) == device.bin_key
    # Reloading keeps the same key: the phone already scanned may have it.
    assert secret in client.get(ENROL).content.decode()

    wrong = client.post(ENROL, {"code": "000000"})
    assert wrong.status_code == 400 and "did not match" in wrong.content.decode()
    assert client.get("/staff/").url.startswith(ENROL)

    device.throttle_reset()  # a first wrong code delays the next by a second; not waited here
    code = TOTP(b32decode(secret.replace(" ", ""))).token()
    done = client.post(ENROL, {"code": f"{code:06d}", "next": "/staff/concerns/"})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", done.content.decode())
    assert len(codes) == 10
    assert client.get("/staff/concerns/").status_code == 200
    assert _actions(officer) == ["auth.2fa_enrol_failed", "auth.2fa_enrolled"]


def test_sign_in_asks_for_the_code_and_refuses_a_wrong_one_with_a_growing_wait(client, town):
    officer = town.smyrna_officer
    factories.enrol(officer)
    _password(client, "smyrna.officer")
    assert client.get("/staff/").url == VERIFY + "?next=%2Fstaff%2F"
    wrong = client.post(VERIFY, {"code": "123456", "next": "/staff/"})
    assert wrong.status_code == 400
    assert "did not match" in wrong.content.decode()
    # Straight after a wrong code even the right one waits: guessing is throttled.
    right = factories.authenticator_code(officer)
    throttled = client.post(VERIFY, {"code": right})
    assert throttled.status_code == 400
    assert "Too many wrong codes. Wait 1 minute, then" in throttled.content.decode()
    assert client.get("/staff/").status_code == 302
    assert _actions(officer) == [
        "auth.2fa_enrolled",
        "auth.2fa_failed",
        "auth.2fa_failed",
    ]
    failed = AuditEvent.objects.filter(action="auth.2fa_failed").order_by("id").last()
    assert failed.after == {"with": "authenticator", "throttled": True}


def test_the_right_code_opens_the_staff_pages_and_the_admin(client, town):
    officer = town.smyrna_coordinator
    factories.enrol(officer)
    assert _password(client, "smyrna.coordinator", "/admin/login/?next=/admin/").url == "/admin/"
    assert client.get("/admin/").url == VERIFY + "?next=%2Fadmin%2F"
    response = client.post(
        VERIFY, {"code": factories.authenticator_code(officer), "next": "/admin/"}
    )
    assert response.url == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get("/staff/").status_code == 200
    assert _actions(officer)[-1] == "auth.2fa_verified"


def test_next_never_leaves_the_site(client, town):
    factories.enrol(town.smyrna_officer)
    _password(client, "smyrna.officer")
    code = factories.authenticator_code(town.smyrna_officer)
    response = client.post(VERIFY, {"code": code, "next": "https://evil.example/staff/"})
    assert response.url == "/staff/"


def test_a_backup_code_signs_in_once(client, town):
    officer = town.smyrna_officer
    codes = factories.enrol(officer)
    _password(client, "smyrna.officer")
    assert client.post(VERIFY, {"code": codes[0].upper()}).url == "/staff/"
    client.post("/staff/logout/")
    _password(client, "smyrna.officer")
    again = client.post(VERIFY, {"code": codes[0]})
    assert again.status_code == 400
    assert not StaticToken.objects.filter(token=codes[0]).exists()
    assert AuditEvent.objects.filter(action="auth.2fa_verified", after={"with": "backup"}).exists()


def test_new_backup_codes_replace_the_old(client, town):
    officer = town.smyrna_officer
    old = factories.enrol(officer)
    factories.sign_in(client, officer)
    page = client.post("/staff/two-factor/backup-codes/").content.decode()
    new = re.findall(r"<li><code>([a-z0-9]+)</code></li>", page)
    assert len(new) == 10 and not set(new) & set(old)
    assert not StaticToken.objects.filter(token__in=old).exists()
    assert "auth.2fa_backup_codes" in _actions(officer)


def test_the_password_alone_cannot_add_a_second_authenticator(client, town):
    factories.enrol(town.smyrna_officer)
    _password(client, "smyrna.officer")
    assert client.get(ENROL).url.startswith(VERIFY)
    assert client.post(ENROL, {"code": "123456"}).url.startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=town.smyrna_officer).count() == 1


def test_an_agency_admin_resets_a_lost_phone_and_the_old_sessions_must_enrol(client, town):
    officer = town.smyrna_officer
    factories.enrol(officer)
    officer_client = type(client)()
    factories.sign_in(officer_client, officer)
    assert officer_client.get("/staff/").status_code == 200

    admin = factories.user("smyrna.admin", town.smyrna, Role.ADMIN)
    factories.enrol(admin)
    factories.sign_in(client, admin)
    page = client.get("/staff/two-factor/").content.decode()
    assert f"/staff/two-factor/reset/{officer.pk}/" in page
    assert f"/staff/two-factor/reset/{town.clayton_officer.pk}/" not in page
    response = client.post(f"/staff/two-factor/reset/{officer.pk}/", follow=True)
    assert "authenticator and backup codes are removed" in response.content.decode()

    assert not TOTPDevice.objects.filter(user=officer).exists()
    assert officer_client.get("/staff/").url.startswith(ENROL)
    reset = AuditEvent.objects.get(action="auth.2fa_reset")
    assert (reset.actor, reset.object_id, reset.agency) == (admin, str(officer.pk), town.smyrna)


@pytest.mark.parametrize("who", ["clayton_admin", "smyrna_coordinator"])
def test_only_an_admin_of_the_same_agency_resets(client, town, who):
    factories.enrol(town.smyrna_officer)
    user = (
        factories.user("clayton.admin", town.clayton, Role.ADMIN)
        if who == "clayton_admin"
        else town.smyrna_coordinator
    )
    factories.sign_in(client, user)
    response = client.post(f"/staff/two-factor/reset/{town.smyrna_officer.pk}/")
    assert response.status_code == 404
    assert TOTPDevice.objects.filter(user=town.smyrna_officer).exists()
    assert AuditEvent.objects.filter(action="access.refused", actor=user).exists()


def test_optional_asks_only_accounts_that_set_up_an_authenticator(client, town, settings):
    settings.OPENBEAT_STAFF_2FA = "optional"
    _password(client, "smyrna.coordinator")
    assert client.get("/staff/").status_code == 200
    factories.enrol(town.smyrna_officer)
    other = type(client)()
    _password(other, "smyrna.officer")
    assert other.get("/staff/").url.startswith(VERIFY)


def test_the_pages_never_show_a_confirmed_secret(client, town):
    officer = town.smyrna_officer
    codes = factories.enrol(officer)
    factories.sign_in(client, officer)
    device = TOTPDevice.objects.get(user=officer)
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode()
    for url in ("/staff/two-factor/", ENROL, "/staff/"):
        body = client.get(url, follow=True).content.decode()
        assert secret[:16] not in body.replace(" ", "") and device.key not in body
        assert not any(code in body for code in codes)


def test_the_server_operator_resets_the_last_administrator(town, capsys):
    from openbeat.cli import cmd_two_factor_reset

    factories.enrol(town.smyrna_officer)
    args = type("Args", (), {"username": "smyrna.officer", "reason": "Phone lost, ticket 42"})
    cmd_two_factor_reset(args)
    assert "Removed 2 device(s)" in capsys.readouterr().out
    assert not TOTPDevice.objects.filter(user=town.smyrna_officer).exists()
    reset = AuditEvent.objects.get(action="auth.2fa_reset")
    assert reset.actor is None and reset.after["reason"] == "Phone lost, ticket 42"
