"""Fan-out of a mailing: one Delivery row per recipient, claimed in batches, sent, marked.

How "never twice, never skipped" holds:

- Planning inserts one row per recipient; the unique (mailing, subscription) constraint makes a
  re-run of the plan (a retry, a crashed worker) add nobody twice, and the plan commits whole.
- A worker claims a batch of QUEUED rows in one transaction (PostgreSQL: FOR UPDATE SKIP LOCKED;
  SQLite: the IMMEDIATE transaction holds the write lock), marking them SENDING with its id, so
  two workers never hold the same row.
- Each row is marked SENT in its own commit right after the SMTP server accepted the message —
  never before, so a crash can never mark an unsent email as sent (nobody is skipped).
- Rows a dead worker left SENDING are put back to QUEUED (its pid is gone on this machine, or
  its 30-minute lease ran out) and sent again.

The crash window: a worker killed after the SMTP server accepted a message but before the SENT
mark committed (a few hundred microseconds per message) leaves that one row SENDING, and it is
sent again. We chose at-least-once over at-most-once there: a resident may, after a crash at
that instant, get the same email twice, but nobody silently misses a message. The resent copy
carries the same Message-ID (built from the delivery's id), so mail systems that deduplicate by
Message-ID show it once.

The SENT marks are committed without waiting for the disk (SQLite `synchronous=NORMAL` in WAL
mode, PostgreSQL `synchronous_commit=off`, for the sending connection only, while it sends).
A killed worker loses none of them — the database has them — and a power cut can only forget
the last few: those emails are sent again, never skipped. An fsync per email would otherwise
cost more than the email itself.

The privacy decision is made when messages are built: the announcement, concern update or
problem is re-read when each batch is claimed, the subscription's state and the suppression
list are read with the batch, and anything no longer public, unsubscribed or bounced is not sent
(SKIPPED). A withdrawal therefore stops a fan-out within one batch. A concern's reporter and
supporters are told of its public updates even once it is private (their tracking link shows
them too); those who only asked to follow it, only while the public may see it.

One email per address per message: a concern has one subscription per address; a problem's
followers are deduplicated by address when it is planned (`problem_followers`), and a re-run
of the plan adds no address that already has its delivery.
"""

import collections
import contextlib
import datetime
import email.policy
import logging
import os
import smtplib
import socket
import threading
from email.message import EmailMessage as MIMEMessage
from email.utils import formatdate, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import connection, transaction
from django.db.models import Count, Exists, F, Min, OuterRef, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation

from openbeat.concerns.models import Concern, Supporter
from openbeat.core import brand, emailmarkup
from openbeat.core.background import enqueue_with_write, task
from openbeat.core.mail import sender, suppress
from openbeat.core.models import Suppression
from openbeat.core.worker import LEASE, alive_here
from openbeat.outreach import links
from openbeat.outreach.models import (
    Announcement,
    AnnouncementStatus,
    Delivery,
    DeliveryStatus,
    Frequency,
    Kind,
    Mailing,
    MailingKind,
    Role,
    Subscription,
    SubscriptionStatus,
)
from openbeat.problems.models import Problem

logger = logging.getLogger(__name__)

BATCH = 100  # rows claimed in one transaction
TASK_BUDGET = 1000  # rows one task sends before handing on to a successor task
PARALLEL = 2  # send tasks started per mailing, so two workers can share a large one
PLAN_CHUNK = 5000
MAX_ATTEMPTS = 8
RETRY_DELAYS = [60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600]


