"""Announcements to subscribers: who gets them, what each email carries, and exactly once.

The fan-out is driven through the real task code and a real SMTP server. Where a test plays
two workers, or a worker that died, the task queue is the dummy backend (tasks are recorded,
not run) and the test calls the sending step itself, as each worker would.
"""

import asyncio
import datetime
import re
from collections import Counter

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.utils import timezone

from openbeat.core.models import Area, AuditEvent, Suppression
from openbeat.outreach import actions, delivery
from openbeat.outreach.models import (
    AnnouncementStatus,
    Delivery,
    DeliveryStatus,
    Mailing,
    MailingKind,
    Subscription,
)
from tests import factories
from tests.outreach import steps
from tests.smtp import SMTPSink

DUMMY_TASKS = {
    "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}
}


@pytest.fixture
def town(mailbox):
    town = factories.town()
    town.area = town.smyrna.areas.get()
    town.north = Area.objects.create(
        agency=town.smyrna, name="North Smyrna", slug="north", boundary=town.area.boundary
    )
    town.traffic = steps.topic(town.smyrna, "Traffic")
    town.events_topic = steps.topic(town.smyrna, "Events")
    return town


def _body(message):
    return message.get_body(("plain",)).get_content()


def test_an_announcement_reaches_each_matching_subscriber_once_with_list_headers(town, mailbox):
    wanted = {
        "all@example.org": {},
        "town@example.org": {"areas": [town.area]},
        "traffic@example.org": {"topics": [town.traffic]},
        "both@example.org": {"areas": [town.area, town.north], "topics": [town.traffic]},
    }
    unwanted = {
        "north@example.org": {"areas": [town.north]},
        "events@example.org": {"topics": [town.events_topic]},
        "weekly@example.org": {"frequency": "weekly"},
    }
    for email, choices in {**wanted, **unwanted}.items():
        steps.subscriber(town.smyrna, email, **choices)
    steps.subscriber(town.smyrna, "pending@example.org", confirm=False)
    stopped = steps.subscriber(town.smyrna, "stopped@example.org")
    actions.unsubscribe(stopped)
    steps.subscriber(town.smyrna, "bounced@example.org")
    actions.record_bounce("bounced@example.org", "550 mailbox unavailable")
    steps.subscriber(town.clayton, "clayton@example.org")
    mailbox.clear()

    item = steps.announcement(
        town.smyrna_coordinator,
        town.smyrna,
        title="Smyrna's Community Policing Unit",
        body="Meet the **new unit** at Town Hall & ask questions.",
        areas=[town.area],
        topics=[town.traffic],
    )
    assert not mailbox.messages  # a draft sends nothing
    actions.publish(item, acting_user=town.smyrna_coordinator)

    received = Counter(str(m["To"]) for m in mailbox.messages)
    assert received == Counter(list(wanted)), received
    mailing = Mailing.objects.get(announcement=item)
    for message in mailbox.messages:
        to = str(message["To"])
        subscription = Subscription.objects.get(email=to, agency=town.smyrna)
        row = Delivery.objects.get(mailing=mailing, subscription=subscription)
        assert (
            steps.header(message, "Subject")
            == "Smyrna's Community Policing Unit — Smyrna Police Department"
        )
        unsubscribe = steps.header(message, "List-Unsubscribe").strip("<>")
        assert unsubscribe.startswith("http://testserver/unsubscribe/")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["Message-ID"] == f"<ob.{mailing.pk}.{row.pk}@openbeat.invalid>"
        body = _body(message)
        assert "Meet the new unit at Town Hall & ask questions." in body
        assert f"http://testserver{item.get_absolute_url()}" in body
        assert unsubscribe in body and subscription.get_absolute_url() in body
        # Nobody else's address travels in anyone's email.
        assert not [e for e in [*wanted, *unwanted] if e != to and e in message.as_string()]

    progress = delivery.progress(mailing)
    assert (progress["total"], progress["sent"], progress["remaining"]) == (4, 4, 0)
    assert progress["finished"] and progress["percent"] == 100

    # Planning or sending again (a retry, a re-delivered task) mails nobody twice.
    mailbox.clear()
    assert delivery.plan(mailing.pk) == 0
    assert delivery.send_some(mailing.pk)[0] == 0
    assert not mailbox.messages
    actions.publish_due()
    assert not mailbox.messages


