"""The write paths of outreach: subscriptions, follows, announcements and the mailings they start.

Residents' writes (subscribe, confirm, change preferences, unsubscribe, follow) need no account:
the emailed token is the key. Staff writes are scoped by the caller (views use core.access) and
every one is audited.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from openbeat.concerns.models import Concern, ConcernUpdate
from openbeat.core import audit, audit_events, translated
from openbeat.core.background import enqueue_with_write, task
from openbeat.core.mail import suppress
from openbeat.core.models import Agency, Area, Suppression
from openbeat.core.refusals import refusal
from openbeat.outreach import links
from openbeat.outreach.delivery import concern_followers, plan_mailing, problem_followers
from openbeat.outreach.models import (
    ROLE_STRENGTH,
    Announcement,
    AnnouncementStatus,
    Delivery,
    Frequency,
    Kind,
    Mailing,
    MailingKind,
    Role,
    Subscription,
    SubscriptionStatus,
    Topic,
    new_token,
)
from openbeat.outreach.tasks import send_subscription_notice
from openbeat.problems.models import PhaseChange, Problem

if TYPE_CHECKING:
    from openbeat.core.access import Actor
    from openbeat.problems.models import PhaseChange, Problem

# -- Residents: subscriptions and follows ----------------------------------------------------


def clean_email(raw: str | None) -> str:
    email = (raw or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise refusal("email", _("Enter an email address such as name@example.org.")) from None
    return email


def _bounced(email: str) -> bool:
    """An address a mail server refused for good: asked for, it is answered like any other
    (`core.emailforms`: saying so would tell a stranger it bounced), and nothing is stored or
    sent."""
    return Suppression.objects.filter(email=email).exists()


def _check_choices(
    agency: Agency, areas: Sequence[Area], topics: Sequence[Topic], frequency: str
) -> None:
    errors: dict[str, str] = {}
    if any(area.agency_id != agency.pk for area in areas):
        errors["areas"] = _("Choose areas from the list for this agency.")
    if any(topic.agency_id != agency.pk for topic in topics):
        errors["topics"] = _("Choose topics from the list for this agency.")
    if frequency not in Frequency.values:
        errors["frequency"] = _("Choose how often: each announcement, or a weekly digest.")
    if errors:
        raise refusal(errors)


def _ask_to_confirm(subscription: Subscription, template: str) -> None:
    enqueue_with_write(send_subscription_notice, subscription.pk, template)


def subscribe(
    agency: Agency,
    email: str | None,
    areas: Iterable[Area] = (),
    topics: Iterable[Topic] = (),
    frequency: str = Frequency.IMMEDIATE,
    language: str = "en",
) -> tuple[Subscription | None, str]:
    """Ask for an agency's announcements. Returns (subscription, outcome).

    Nothing but the confirmation email is sent until the address confirms ("new"). Asking again
    changes nothing: a waiting subscription gets its confirmation again ("pending"), an active
    one a note with its preferences link ("already"), so the page never tells a stranger
    whether an address is subscribed (`core.emailforms`); an address that bounced gets nothing
    ("bounced"). An address that unsubscribed may opt in again.
    """
    email = clean_email(email)
    area_list, topic_list = list(areas), list(topics)
    _check_choices(agency, area_list, topic_list, frequency)
    if _bounced(email):
        return None, "bounced"
    try:
        with transaction.atomic():
            existing = (
                Subscription.objects.select_for_update()
                .filter(agency=agency, kind=Kind.NEWS, email=email)
                .first()
            )
            if existing is not None and existing.status == SubscriptionStatus.ACTIVE:
                _ask_to_confirm(existing, "already")
                return existing, "already"
            if existing is not None and existing.status == SubscriptionStatus.PENDING:
                _ask_to_confirm(existing, "confirm")
                return existing, "pending"
            subscription = existing or Subscription(agency=agency, kind=Kind.NEWS, email=email)
            subscription.status = SubscriptionStatus.PENDING
            subscription.frequency = frequency
            subscription.language = language
            subscription.unsubscribed_at = None
            subscription.save()
            subscription.areas.set(area_list)
            subscription.topics.set(topic_list)
            _ask_to_confirm(subscription, "confirm")
    except IntegrityError:  # the same address, twice at once: the other request made it
        existing = Subscription.objects.get(agency=agency, kind=Kind.NEWS, email=email)
        return existing, "pending"
    return subscription, "new"


def _stronger(role: str, other: str) -> str:
    return role if ROLE_STRENGTH[role] <= ROLE_STRENGTH[other] else other


def follow(
    target: Concern | Problem, email: str | None, language: str = "en"
) -> tuple[Subscription | None, str]:
    """Follow one concern or problem by email (double opt-in, like every subscription)."""
    email = clean_email(email)
    if _bounced(email):
        return None, "bounced"
    kind = Kind.CONCERN if isinstance(target, Concern) else Kind.PROBLEM
    lookup: dict[str, Any] = {"kind": kind, kind: target, "email": email}
    try:
        with transaction.atomic():
            existing = Subscription.objects.select_for_update().filter(**lookup).first()
            if existing is not None and existing.status == SubscriptionStatus.ACTIVE:
                _ask_to_confirm(existing, "already")
                return existing, "already"
            if existing is not None and existing.status == SubscriptionStatus.PENDING:
                _ask_to_confirm(existing, "confirm")
                return existing, "pending"
            subscription = existing or Subscription(agency=target.agency, **lookup)
            subscription.role = _stronger(subscription.role, Role.FOLLOWER)
            subscription.status = SubscriptionStatus.PENDING
            subscription.language = language
            subscription.unsubscribed_at = None
            subscription.save()
            _ask_to_confirm(subscription, "confirm")
    except IntegrityError:
        return Subscription.objects.get(**lookup), "pending"
    return subscription, "new"


def add_follower(
    target: Concern | Problem, email: str, *, role: str, language: str
) -> Subscription:
    """The one opt-in rule, for the addresses that need no second email: the reporter's (the
    report is their act) and a supporter's once it confirmed its "me too" from the emailed
    link. Everyone else follows by `follow` (double opt-in).

    The address follows from now on, whatever it did before on this concern or problem (the
    confirmed act is the newer wish); one address has one subscription per concern or problem,
    holding its stronger role (`ROLE_STRENGTH`).
    """
    email = email.strip().lower()
    kind = Kind.CONCERN if isinstance(target, Concern) else Kind.PROBLEM
    lookup = {"kind": kind, kind: target, "email": email}
    now = timezone.now()
    for _attempt in range(2):
        try:
            with transaction.atomic():
                subscription = Subscription.objects.select_for_update().filter(**lookup).first()
                if subscription is None:
                    subscription = Subscription(agency=target.agency, role=role, **lookup)
                else:
                    role = _stronger(subscription.role, role)
                    if role != subscription.role:
                        subscription.role = role
                    elif subscription.status == SubscriptionStatus.ACTIVE:
                        return subscription  # already following, as strongly
                subscription.language = language[:8]
                subscription.status = SubscriptionStatus.ACTIVE
                subscription.confirmed_at = subscription.confirmed_at or now
                subscription.unsubscribed_at = None
                subscription.save()
                return subscription
        except IntegrityError:  # the same address at once from another request: update it
            continue
    raise RuntimeError(f"could not record {kind} follower")


def stop_following_problem(problem: Problem, email: str, *, role: str = Role.FOLLOWER) -> bool:
    """No more email about one problem to this address, however it came to follow it (its own
    subscription, or a concern it reported or supports). Returns False when it had stopped."""
    email = email.strip().lower()
    lookup = {"kind": Kind.PROBLEM, "problem": problem, "email": email}
    with transaction.atomic():
        subscription = Subscription.objects.select_for_update().filter(**lookup).first()
        if subscription is not None:
            return unsubscribe(subscription)
        try:
            with transaction.atomic():
                Subscription.objects.create(
                    agency=problem.agency,
                    role=role,
                    status=SubscriptionStatus.UNSUBSCRIBED,
                    unsubscribed_at=timezone.now(),
                    **lookup,
                )
        except IntegrityError:  # stopped at the same moment by another request
            return False
    return True


def move_followers(duplicate: Concern, original: Concern) -> int:
    """A duplicate merged into its original: its supporters follow the original instead (their
    confirmed act carries over); its reporter and those who asked to follow it stay. Returns
    how many addresses moved."""
    moved = 0
    supporters = Subscription.objects.filter(
        kind=Kind.CONCERN,
        concern=duplicate,
        role=Role.SUPPORTER,
        status=SubscriptionStatus.ACTIVE,
        email__isnull=False,
    )
    for subscription in supporters.select_for_update():
        assert subscription.email is not None  # the query asked for an address
        add_follower(
            original, subscription.email, role=Role.SUPPORTER, language=subscription.language
        )
        subscription.status = SubscriptionStatus.UNSUBSCRIBED
        subscription.unsubscribed_at = timezone.now()
        subscription.save(update_fields=["status", "unsubscribed_at"])
        moved += 1
    return moved


def forget_followers(concern: Concern, roles: Iterable[str]) -> int:
    """Remove the addresses of a concern's followers of these roles (the retention job and a
    reporter's "delete my data", `retention.actions.anonymise`): the rows stay, unsubscribed,
    with no address and a new token, so old links lead nowhere. Returns how many."""
    ids = list(
        Subscription.objects.filter(
            kind=Kind.CONCERN, concern=concern, role__in=list(roles), email__isnull=False
        ).values_list("pk", flat=True)
    )
    Delivery.objects.filter(subscription_id__in=ids).exclude(error="").update(error="")
    for pk in ids:
        Subscription.objects.filter(pk=pk).update(
            email=None,
            token=new_token(),
            status=SubscriptionStatus.UNSUBSCRIBED,
            unsubscribed_at=Coalesce(F("unsubscribed_at"), Value(timezone.now())),
        )
    return len(ids)


def confirm(subscription: Subscription) -> bool:
    """The address proved it wants the email. Returns False when there was nothing to confirm."""
    with transaction.atomic():
        subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
        if subscription.status != SubscriptionStatus.PENDING:
            return False
        subscription.status = SubscriptionStatus.ACTIVE
        subscription.confirmed_at = timezone.now()
        subscription.save(update_fields=["status", "confirmed_at"])
    return True


def update_preferences(
    subscription: Subscription, areas: Iterable[Area], topics: Iterable[Topic], frequency: str
) -> None:
    """Change what an active subscription receives."""
    if subscription.status != SubscriptionStatus.ACTIVE:
        raise refusal(
            None, _("This subscription is not active: confirm it first, or subscribe again.")
        )
    area_list, topic_list = list(areas), list(topics)
    _check_choices(subscription.agency, area_list, topic_list, frequency)
    with transaction.atomic():
        subscription.frequency = frequency
        subscription.save(update_fields=["frequency"])
        subscription.areas.set(area_list)
        subscription.topics.set(topic_list)


def unsubscribe(subscription: Subscription) -> bool:
    """Stop all email from this subscription. Returns False when it had already stopped."""
    with transaction.atomic():
        subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
        if subscription.status == SubscriptionStatus.UNSUBSCRIBED:
            return False
        subscription.status = SubscriptionStatus.UNSUBSCRIBED
        subscription.unsubscribed_at = timezone.now()
        subscription.save(update_fields=["status", "unsubscribed_at"])
    return True


def unsubscribe_by_link(token: str) -> tuple[str, Subscription | None]:
    """The one-click unsubscribe: "done", "already" (stopped before) or "gone" (no longer
    exists, so nothing is sent to it either). A forged link raises signing.BadSignature.

    A problem's email to the reporter or a supporter of one of its concerns carries a link
    that stops that problem's email only: the concern's own updates go on."""
    subscription_id, email, problem_id = links.read_unsubscribe_token(token)
    if problem_id is not None:
        problem = Problem.objects.filter(pk=problem_id).first()
        follows = Subscription.objects.filter(pk=subscription_id, email=email).first()
        if problem is None or follows is None:
            return "gone", None
        done = stop_following_problem(problem, email, role=follows.role)
        stopped = Subscription.objects.get(kind=Kind.PROBLEM, problem=problem, email=email)
        return ("done" if done else "already"), stopped
    subscription = Subscription.objects.filter(pk=subscription_id, email=email).first()
    if subscription is None:
        return "gone", None
    return ("done" if unsubscribe(subscription) else "already"), subscription


def record_bounce(email: str, reason: str) -> None:
    """A mail server refused this address for good: nothing is ever sent to it again."""
    suppress(email, reason)


PENDING_KEPT = datetime.timedelta(days=7)


def forget_unconfirmed(now: datetime.datetime | None = None) -> int:
    """Addresses that never confirmed are not kept: removed a week after they were given."""
    cutoff = (now or timezone.now()) - PENDING_KEPT
    deleted, _counts = Subscription.objects.filter(
        status=SubscriptionStatus.PENDING, created_at__lt=cutoff
    ).delete()
    return deleted


# -- Staff: announcements ----------------------------------------------------------------------


def _announcement_snapshot(announcement: Announcement) -> dict[str, Any] | None:
    return audit.snapshot(announcement)


def save_announcement(
    announcement: Announcement,
    fields: Mapping[str, Any],
    areas: Iterable[Area] = (),
    topics: Iterable[Topic] = (),
    *,
    acting_user: Actor | None,
) -> Announcement:
    """Create or edit an announcement's text and audience; sending is a separate step.

    Areas, topics and programme must be the announcement's own agency's.
    """
    errors: dict[str, str] = {}
    title = (fields.get("title") or "").strip()
    body = (fields.get("body") or "").strip()
    if not title:
        errors["title"] = _("Give the announcement a title.")
    if not body:
        errors["body"] = _("Write the announcement's text.")
    agency = announcement.agency
    programme = fields.get("programme")
    if programme is not None and programme.agency_id != agency.pk:
        errors["programme"] = _("Choose one of your agency's programs.")
    area_list, topic_list = list(areas), list(topics)
    if any(a.agency_id != agency.pk for a in area_list):
        errors["areas"] = _("Choose areas from the list for this agency.")
    if any(t.agency_id != agency.pk for t in topic_list):
        errors["topics"] = _("Choose topics from the list for this agency.")
    if announcement.status == AnnouncementStatus.WITHDRAWN:
        errors["title"] = _("A withdrawn announcement cannot be changed; write a new one.")
    if errors:
        raise refusal(errors)
    with transaction.atomic():
        is_new = announcement.pk is None
        before = None if is_new else _announcement_snapshot(announcement)
        translated.write(
            announcement,
            {
                "title": title[:200],
                "body": body,
                "title_es": (fields.get("title_es") or "")[:200],
                "body_es": fields.get("body_es") or "",
            },
        )
        announcement.programme = programme
        if is_new:
            announcement.created_by = acting_user if isinstance(acting_user, User) else None
        announcement.save()
        announcement.areas.set(area_list)
        announcement.topics.set(topic_list)
        audit.record(
            acting_user,
            audit_events.ANNOUNCEMENT_CREATE if is_new else audit_events.ANNOUNCEMENT_UPDATE,
            announcement,
            before=before,
            after=_announcement_snapshot(announcement),
        )
    return announcement


def publish(
    announcement: Announcement, at: datetime.datetime | None = None, *, acting_user: Actor | None
) -> Announcement:
    """Publish now (the page, the feeds, and email to immediate subscribers), or schedule it.

    An announcement is mailed once: publishing cannot be repeated, only withdrawn.
    """
    now = timezone.now()
    if announcement.status not in (AnnouncementStatus.DRAFT, AnnouncementStatus.SCHEDULED):
        raise refusal(
            None,
            _("This announcement is %(status)s: only a draft or a scheduled one can be published.")
            % {"status": announcement.get_status_display().lower()},
        )
    if at is not None and at <= now:
        raise refusal("publish_at", _("Choose a time in the future, or publish now."))
    with transaction.atomic():
        announcement = Announcement.objects.select_for_update().get(pk=announcement.pk)
        before = _announcement_snapshot(announcement)
        if at is None:
            _publish_now(announcement, now)
        else:
            announcement.status = AnnouncementStatus.SCHEDULED
            announcement.publish_at = at
            announcement.save(update_fields=["status", "publish_at", "updated_at"])
            backend = publish_when_due.get_backend()
            if backend.supports_defer:
                # Committed with the schedule; `openbeat outreach-tick` also publishes it.
                publish_when_due.using(run_after=at).enqueue(announcement.pk)
        audit.record(
            acting_user,
            audit_events.ANNOUNCEMENT_PUBLISH if at is None else audit_events.ANNOUNCEMENT_SCHEDULE,
            announcement,
            before=before,
            after=_announcement_snapshot(announcement),
        )
    return announcement


def _publish_now(announcement: Announcement, now: datetime.datetime) -> Mailing:
    announcement.status = AnnouncementStatus.PUBLISHED
    announcement.published_at = now
    announcement.save(update_fields=["status", "published_at", "updated_at"])
    mailing, created = Mailing.objects.get_or_create(
        kind=MailingKind.ANNOUNCEMENT,
        announcement=announcement,
        defaults={"agency": announcement.agency},
    )
    if created:
        enqueue_with_write(plan_mailing, mailing.pk)
    return mailing


def tick(now: datetime.datetime | None = None) -> dict[str, int]:
    """The worker's periodic outreach round (settings.PERIODIC_JOBS, and `openbeat
    outreach-tick`): publish what is due, start the week's digests, forget addresses that never
    confirmed. Idempotent: every worker runs it every few minutes."""
    return {
        "published": publish_due(now),
        "digests": len(start_digests(now)),
        "forgotten": forget_unconfirmed(now),
    }


def publish_due(now: datetime.datetime | None = None) -> int:
    """Publish every scheduled announcement whose time has come; returns how many."""
    now = now or timezone.now()
    done = 0
    for pk in Announcement.objects.filter(
        status=AnnouncementStatus.SCHEDULED, publish_at__lte=now
    ).values_list("pk", flat=True):
        with transaction.atomic():
            announcement = Announcement.objects.select_for_update().get(pk=pk)
            if announcement.status != AnnouncementStatus.SCHEDULED:
                continue  # published or withdrawn meanwhile
            _publish_now(announcement, now)
            audit.record(
                None, audit_events.ANNOUNCEMENT_PUBLISH, announcement, after={"scheduled": True}
            )
            done += 1
    return done


def withdraw(announcement: Announcement, *, acting_user: Actor | None) -> None:
    """Take an announcement down: its page and feed entries go, and emails not yet built are not
    sent (each message is built from the announcement as it is when its batch is claimed)."""
    if announcement.status == AnnouncementStatus.WITHDRAWN:
        raise refusal(None, _("This announcement is already withdrawn."))
    with transaction.atomic():
        before = _announcement_snapshot(announcement)
        announcement.status = AnnouncementStatus.WITHDRAWN
        announcement.save(update_fields=["status", "updated_at"])
        audit.record(
            acting_user,
            audit_events.ANNOUNCEMENT_WITHDRAW,
            announcement,
            before=before,
            after=_announcement_snapshot(announcement),
        )


# -- Mailings started by other parts of OpenBeat -------------------------------------------------


def _start_mailing(agency: Agency, kind: str, **target: Any) -> Mailing:
    mailing = Mailing.objects.create(agency=agency, kind=kind, **target)
    enqueue_with_write(plan_mailing, mailing.pk)
    return mailing


def concern_updated(concern: Concern, update: ConcernUpdate, *, role: str = "") -> Mailing | None:
    """A public update of a concern: its followers are emailed (those of one `role` only, when
    given), one email each."""
    if not concern_followers(concern.pk, role).exists():
        return None
    return _start_mailing(concern.agency, MailingKind.CONCERN, concern_update=update, role=role)


def problem_phase_changed(problem: Problem, change: PhaseChange) -> Mailing | None:
    """A problem moved along SARA: its followers are emailed, one email per address."""
    if not problem_followers(problem.pk):
        return None
    return _start_mailing(problem.agency, MailingKind.PROBLEM, phase_change=change)


def start_digests(now: datetime.datetime | None = None) -> list[Mailing]:
    """Start this week's digest for each agency with weekly subscribers (once per week, however
    often it is called). Each covers what was published since the agency's previous digest."""
    now = now or timezone.now()
    started = []
    agency_ids = (
        Subscription.objects.filter(
            kind=Kind.NEWS, status=SubscriptionStatus.ACTIVE, frequency=Frequency.WEEKLY
        )
        .values_list("agency_id", flat=True)
        .distinct()
    )
    for agency in Agency.objects.filter(pk__in=list(agency_ids)):
        local = timezone.localtime(now, agency.tz).date()
        monday = local - datetime.timedelta(days=local.weekday())
        previous = (
            Mailing.objects.filter(agency=agency, kind=MailingKind.DIGEST)
            .order_by("-created_at")
            .values_list("created_at", flat=True)
            .first()
        )
        try:
            with transaction.atomic():
                mailing = _start_mailing(
                    agency,
                    MailingKind.DIGEST,
                    period_start=monday,
                    covers_from=previous or now - datetime.timedelta(days=7),
                    created_at=now,
                )
        except IntegrityError:
            continue  # this week's digest was started already
        started.append(mailing)
    return started


@task()
def publish_when_due(announcement_id: int) -> None:
    publish_due()