def worker_name():
    """host:pid:thread — the claim's owner, which `alive_here` can check on this machine."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident() % 100000}"[:64]


# -- Who receives a mailing ----------------------------------------------------------------------


def _matching(queryset, area_ids, topic_ids):
    """Subscriptions that want something about these areas and topics: one that chose none of
    a kind wants everything of that kind; an announcement that names none is for everyone."""
    through_areas = Subscription.areas.through.objects.filter(subscription_id=OuterRef("pk"))
    through_topics = Subscription.topics.through.objects.filter(subscription_id=OuterRef("pk"))
    if area_ids:
        queryset = queryset.filter(
            ~Exists(through_areas) | Exists(through_areas.filter(area_id__in=area_ids))
        )
    if topic_ids:
        queryset = queryset.filter(
            ~Exists(through_topics) | Exists(through_topics.filter(topic_id__in=topic_ids))
        )
    return queryset


def _active() -> QuerySet[Subscription]:
    return Subscription.objects.filter(status=SubscriptionStatus.ACTIVE).exclude(
        email__in=Suppression.objects.values("email")
    )


def concern_followers(concern_id: int, role: str = "") -> QuerySet[Subscription]:
    """Who is emailed a concern's update: its active subscriptions (one per address), of one
    role when given."""
    followers = _active().filter(kind=Kind.CONCERN, concern=concern_id)
    return followers.filter(role=role) if role else followers


def problem_followers(problem_id: int, role: str = "") -> list[tuple[int, str | None]]:
    """Who is emailed a problem's phase change, as (subscription id, address), one per address:
    its own active subscriptions, and the reporters and supporters following a linked concern
    that is not private (a moderator's hiding is about what the public sees: its reporter still
    follows) whose address has no say of its own on the problem (followed it already, or asked
    for no more of it). With `role` "follower", its own subscriptions only.
    """
    own = list(_active().filter(kind=Kind.PROBLEM, problem=problem_id).values_list("pk", "email"))
    if role == Role.FOLLOWER:
        return own
    said = Subscription.objects.filter(
        kind=Kind.PROBLEM,
        problem=problem_id,
        status__in=[SubscriptionStatus.ACTIVE, SubscriptionStatus.UNSUBSCRIBED],
        email__isnull=False,
    ).values("email")
    linked = Concern.objects.filter(
        problems=problem_id, is_private=False, category__is_sensitive=False
    ).values("pk")
    through_concerns = (
        _active()
        .filter(kind=Kind.CONCERN, concern__in=linked, role__in=[Role.REPORTER, Role.SUPPORTER])
        .exclude(email__in=said)
        .values("email")
        .annotate(first=Min("pk"))
        .values_list("first", "email")
    )
    return own + list(through_concerns)


def recipient_ids(mailing: Mailing) -> list[int]:
    """The subscriptions a mailing goes to, when it is planned."""
    active = _active()
    if mailing.kind == MailingKind.ANNOUNCEMENT:
        announcement = mailing.announcement
        assert announcement is not None  # an announcement's mailing has one
        queryset = active.filter(
            agency=mailing.agency_id, kind=Kind.NEWS, frequency=Frequency.IMMEDIATE
        )
        queryset = _matching(
            queryset,
            list(announcement.areas.values_list("pk", flat=True)),
            list(announcement.topics.values_list("pk", flat=True)),
        )
    elif mailing.kind == MailingKind.DIGEST:
        queryset = active.filter(
            agency=mailing.agency_id, kind=Kind.NEWS, frequency=Frequency.WEEKLY
        )
    elif mailing.kind == MailingKind.CONCERN:
        assert mailing.concern_update is not None  # a concern's mailing has its update
        queryset = concern_followers(mailing.concern_update.concern_id, mailing.role)
    else:
        # Two subscriptions may share an address here: a re-run adds none already served.
        served = set(
            Delivery.objects.filter(mailing=mailing).values_list("subscription__email", flat=True)
        )
        assert mailing.phase_change is not None  # a problem's mailing has its phase change
        followers = problem_followers(mailing.phase_change.problem_id, mailing.role)
        return sorted(pk for pk, email in followers if email not in served)
    return list(queryset.order_by("pk").values_list("pk", flat=True))


def plan(mailing_id):
    """Insert one QUEUED delivery per recipient, then start the senders; returns how many.

    The rows go in by chunks, a transaction each, so a mailing to a whole county never holds
    the database's write lock for long. A second run (a retry, a worker that died mid-way)
    adds only the rows still missing — the unique constraint — and the senders start once,
    with the mark that the mailing is planned.
    """
    mailing = Mailing.objects.select_related("announcement").get(pk=mailing_id)
    if mailing.planned_at is not None:
        return 0
    ids = recipient_ids(mailing)
    for start in range(0, len(ids), PLAN_CHUNK):
        rows = [
            Delivery(mailing_id=mailing_id, subscription_id=subscription_id)
            for subscription_id in ids[start : start + PLAN_CHUNK]
        ]
        with transaction.atomic():
            Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    with transaction.atomic():
        mailing = Mailing.objects.select_for_update().get(pk=mailing_id)
        if mailing.planned_at is not None:
            return 0  # another run finished planning first
        total = Delivery.objects.filter(mailing_id=mailing_id).count()
        mailing.planned_at = timezone.now()
        if not total:
            mailing.finished_at = mailing.planned_at
        mailing.save(update_fields=["planned_at", "finished_at"])
        for _n in range(min(PARALLEL, -(-total // TASK_BUDGET))):
            enqueue_with_write(send_mailing, mailing_id)
    return total


# -- Claiming ----------------------------------------------------------------------------------


def reclaim_abandoned(mailing_id, now=None):
    """Put back rows a dead worker left SENDING (see the module docstring: the crash window)."""
    now = now or timezone.now()
    stale = []
    for pk, claimed_by, claimed_at in Delivery.objects.filter(
        mailing_id=mailing_id, status=DeliveryStatus.SENDING
    ).values_list("pk", "claimed_by", "claimed_at"):
        alive = alive_here(claimed_by)
        expired = claimed_at is None or now - claimed_at > LEASE
        if alive is False or (alive is None and expired):
            stale.append(pk)
    if stale:
        Delivery.objects.filter(pk__in=stale, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.QUEUED, claimed_by=""
        )
        logger.warning(
            "Mailing %s: %s email(s) left by a stopped worker queued again", mailing_id, len(stale)
        )
    return len(stale)


def claim(mailing_id, worker, limit=BATCH):
    """Atomically take up to `limit` QUEUED rows for this worker; returns them with their
    subscriptions."""
    now = timezone.now()
    with transaction.atomic():
        queued = Delivery.objects.filter(mailing_id=mailing_id, status=DeliveryStatus.QUEUED)
        if connection.features.has_select_for_update_skip_locked:
            queued = queued.select_for_update(skip_locked=True)
        ids = list(queued.order_by("id").values_list("id", flat=True)[:limit])
        if not ids:
            return []
        Delivery.objects.filter(id__in=ids, status=DeliveryStatus.QUEUED).update(
            status=DeliveryStatus.SENDING,
            claimed_by=worker,
            claimed_at=now,
            attempts=F("attempts") + 1,
        )
        claimed = list(
            Delivery.objects.filter(id__in=ids, claimed_by=worker, status=DeliveryStatus.SENDING)
            .select_related("subscription")
            .order_by("id")
        )
    return claimed


def _release(deliveries):
    """Hand unsent claimed rows back to the queue (after an SMTP outage or an error)."""
    ids = [d.pk for d in deliveries]
    if ids:
        Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.QUEUED, claimed_by=""
        )


def _mark(delivery, status, error=""):
    fields = {"status": status, "error": error[:200]}
    if status == DeliveryStatus.SENT:
        fields["sent_at"] = timezone.now()
    Delivery.objects.filter(pk=delivery.pk).update(**fields)


# -- Building messages ---------------------------------------------------------------------------


def _message_domain():
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or "openbeat.invalid"


def render_markdown(announcement, face):
    """An announcement's Markdown as the email's plain text and HTML (links absolute)."""
    announcement.email_text = emailmarkup.email_text(announcement.body, settings.BASE_URL)
    announcement.email_html = emailmarkup.email_html(
        announcement.body, settings.BASE_URL, accent=face["colour"]
    )
    return announcement


class Composer:
    """Builds one mailing's messages; `refresh()` re-reads what they say (once per batch)."""

    def __init__(self, mailing):
        self.mailing = mailing
        self.domain = _message_domain()
        self.list_id = f"<{mailing.agency.slug}.{self.domain}>"
        self.links = links.LinkMaker()
        self.refresh()

    def refresh(self):
        self.drafts = {}
        mailing = self.mailing
        self.visible = True
        face = brand.email_face(mailing.agency, settings.BASE_URL)
        self.sender = sender(mailing.agency)
        self.context = {"agency": mailing.agency, "base_url": settings.BASE_URL, "face": face}
        if mailing.kind == MailingKind.ANNOUNCEMENT:
            announcement = render_markdown(
                Announcement.objects.get(pk=mailing.announcement_id), face
            )
            self.visible = announcement.status == AnnouncementStatus.PUBLISHED
            self.context.update(
                announcement=announcement,
                page_url=settings.BASE_URL + announcement.get_absolute_url(),
            )
        elif mailing.kind == MailingKind.DIGEST:
            self._digest_items()
        elif mailing.kind == MailingKind.CONCERN:
            update = mailing.concern_update
            update.refresh_from_db()
            concern = Concern.objects.select_related("category", "agency").get(pk=update.concern_id)
            self.visible = update.is_published
            self.concern_public = concern.is_public
            self.context.update(
                concern=concern,
                update=update,
                page_url=settings.BASE_URL + concern.get_absolute_url(),
            )
        else:
            change = mailing.phase_change
            problem = Problem.objects.select_related("agency").get(pk=change.problem_id)
            self.context.update(
                problem=problem,
                change=change,
                page_url=settings.BASE_URL + problem.get_absolute_url(),
            )

    def _digest_items(self):
        mailing = self.mailing
        published = Announcement.objects.filter(
            agency=mailing.agency_id,
            status=AnnouncementStatus.PUBLISHED,
            published_at__gte=mailing.covers_from,
            published_at__lt=mailing.created_at,
        ).order_by("published_at", "id")
        self.items = []
        face = self.context["face"]
        for announcement in published.prefetch_related("areas", "topics"):
            self.items.append(
                (
                    render_markdown(announcement, face),
                    {a.pk for a in announcement.areas.all()},
                    {t.pk for t in announcement.topics.all()},
                )
            )

    def prepare(self, deliveries):
        """What the batch's messages depend on beyond the mailing: bounces, and for a digest
        each subscription's areas and topics."""
        emails = {d.subscription.email for d in deliveries}
        self.suppressed = set(
            Suppression.objects.filter(email__in=emails).values_list("email", flat=True)
        )
        self.choices = {}
        self.track_tokens = {}
        self.stopped = set()
        if self.mailing.kind == MailingKind.CONCERN:
            # A supporter's tracking link is their own "me too"'s.
            self.track_tokens = dict(
                Supporter.objects.filter(
                    concern=self.context["concern"], email__in=emails
                ).values_list("email", "token")
            )
        if self.mailing.kind == MailingKind.PROBLEM:
            # Those who asked for no more of this problem since it was planned.
            self.stopped = set(
                Subscription.objects.filter(
                    kind=Kind.PROBLEM,
                    problem=self.context["problem"],
                    status=SubscriptionStatus.UNSUBSCRIBED,
                    email__in=emails,
                ).values_list("email", flat=True)
            )
        if self.mailing.kind == MailingKind.DIGEST:
            ids = [d.subscription_id for d in deliveries]
            for model, key in (
                (Subscription.areas.through, "area_id"),
                (Subscription.topics.through, "topic_id"),
            ):
                for sub_id, value in model.objects.filter(subscription_id__in=ids).values_list(
                    "subscription_id", key
                ):
                    self.choices.setdefault(sub_id, ({}, {}))
                    self.choices[sub_id][0 if key == "area_id" else 1][value] = True

    def _wanted_items(self, subscription_id):
        areas, topics = self.choices.get(subscription_id, ({}, {}))
        wanted = []
        for announcement, a_areas, a_topics in self.items:
            area_ok = not a_areas or not areas or any(a in areas for a in a_areas)
            topic_ok = not a_topics or not topics or any(t in topics for t in a_topics)
            if area_ok and topic_ok:
                wanted.append(announcement)
        return wanted

    def _draft(self, language, items, role):
        key = (language, tuple(a.pk for a in items) if items is not None else None, role)
        found = self.drafts.get(key)
        if found is None:
            context = dict(
                self.context,
                items=items,
                role=role,
                manage_url=MARKS["manage"],
                unsubscribe_url=MARKS["unsubscribe"],
                track_url=MARKS["track"],
            )
            kind = self.mailing.kind
            with translation.override(language):
                subject = render_to_string(f"outreach/email/{kind}_subject.txt", context)
                body = render_to_string(f"outreach/email/{kind}.txt", context)
                # Announcements are written in Markdown: they have an HTML part too.
                html = None
                if kind in (MailingKind.ANNOUNCEMENT, MailingKind.DIGEST):
                    html = render_to_string(f"outreach/email/{kind}.html", context)
            headers = {
                **links.list_headers(MARKS["unsubscribe"]),
                "List-Id": self.list_id,
                "Message-ID": f"<ob.{self.mailing.pk}.{MARKS['id']}@{self.domain}>",
                "Auto-Submitted": "auto-generated",
            }
            found = Draft(" ".join(subject.split()), body, headers, html=html, sender=self.sender)
            self.drafts[key] = found
        return found

    def _track_url(self, subscription: Subscription) -> str:
        """The reporter's or a supporter's private tracking link, or "" for a follower."""
        concern = self.context["concern"]
        if subscription.role == Role.REPORTER:
            token = concern.tracking_token
        elif subscription.role == Role.SUPPORTER:
            token = self.track_tokens.get(subscription.email, "")
        else:
            token = ""
        return f"{settings.BASE_URL}/concerns/track/{token}/" if token else ""

    def build(self, delivery):
        """The email for one delivery, or (None, why) when it must not be sent."""
        subscription = delivery.subscription
        kind = self.mailing.kind
        if not self.visible:
            return None, "no longer public"
        if subscription.status != SubscriptionStatus.ACTIVE:
            return None, "unsubscribed"
        if subscription.email in self.suppressed:
            return None, "address bounced"
        items = None
        role = ""
        unsubscribe = self.links.unsubscribe(subscription)
        track = ""
        if kind == MailingKind.DIGEST:
            items = self._wanted_items(subscription.pk)
            if not items:
                return None, "nothing new for this subscriber"
        elif kind == MailingKind.CONCERN:
            role = subscription.role
            if role == Role.FOLLOWER and not self.concern_public:
                return None, "no longer public"
            track = self._track_url(subscription)
            if role != Role.FOLLOWER and not track:
                role = Role.FOLLOWER  # its link is gone (merged away): the public page's
        elif kind == MailingKind.PROBLEM and subscription.kind == Kind.CONCERN:
            # A reporter or supporter of one of its concerns: the link stops this problem only.
            if subscription.email in self.stopped:
                return None, "unsubscribed"
            role = subscription.role
            problem_id = self.context["problem"].pk
            unsubscribe = self.links.unsubscribe(subscription, problem_id=problem_id)
        values = {
            "to": subscription.email,
            "manage": self.links.manage(subscription),
            "unsubscribe": unsubscribe,
            "track": track,
            "id": str(delivery.pk),
        }
        return Outgoing(self._draft(subscription.language, items, role), values), ""