def test_two_workers_and_a_dead_one_send_each_email_exactly_once(town, mailbox, settings):
    settings.TASKS = DUMMY_TASKS
    emails = [f"r{i:03d}@example.org" for i in range(230)]
    for email in emails:
        steps.subscriber(town.smyrna, email)
    mailbox.clear()
    item = steps.announcement(town.smyrna_coordinator, town.smyrna)
    actions.publish(item, acting_user=town.smyrna_coordinator)
    mailing = Mailing.objects.get(announcement=item)
    # A first run of the plan that died after inserting some rows left them behind.
    first_rows = Subscription.objects.filter(email__in=emails[:70])
    Delivery.objects.bulk_create(Delivery(mailing=mailing, subscription=s) for s in first_rows)
    assert delivery.plan(mailing.pk) == 230
    assert delivery.plan(mailing.pk) == 0  # planned once, however often the task runs
    assert Delivery.objects.filter(mailing=mailing).count() == 230

    first = delivery.claim(mailing.pk, "this-host:1:a", 40)
    second = delivery.claim(mailing.pk, "this-host:1:b", 40)
    assert len(first) == len(second) == 40
    assert not {d.pk for d in first} & {d.pk for d in second}
    # A worker on this machine whose process is gone left its claim mid-batch.
    import socket

    dead = f"{socket.gethostname()}:999999999:x"
    abandoned = delivery.claim(mailing.pk, dead, 30)
    # A live worker elsewhere holds its claim until its lease runs out.
    elsewhere = delivery.claim(mailing.pk, "other-host:12:y", 10)
    assert delivery.reclaim_abandoned(mailing.pk) == 30
    assert {d.status for d in Delivery.objects.filter(pk__in=[d.pk for d in abandoned])} == {
        DeliveryStatus.QUEUED
    }
    later = timezone.now() + datetime.timedelta(hours=1)
    assert delivery.reclaim_abandoned(mailing.pk, later) == 10 + 80  # leases of all three ran out
    assert {d.pk for d in elsewhere} <= set(
        Delivery.objects.filter(status=DeliveryStatus.QUEUED).values_list("pk", flat=True)
    )

    # Two workers drain the rest, in turns.
    while delivery.progress(mailing)["remaining"]:
        delivery.send_some(mailing.pk, budget=25, worker="this-host:1:a")
        delivery.send_some(mailing.pk, budget=25, worker="this-host:1:b")
    received = Counter(str(m["To"]) for m in mailbox.messages)
    assert set(received) == set(emails) and set(received.values()) == {1}
    assert delivery.progress(mailing)["sent"] == 230


def test_withdrawing_stops_what_is_not_yet_sent_and_unsubscribing_counts_at_once(
    town, mailbox, settings
):
    settings.TASKS = DUMMY_TASKS
    for i in range(150):
        steps.subscriber(town.smyrna, f"w{i:03d}@example.org")
    late = Subscription.objects.get(email="w149@example.org")
    mailbox.clear()
    item = steps.announcement(town.smyrna_coordinator, town.smyrna)
    actions.publish(item, acting_user=town.smyrna_coordinator)
    mailing = Mailing.objects.get(announcement=item)
    delivery.plan(mailing.pk)
    actions.unsubscribe(late)  # after planning, before its email was built
    delivery.send_some(mailing.pk, budget=100)
    assert len(mailbox.messages) == 100
    actions.withdraw(item, acting_user=town.smyrna_coordinator)
    delivery.send_some(mailing.pk)
    assert len(mailbox.messages) == 100
    progress = delivery.progress(mailing)
    assert (progress["sent"], progress["skipped"], progress["remaining"]) == (100, 50, 0)
    assert Delivery.objects.get(subscription=late).error == "no longer public"
    assert "w149@example.org" not in {str(m["To"]) for m in mailbox.messages}


class _Refusing:
    """An SMTP server that refuses one address for good (550) and accepts the rest."""

    def __init__(self, sink, refused):
        self.sink, self.refused = sink, refused

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == self.refused:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0)
        self.sink.messages.append(envelope.content)
        return "250 Message accepted for delivery"


def test_an_address_the_mail_server_refuses_is_never_mailed_again(town, settings):
    sink = SMTPSink()
    sink.controller = Controller(
        _Refusing(sink, "nobody@example.org"), hostname=sink.host, port=sink.port
    )
    sink.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = sink.host, sink.port
        for email in ("nobody@example.org", "somebody@example.org"):
            steps.subscriber(town.smyrna, email)
        sink.clear()
        first = steps.announcement(town.smyrna_coordinator, town.smyrna, title="First")
        actions.publish(first, acting_user=town.smyrna_coordinator)
        mailing = Mailing.objects.get(announcement=first)
        progress = delivery.progress(mailing)
        assert (progress["sent"], progress["failed"]) == (1, 1)
        assert Suppression.objects.filter(email="nobody@example.org").exists()

        second = steps.announcement(town.smyrna_coordinator, town.smyrna, title="Second")
        actions.publish(second, acting_user=town.smyrna_coordinator)
        assert delivery.progress(Mailing.objects.get(announcement=second))["total"] == 1
        assert len(sink.messages) == 2
    finally:
        sink.stop()


