import time

from openbeat.core import sessions
from openbeat.core.models import AuditEvent
from tests import factories


def _sign_in(client, username, password):
    return client.post("/staff/login/", {"username": username, "password": password})


def test_sign_in_decisions_are_audited(client, town):
    assert _sign_in(client, "smyrna.officer", "wrong").status_code == 200
    assert _sign_in(client, "smyrna.officer", factories.PASSWORD).status_code == 302
    actions = list(
        AuditEvent.objects.filter(action__startswith="auth.").values_list("action", "object_id")
    )
    assert ("auth.login_failed", "smyrna.officer") in actions
    assert ("auth.login", str(town.smyrna_officer.pk)) in actions


def test_twenty_wrong_passwords_pause_the_account_with_a_clear_message(client, town):
    for _ in range(19):
        _sign_in(client, "smyrna.officer", "guess")
    locked = _sign_in(client, "smyrna.officer", "guess")
    assert locked.status_code == 429
    assert "paused for an hour" in locked.content.decode()
    assert AuditEvent.objects.filter(action="auth.locked_out", object_id="smyrna.officer").exists()
    # Even the right password waits out the hour.
    assert _sign_in(client, "smyrna.officer", factories.PASSWORD).status_code == 429
    # Signing in from elsewhere to another account still works.
    elsewhere = client.post(
        "/staff/login/",
        {"username": "smyrna.coordinator", "password": factories.PASSWORD},
        REMOTE_ADDR="10.0.0.9",
    )
    assert elsewhere.status_code == 302


def test_idle_staff_sessions_end_after_30_minutes(client, town):
    occurrence = factories.event(town).occurrences.get()
    client.force_login(town.smyrna_officer)
    url = f"/staff/meetings/{occurrence.pk}/"
    assert client.get(url).status_code == 200
    session = client.session
    session[sessions.SEEN] = time.time() - 31 * 60
    session.save()
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith("/staff/login/")
    assert client.get(url).status_code == 302  # really signed out


def test_staff_sessions_end_after_12_hours_even_when_busy(client, town):
    client.force_login(town.smyrna_officer)
    client.get("/staff/")
    session = client.session
    session[sessions.STARTED] = time.time() - 12 * 3600 - 60
    session.save()
    assert client.get("/staff/").status_code == 302


def test_a_refused_record_is_traced(client, town):
    concern = factories.concern()
    client.force_login(town.clayton_officer)
    assert client.get(f"/staff/concerns/{concern.pk}/").status_code == 404
    refusal = AuditEvent.objects.get(action="access.refused")
    assert (refusal.actor, refusal.object_id) == (town.clayton_officer, str(concern.pk))


def test_password_reset_by_email(client, town, mailbox):
    town.smyrna_officer.email = "officer@smyrna.example"
    town.smyrna_officer.save()
    client.post("/staff/password-reset/", {"email": "officer@smyrna.example"})
    (message,) = mailbox.to("officer@smyrna.example")
    link = next(line for line in message.get_content().splitlines() if "/password-reset/" in line)
    path = link.split("://", 1)[1].split("/", 1)[1]
    form_page = client.get("/" + path, follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0],
        {
            "new_password1": "a-brand-new-long-password-7",
            "new_password2": "a-brand-new-long-password-7",
        },
    )
    assert response.status_code == 302
    client.logout()
    assert _sign_in(client, "smyrna.officer", "a-brand-new-long-password-7").status_code == 302


def test_password_reset_is_limited_per_address_and_per_client(client, town, mailbox):
    town.smyrna_officer.email = "officer@smyrna.example"
    town.smyrna_officer.save()

    def reset(email, address="198.51.100.1"):
        return client.post("/staff/password-reset/", {"email": email}, REMOTE_ADDR=address)

    # Three emails an hour to one address, whichever clients ask; then a 429 and no email.
    answers = [reset("Officer@Smyrna.example", f"198.51.100.{n}").status_code for n in (1, 2, 3)]
    assert answers == [302, 302, 302]
    refused = reset("officer@smyrna.example", "198.51.100.4")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Please wait a little" in refused.content.decode()
    assert len(mailbox.to("officer@smyrna.example")) == 3
    # An address no account has is counted the same way: the 429 tells nothing about accounts.
    assert [reset("nobody@example.org", "203.0.113.9").status_code for _n in range(4)] == [
        302,
        302,
        302,
        429,
    ]
    # One client asking for many addresses is stopped too (ten an hour).
    answers = [reset(f"guess{n}@smyrna.example", "192.0.2.7").status_code for n in range(11)]
    assert answers == [302] * 10 + [429]