# -- Sending -------------------------------------------------------------------------------------

# Where each recipient's own details go in a draft: plain ASCII words that survive the
# standard library's header and body encoding unchanged.
MARKS = {
    "to": "obmark-recipient@openbeat.invalid",
    "manage": "OBMARKMANAGELINK",
    "unsubscribe": "OBMARKUNSUBSCRIBELINK",
    "track": "OBMARKTRACKLINK",
    "id": "OBMARKDELIVERY",
}
# Lines up to RFC 5322's hard limit: folded at 78 the standard library would turn a long
# List-Unsubscribe URL into encoded words, which mail programs do not read as a link.
POLICY = email.policy.SMTP.clone(max_line_length=998)
LONGEST_8BIT_LINE = 900


class Draft:
    """One rendered email, with a mark where each recipient's address, links and Message-ID go.

    For SMTP it is flattened to bytes once (by the standard library) and each recipient's
    email is those bytes with the marks replaced: building a whole message per recipient cost
    more than sending it. When a mark does not survive the encoding (a body that needs
    quoted-printable), each email is built whole instead.
    """

    def __init__(self, subject, body, headers, html=None, sender=None):
        self.subject, self.body, self.headers, self.html = subject, body, headers, html
        self.sender = sender or settings.DEFAULT_FROM_EMAIL
        self._template = None

    def _fill_text(self, text, values):
        for name, value in values.items():
            text = text.replace(MARKS[name], value)
        return text

    def _flatten(self, values):
        message = MIMEMessage(policy=POLICY)
        message["Subject"] = self.subject
        message["From"] = self.sender
        message["To"] = values["to"]
        message["Date"] = formatdate()
        for name, value in self.headers.items():
            message[name] = self._fill_text(value, values)
        body = self._fill_text(self.body, values)
        message.set_content(body, cte=_transfer_encoding(body))
        if self.html is not None:  # multipart/alternative: the text first, the HTML preferred
            html = self._fill_text(self.html, values)
            message.add_alternative(html, subtype="html", cte=_transfer_encoding(html))
        return message.as_bytes()

    def as_bytes(self, values):
        if self._template is None:
            template = self._flatten(MARKS)
            used = [
                mark
                for name, mark in MARKS.items()
                if name == "to"
                or mark in self.body
                or mark in (self.html or "")
                or any(mark in value for value in self.headers.values())
            ]
            whole = all(mark.encode() in template for mark in used)
            self._template = template if whole else b""
        if not self._template:
            return self._flatten(values)
        data = self._template
        for name, value in values.items():
            data = data.replace(MARKS[name].encode(), value.encode())
        return data

    def as_django_message(self, values):
        headers = {name: self._fill_text(value, values) for name, value in self.headers.items()}
        body = self._fill_text(self.body, values)
        message = EmailMultiAlternatives(
            self.subject, body, from_email=self.sender, to=[values["to"]], headers=headers
        )
        if self.html is not None:
            message.attach_alternative(self._fill_text(self.html, values), "text/html")
        return message