def test_weekly_digest_has_what_each_subscriber_chose_and_is_sent_once_a_week(town, mailbox):
    one_area = steps.subscriber(town.smyrna, "north@example.org", [town.north], frequency="weekly")
    steps.subscriber(town.smyrna, "all@example.org", frequency="weekly")
    stopped = steps.subscriber(town.smyrna, "stopped@example.org", frequency="weekly")
    actions.unsubscribe(stopped)
    schools = steps.topic(town.smyrna, "Schools")
    nothing = steps.subscriber(
        town.smyrna, "schools@example.org", topics=[schools], frequency="weekly"
    )
    mailbox.clear()
    for title, areas, topics in (
        ("Road closure in North Smyrna", [town.north], [town.traffic]),
        ("Town-wide: Coffee with a Cop", [], [town.events_topic]),
        ("South side parking", [town.area], [town.traffic]),
    ):
        item = steps.announcement(
            town.smyrna_coordinator, town.smyrna, title=title, areas=areas, topics=topics
        )
        actions.publish(item, acting_user=town.smyrna_coordinator)
    draft = steps.announcement(town.smyrna_coordinator, town.smyrna, title="Draft only")
    assert not mailbox.messages  # weekly subscribers wait for their digest

    [mailing] = actions.start_digests()
    assert mailing.kind == MailingKind.DIGEST
    assert actions.start_digests() == []  # once a week, however often the tick runs

    [north] = mailbox.to("north@example.org")
    assert (
        steps.header(north, "Subject") == "This week from Smyrna Police Department: 2 announcements"
    )
    body = _body(north)
    assert "Road closure in North Smyrna" in body and "Town-wide: Coffee with a Cop" in body
    assert "South side parking" not in body and draft.title not in body
    assert north["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert one_area.get_absolute_url() in body
    [everyone] = mailbox.to("all@example.org")
    assert "3 announcements" in steps.header(everyone, "Subject")
    assert not mailbox.to("stopped@example.org")
    # Nothing matched their topic this week: no empty digest.
    assert not mailbox.to("schools@example.org")
    row = Delivery.objects.get(mailing=mailing, subscription=nothing)
    assert (row.status, row.error) == (DeliveryStatus.SKIPPED, "nothing new for this subscriber")


def test_scheduled_announcement_is_published_and_sent_when_due(town, mailbox):
    steps.subscriber(town.smyrna, "soon@example.org")
    mailbox.clear()
    item = steps.announcement(town.smyrna_coordinator, town.smyrna)
    at = timezone.now() + datetime.timedelta(hours=2)
    actions.publish(item, at, acting_user=town.smyrna_coordinator)
    item.refresh_from_db()
    assert item.status == AnnouncementStatus.SCHEDULED and not mailbox.messages
    assert actions.publish_due() == 0
    assert actions.publish_due(at + datetime.timedelta(minutes=1)) == 1
    item.refresh_from_db()
    assert item.status == AnnouncementStatus.PUBLISHED
    assert len(mailbox.to("soon@example.org")) == 1
    assert AuditEvent.objects.filter(action="announcement.schedule").count() == 1


def test_the_worker_publishes_a_scheduled_announcement_on_its_round_without_cron(town, mailbox):
    from openbeat.core.worker import run_periodic_jobs
    from tests.insights.clock import at

    steps.subscriber(town.smyrna, "later@example.org")
    mailbox.clear()
    item = steps.announcement(town.smyrna_coordinator, town.smyrna)
    when = timezone.now() + datetime.timedelta(hours=2)
    actions.publish(item, when, acting_user=town.smyrna_coordinator)
    run_periodic_jobs()
    assert not mailbox.to("later@example.org")  # not yet due
    with at(when + datetime.timedelta(minutes=5)):
        run_periodic_jobs()
        run_periodic_jobs()
    item.refresh_from_db()
    assert item.status == AnnouncementStatus.PUBLISHED
    assert len(mailbox.to("later@example.org")) == 1


def test_cli_shows_progress_with_a_bar(town, mailbox, capsys):
    from openbeat import cli

    for i in range(3):
        steps.subscriber(town.smyrna, f"cli{i}@example.org")
    item = steps.announcement(town.smyrna_coordinator, town.smyrna)
    actions.publish(item, acting_user=town.smyrna_coordinator)
    mailing = Mailing.objects.get(announcement=item)
    cli.main(["outreach-progress", str(mailing.pk), "--follow"])
    out = capsys.readouterr().out
    assert re.search(
        r"\[#{30}\] 100% mailing \d+ \(Announcement, smyrna-pd\): sent 3, failed 0", out
    )
    assert "remaining 0 of 3" in out
    with pytest.raises(SystemExit, match="No mailing 987654"):
        cli.main(["outreach-progress", "987654"])
    call_command("check")
