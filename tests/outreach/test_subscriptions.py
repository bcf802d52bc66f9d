"""Subscribing without an account: double opt-in, preferences, one-click unsubscribe, bounces.

Email goes through the suite's real SMTP sink; the client is Django's, with CSRF checks on
where a browser would send a token, and off where a mail program's one-click POST has none.
"""

from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.test import Client

from openbeat.core.models import Suppression
from openbeat.outreach import actions, links
from openbeat.outreach.models import Subscription, SubscriptionStatus
from tests import factories
from tests.outreach import steps


@pytest.fixture
def town(mailbox):
    return factories.town()


def _path(url):
    parts = urlsplit(url)
    return parts.path


def _subscribe(client, town, email="ann@example.org", **data):
    form = {"agency": town.smyrna.slug, "email": email, "frequency": "immediate", **data}
    return client.post("/subscribe/", form)


def test_subscribe_confirm_manage_and_every_email_can_unsubscribe(client, town, mailbox):
    area = town.smyrna.areas.get()
    traffic = steps.topic(town.smyrna, "Traffic")

    response = _subscribe(
        client, town, "Ann@Example.org", areas=[area.pk], topics=[traffic.pk], frequency="weekly"
    )
    assert response.status_code == 302 and response["Location"] == "/subscribe/sent/"
    subscription = Subscription.objects.get()
    assert (subscription.email, subscription.status) == ("ann@example.org", "pending")

    [message] = mailbox.wait_for("ann@example.org")
    assert steps.header(message, "Subject") == "Please confirm: news from Smyrna Police Department"
    unsubscribe = steps.header(message, "List-Unsubscribe").strip("<>")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe.startswith("http://testserver/unsubscribe/")
    assert unsubscribe in steps.links_in(message)
    confirm = steps.link_to(message, "/subscribe/confirm/")

    # Opening the link shows a button: a mail scanner following links confirms nothing.
    page = client.get(_path(confirm))
    assert page.status_code == 200 and b"Yes, send me these emails" in page.content
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.PENDING
    done = client.post(_path(confirm), follow=True)
    assert b"Confirmed." in done.content
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.ACTIVE and subscription.confirmed_at

    # The preferences link changes areas, topics and frequency.
    manage = done.redirect_chain[-1][0]
    assert manage == subscription.get_absolute_url()
    client.post(manage, {"frequency": "immediate"})
    subscription.refresh_from_db()
    assert subscription.frequency == "immediate"
    assert not subscription.areas.exists() and not subscription.topics.exists()


def test_bad_input_is_refused_with_a_message_and_changes_nothing(client, town, mailbox):
    clayton_area = town.clayton.areas.get()
    cases = [
        ({"email": "not-an-address"}, b"Enter an email address such as name@example.org."),
        ({"email": ""}, b"This field is required."),
        ({"areas": [clayton_area.pk]}, b"Choose areas from the list."),
        ({"frequency": "hourly"}, b"Choose how often from the list."),
    ]
    for data, message in cases:
        form = {"email": "bob@example.org", **data}
        response = _subscribe(client, town, **form)
        assert response.status_code == 400, data
        assert message in response.content, (data, response.content[-2000:])
    assert not Subscription.objects.exists()
    assert not mailbox.messages

    # A bounced address is never mailed again, not even a confirmation; the page answers as
    # for any address, so it does not tell a stranger that the address bounced.
    actions.record_bounce("gone@example.org", "550 no such user")
    response = _subscribe(client, town, "gone@example.org")
    assert response.status_code == 302 and response["Location"] == "/subscribe/sent/"
    assert not Subscription.objects.exists() and not mailbox.messages


def test_subscribing_twice_changes_nothing_and_tells_no_stranger(client, town, mailbox):
    first = steps.subscriber(town.smyrna, "carol@example.org", frequency="weekly")
    mailbox.clear()
    response = _subscribe(client, town, "carol@example.org", frequency="immediate")
    # The same answer as a new subscription: the page does not say who is subscribed...
    assert response.status_code == 302 and response["Location"] == "/subscribe/sent/"
    # ...the address itself is told, with its preferences link; nothing else changed.
    [message] = mailbox.wait_for("carol@example.org")
    assert (
        steps.header(message, "Subject") == "You are already subscribed to Smyrna Police Department"
    )
    assert first.get_absolute_url() in message.get_body(("plain",)).get_content()
    assert Subscription.objects.get().frequency == "weekly"

    # Unconfirmed and asked again: the confirmation comes again, still one row.
    _subscribe(client, town, "dan@example.org")
    _subscribe(client, town, "dan@example.org")
    assert len(mailbox.wait_for("dan@example.org", 2)) == 2
    assert Subscription.objects.filter(email="dan@example.org").count() == 1


def test_one_click_unsubscribe_needs_no_cookie_and_always_works(town, mailbox):
    subscription = steps.subscriber(town.smyrna, "erin@example.org")
    url = _path(links.unsubscribe_url(subscription))
    mail_program = Client(enforce_csrf_checks=True)

    # RFC 8058: a POST with this body, no cookies, no CSRF token.
    response = mail_program.post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200 and b"Done: you will get no more email" in response.content
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.UNSUBSCRIBED

    # Used again: still works, says so, changes nothing.
    again = mail_program.post(url, "List-Unsubscribe=One-Click", content_type="text/plain")
    assert again.status_code == 200 and b"You had already unsubscribed" in again.content

    # Opening the link in a browser asks first (link scanners must not unsubscribe anyone).
    other = steps.subscriber(town.smyrna, "frank@example.org")
    other_url = _path(links.unsubscribe_url(other))
    assert mail_program.get(other_url).status_code == 200
    other.refresh_from_db()
    assert other.status == SubscriptionStatus.ACTIVE

    # The subscription is gone (e.g. purged): the link still answers that nothing will come.
    other.delete()
    gone = mail_program.post(other_url)
    assert gone.status_code == 200 and b"no more email" in gone.content

    # A forged or damaged link is refused and changes nothing.
    forged = signing.Signer(salt="something-else").sign_object([subscription.pk, "x@y.org"])
    for bad in (f"/unsubscribe/{forged}/", url[:-6] + "AAAAA/"):
        refused = mail_program.post(bad)
        assert refused.status_code == 404 and b"link is damaged" in refused.content


def test_unconfirmed_addresses_are_forgotten_after_a_week(town):
    import datetime

    from django.utils import timezone

    pending = steps.subscriber(town.smyrna, "gina@example.org", confirm=False)
    active = steps.subscriber(town.smyrna, "hal@example.org")
    later = timezone.now() + datetime.timedelta(days=8)
    assert actions.forget_unconfirmed(later) == 1
    assert list(Subscription.objects.all()) == [active]
    assert not Subscription.objects.filter(pk=pending.pk).exists()
    assert not Suppression.objects.exists()