def _transfer_encoding(text):
    long_lines = max(map(len, text.splitlines() or [""])) > LONGEST_8BIT_LINE
    return "quoted-printable" if long_lines else "8bit"


Outgoing = collections.namedtuple("Outgoing", "draft values")


class Transport:
    """Sends drafts through the configured email backend: straight through the open connection
    of Django's SMTP backend, or as Django messages to any other (the console in the demo) and
    for an address that is not plain ASCII (the SMTP backend encodes its domain)."""

    def __init__(self):
        self.backend = get_connection()
        self.direct = isinstance(self.backend, SMTPBackend)
        self.envelope_sender = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]

    def open(self):
        self.backend.open()

    def close(self):
        self.backend.close()

    def send(self, outgoing):
        to = outgoing.values["to"]
        if not self.direct or not to.isascii():
            self.backend.send_messages([outgoing.draft.as_django_message(outgoing.values)])
            return
        if self.backend.connection is None:
            self.backend.open()
        data = outgoing.draft.as_bytes(outgoing.values)
        self.backend.connection.sendmail(self.envelope_sender, [to], data)


class Outage(Exception):
    """The SMTP server could not be reached or refused for now: try the rest later."""


def _send_one(smtp, message, delivery):
    """Send; mark SENT only once the server accepted. A permanent refusal of the address is a
    bounce (suppressed for good); anything temporary raises Outage."""
    try:
        smtp.send(message)
    except smtplib.SMTPRecipientsRefused as exc:
        code = next(iter(exc.recipients.values()))[0] if exc.recipients else 0
        if 500 <= code < 600:
            suppress(delivery.subscription.email, f"{code} refused by the mail server")
            _mark(delivery, DeliveryStatus.FAILED, f"{code} address refused")
            return DeliveryStatus.FAILED
        raise Outage(str(exc)) from exc
    except smtplib.SMTPResponseException as exc:
        if 500 <= exc.smtp_code < 600 and not isinstance(exc, smtplib.SMTPServerDisconnected):
            _mark(delivery, DeliveryStatus.FAILED, f"{exc.smtp_code} message refused")
            return DeliveryStatus.FAILED
        raise Outage(str(exc)) from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise Outage(str(exc)) from exc
    _mark(delivery, DeliveryStatus.SENT)
    return DeliveryStatus.SENT


