"""Retention of contacts: ended email subscriptions and volunteers of long-past shifts lose their
address and name in the daily job, keeping the rows; a second run changes nothing."""

import datetime

from django.test import override_settings
from django.utils import timezone

from openbeat.cli import main as openbeat
from openbeat.core.models import AuditEvent, Suppression
from openbeat.outreach import actions as outreach_actions
from openbeat.outreach.models import Subscription, SubscriptionStatus
from openbeat.projects.models import SignUp, SignUpStatus
from openbeat.retention import actions
from tests import factories


def _ago(months):
    return timezone.now() - datetime.timedelta(days=31 * months)


def _subscribed(town, email):
    subscription, _outcome = outreach_actions.subscribe(
        town.smyrna, email, areas=[town.smyrna.areas.first()]
    )
    outreach_actions.confirm(subscription)
    subscription.refresh_from_db()
    return subscription


def _unsubscribed(town, email, months_ago):
    subscription = _subscribed(town, email)
    outreach_actions.unsubscribe(subscription)
    Subscription.objects.filter(pk=subscription.pk).update(unsubscribed_at=_ago(months_ago))
    return subscription


def _everything():
    return [
        list(model.objects.order_by("pk").values())
        for model in (Subscription, Subscription.areas.through, SignUp, AuditEvent)
    ]


@override_settings(OPENBEAT_RETENTION_CONTACT_MONTHS=12)
def test_ended_subscriptions_lose_their_address_once(town):
    old = _unsubscribed(town, "gone.long.ago@example.org", 13)
    second = _unsubscribed(town, "also.gone@example.org", 14)  # two emptied: no clash
    recent = _unsubscribed(town, "gone.lately@example.org", 11)
    active = _subscribed(town, "still.reading@example.org")
    bounced = _subscribed(town, "bounced@example.org")
    outreach_actions.record_bounce("bounced@example.org", "550 no such user")
    Suppression.objects.filter(email="bounced@example.org").update(at=_ago(13))
    old_token = old.token

    assert actions.run_retention() == []

    old.refresh_from_db()
    assert old.email is None and old.token != old_token and not old.areas.exists()
    assert old.status == SubscriptionStatus.UNSUBSCRIBED  # kept, and still counted
    second.refresh_from_db()
    assert second.email is None
    bounced.refresh_from_db()
    assert bounced.email is None and bounced.status == SubscriptionStatus.UNSUBSCRIBED
    # The suppression list keeps the address, so it is never emailed again.
    assert Suppression.objects.filter(email="bounced@example.org").exists()
    for kept, email in ((recent, "gone.lately@example.org"), (active, "still.reading@example.org")):
        kept.refresh_from_db()
        assert kept.email == email
    stored = repr(_everything())
    assert "gone.long.ago" not in stored and "also.gone" not in stored
    event = AuditEvent.objects.get(action="retention.contacts_removed")
    assert event.agency == town.smyrna and event.after == {"subscriptions": 3, "sign_ups": 0}

    first = _everything()
    assert actions.run_retention() == []
    assert _everything() == first
    # The old link leads nowhere; the address may subscribe again, as a new subscription.
    assert outreach_actions.subscribe(town.smyrna, "gone.long.ago@example.org")[1] == "new"


@override_settings(OPENBEAT_RETENTION_CONTACT_MONTHS=12)
def test_volunteers_of_long_past_shifts_lose_name_and_address_but_keep_their_hours(client, town):
    project = factories.project(town, shifts=2)
    past, upcoming = project.roles.get().shifts.order_by("start")
    first = factories.volunteer(past, name="Vera Volunteer", email="vera@example.org")
    second = factories.volunteer(past, name="Walt Walker", email="walt@example.org")
    later = factories.volunteer(upcoming, name="Nora Next", email="nora@example.org")
    SignUp.objects.filter(pk=first.pk).update(hours=2)
    when = _ago(13)
    type(past).objects.filter(pk=past.pk).update(start=when, end=when + datetime.timedelta(hours=2))

    assert actions.run_retention() == []

    for signed in (first, second):
        signed.refresh_from_db()
        assert (signed.name, signed.email) == ("", None)
        assert signed.status == SignUpStatus.CONFIRMED
    assert SignUp.objects.get(pk=first.pk).hours == 2
    later.refresh_from_db()
    assert (later.name, later.email) == ("Nora Next", "nora@example.org")
    stored = repr(_everything())
    assert "Vera" not in stored and "walt@" not in stored
    first_run = _everything()
    assert actions.run_retention() == []
    assert _everything() == first_run

    # The roster still lists them, without a name or an address.
    factories.sign_in(client, town.smyrna_coordinator)
    page = client.get(f"/staff/projects/{project.pk}/")
    assert page.status_code == 200 and "(name removed)" in page.content.decode()
    assert "<td>None</td>" not in page.content.decode()


@override_settings(OPENBEAT_RETENTION_CONTACT_MONTHS=12)
def test_the_cli_counts_contacts_and_a_dry_run_changes_nothing(town, capsys):
    old = _unsubscribed(town, "gone.long.ago@example.org", 13)
    openbeat(["retention", "--dry-run"])
    assert "Would anonymise 1 ended email subscription(s) and 0 volunteer sign-up(s)" in (
        capsys.readouterr().out
    )
    old.refresh_from_db()
    assert old.email == "gone.long.ago@example.org"
    openbeat(["retention"])
    assert "Anonymised 1 ended email subscription(s)" in capsys.readouterr().out
    old.refresh_from_db()
    assert old.email is None