@contextlib.contextmanager
def _marks_without_fsync():
    """See the module docstring: what a power cut may cost (a resend), and why it is worth it."""
    vendor = connection.vendor
    if connection.in_atomic_block or vendor not in ("sqlite", "postgresql"):
        yield
        return
    with connection.cursor() as cursor:
        if vendor == "sqlite":
            cursor.execute("PRAGMA synchronous")
            before = cursor.fetchone()[0]
            cursor.execute("PRAGMA synchronous=NORMAL")
        else:
            cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if vendor == "sqlite":
                cursor.execute(f"PRAGMA synchronous={int(before)}")
            else:
                cursor.execute("RESET synchronous_commit")


def _send_batches(mailing, worker, budget):
    """Claim, build, send and mark batches until `budget` emails were sent or none are left."""
    composer = None
    smtp = Transport()
    done = 0
    try:
        while done < budget:
            batch = claim(mailing.pk, worker, min(BATCH, budget - done))
            if not batch:
                break
            if composer is None:
                composer = Composer(mailing)
                smtp.open()  # one connection for the whole share, not one per email
            else:
                composer.refresh()
            composer.prepare(batch)
            pending = list(reversed(batch))
            try:
                while pending:
                    delivery = pending[-1]
                    if delivery.attempts > MAX_ATTEMPTS:
                        _mark(delivery, DeliveryStatus.FAILED, "gave up after repeated outages")
                    else:
                        message, why = composer.build(delivery)
                        if message is None:
                            _mark(delivery, DeliveryStatus.SKIPPED, why)
                        else:
                            _send_one(smtp, message, delivery)
                            done += 1
                    pending.pop()
            except Outage as exc:
                return done, exc
            finally:
                _release(pending)
    finally:
        smtp.close()
    return done, None


def send_some(mailing_id, budget=TASK_BUDGET, worker=None):
    """Send up to `budget` of a mailing's emails. Returns (sent, rows still queued, outage)."""
    mailing = Mailing.objects.select_related("agency", "announcement").get(pk=mailing_id)
    reclaim_abandoned(mailing_id)
    with _marks_without_fsync():
        done, outage = _send_batches(mailing, worker or worker_name(), budget)
    counts = progress(mailing)
    if not counts["remaining"]:
        Mailing.objects.filter(pk=mailing_id, finished_at__isnull=True).update(
            finished_at=timezone.now()
        )
    # Rows another live worker holds are its to finish: only QUEUED ones need a successor.
    return done, counts["queued"], outage


def retry_delay(mailing_id):
    attempts = (
        Delivery.objects.filter(mailing_id=mailing_id, status=DeliveryStatus.QUEUED)
        .order_by("-attempts")
        .values_list("attempts", flat=True)
        .first()
        or 0
    )
    return datetime.timedelta(seconds=RETRY_DELAYS[min(attempts, len(RETRY_DELAYS) - 1)])


# -- Progress ------------------------------------------------------------------------------------


def progress(mailing):
    """Counts for staff and the CLI: total, sent, failed, skipped, remaining."""
    counts = dict(
        Delivery.objects.filter(mailing=mailing)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    total = sum(counts.values())
    remaining = counts.get(DeliveryStatus.QUEUED, 0) + counts.get(DeliveryStatus.SENDING, 0)
    return {
        "total": total,
        "sent": counts.get(DeliveryStatus.SENT, 0),
        "failed": counts.get(DeliveryStatus.FAILED, 0),
        "skipped": counts.get(DeliveryStatus.SKIPPED, 0),
        "remaining": remaining,
        "queued": counts.get(DeliveryStatus.QUEUED, 0),
        "planned": mailing.planned_at is not None,
        "finished": mailing.finished_at is not None,
        "percent": 100 if not total else round(100 * (total - remaining) / total),
    }


@task()
def plan_mailing(mailing_id):
    plan(mailing_id)


@task()
def send_mailing(mailing_id):
    """Send a share of a mailing, then hand on to a successor while emails remain, so one big
    fan-out never holds a worker for long and other email is sent between its batches."""
    _sent, left, outage = send_some(mailing_id)
    if outage is not None:
        if not send_mailing.get_backend().supports_defer:
            raise RuntimeError(f"Mailing {mailing_id}: the mail server failed: {outage}")
        later = timezone.now() + retry_delay(mailing_id)
        send_mailing.using(run_after=later).enqueue(mailing_id)
        return
    if left:
        send_mailing.enqueue(mailing_id)
