"""Retention: closed concerns are anonymised when their category's period ends, unless held;
a reporter may ask for the same at any time ("delete my data"). Email subscriptions that ended
and volunteers of long-past shifts lose their address and name after
OPENBEAT_RETENTION_CONTACT_MONTHS, in the same daily job.

Anonymising keeps the record and its public status history, and removes what identifies the
reporter: name, email, phone, the tracking link, the exact spot beyond what the public map
shows, photos (files too), the reporter's own text and answers, and the same text in the audit
log's before/after copies.

Removed text is stored empty, in no language: a concern's description and a contest's reason
are never empty otherwise, so the pages show "removed" in the reader's language
(concerns/_removed.html).
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from openbeat.concerns.models import (
    Category,
    Concern,
    ConcernUpdate,
    Photo,
    Supporter,
    UpdateKind,
    new_token,
)
from openbeat.core import audit, audit_events
from openbeat.core.background import task
from openbeat.core.models import Agency, AuditEvent, Suppression
from openbeat.core.refusals import refusal
from openbeat.open311 import items as open311_items
from openbeat.outreach import models as outreach
from openbeat.outreach.actions import forget_followers
from openbeat.projects import models as projects
from openbeat.retention.models import Anonymisation, LegalHold, Reason, RetentionRule, RetentionRun

if TYPE_CHECKING:
    from openbeat.core.access import Actor

REMOVED = ""
REPORTER_TEXT_FIELDS = ("description", "location_text")
MAX_MONTHS = 1200


class Held(Exception):
    """The concern is under a legal hold: it stays as it is."""


def retention_rules(agency: Agency) -> list[tuple[Category, int | None]]:
    """Each of the agency's categories with its months (None: kept)."""
    months = dict(
        RetentionRule.objects.filter(agency=agency).values_list(
            "category_id", "months_after_closing"
        )
    )
    return [(c, months.get(c.pk)) for c in Category.objects.filter(agency=agency)]


def set_retention(
    agency: Agency, months_by_category: Mapping[int, int | None], *, acting_user: Actor | None
) -> None:
    """Save the agency's retention periods; {category id: months or None}."""
    categories = {c.pk: c for c in Category.objects.filter(agency=agency)}
    for category_id, months in months_by_category.items():
        if category_id not in categories:
            raise refusal(None, _("That category is not one of your agency's."))
        if months is not None and not 1 <= months <= MAX_MONTHS:
            raise refusal(
                None,
                _("Keep closed concerns for 1 to 1200 months, or leave it blank to keep them."),
            )
    with transaction.atomic():
        for category_id, months in months_by_category.items():
            rule = RetentionRule.objects.filter(category_id=category_id).first()
            if rule is None and months is None:
                continue  # kept, as before
            rule = rule or RetentionRule(category_id=category_id, agency=agency)
            if rule.pk and rule.months_after_closing == months:
                continue
            before = audit.snapshot(rule)
            rule.months_after_closing = months
            rule.save()
            audit.record(
                acting_user,
                audit_events.RETENTION_RULE,
                rule,
                before=before,
                after=audit.snapshot(rule),
            )


def place_hold(concern: Concern, reason: str | None, *, acting_user: Actor | None) -> LegalHold:
    reason = (reason or "").strip()
    if not reason:
        raise refusal("reason", _("Say why the concern is held (e.g. the case number)."))
    with transaction.atomic():
        hold, created = LegalHold.objects.get_or_create(
            concern=concern,
            defaults={
                "agency": concern.agency,
                "reason": reason[:300],
                "placed_by": acting_user if isinstance(acting_user, User) else None,
            },
        )
        if created:
            audit.record(
                acting_user, audit_events.CONCERN_HOLD, concern, after={"reason": hold.reason}
            )
    return hold


def release_hold(concern: Concern, reason: str | None, *, acting_user: Actor | None) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise refusal("reason", _("Say why the hold ends."))
    with transaction.atomic():
        hold = LegalHold.objects.filter(concern=concern).first()
        if hold is not None:
            before = {"reason": hold.reason, "placed_at": hold.placed_at.isoformat()}
            hold.delete()
            audit.record(
                acting_user,
                audit_events.CONCERN_HOLD_RELEASED,
                concern,
                before=before,
                after={"reason": reason},
            )


def anonymise(concern: Concern, reason: str, *, acting_user: Actor | None = None) -> bool:
    """Remove what identifies the concern's reporter; False when there was nothing left to do.

    Raises Held under a legal hold. Photo files are deleted once the transaction commits.
    """
    with transaction.atomic():
        concern = Concern.objects.select_for_update().select_related("category").get(pk=concern.pk)
        if LegalHold.objects.filter(concern=concern).exists():
            raise Held(concern.pk)
        if Anonymisation.objects.filter(concern=concern).exists():
            return False
        point = concern.public_point()
        concern.reporter_name = concern.reporter_email = concern.reporter_phone = ""
        concern.description = REMOVED
        concern.location_text = ""
        concern.latitude, concern.longitude = point if point else (None, None)
        concern.attributes = {}
        concern.media_url = ""
        concern.form_nonce = None
        concern.tracking_token = new_token()  # the old link no longer leads to it
        concern.save()
        # The reporter's own words after closing (a contest) go too; staff updates stay.
        ConcernUpdate.objects.filter(concern=concern, kind=UpdateKind.CONTEST).update(body=REMOVED)
        open311_items.refresh([concern.pk])  # a contest can be its status note
        # The reporter's address follows the concern no more; on retention, the supporters'
        # neither (followers of a long-closed concern are not kept).
        roles = [outreach.Role.REPORTER]
        if reason == Reason.RETENTION:
            Supporter.objects.filter(concern=concern).update(email="")
            roles.append(outreach.Role.SUPPORTER)
        forget_followers(concern, roles)
        files = [p.image.name for p in Photo.objects.filter(concern=concern) if p.image.name]
        removed_photos = Photo.objects.filter(concern=concern).delete()[0]
        _scrub_audit_copies(concern)
        Anonymisation.objects.create(concern=concern, agency=concern.agency, reason=reason)
        audit.record(
            acting_user,
            audit_events.CONCERN_ANONYMISED,
            concern,
            after={"reason": reason, "photos_removed": removed_photos},
        )
        storage = Photo._meta.get_field("image").storage

        def delete_files() -> None:
            for name in files:
                storage.delete(name)

        transaction.on_commit(delete_files)
    return True


def _scrub_audit_copies(concern: Concern) -> None:
    events = AuditEvent.objects.filter(object_type="concerns.concern", object_id=str(concern.pk))
    for event in events:
        changed = False
        for side in ("before", "after"):
            data = getattr(event, side)
            if isinstance(data, dict):
                for name in (*REPORTER_TEXT_FIELDS, "latitude", "longitude", "attributes"):
                    if name in data:
                        data[name] = REMOVED if name in REPORTER_TEXT_FIELDS else None
                        changed = True
        if changed:
            event.save(update_fields=["before", "after"])


def expired(now: datetime.datetime | None = None) -> QuerySet[Concern]:
    """Closed concerns whose category's retention period has ended, not held, not yet done."""
    now = now or timezone.now()
    due = Q(pk__in=[])
    for rule in RetentionRule.objects.filter(months_after_closing__isnull=False):
        cutoff = now - relativedelta(months=rule.months_after_closing or 0)
        due |= Q(category_id=rule.category_id, closed_at__lt=cutoff)
    return (
        Concern.objects.filter(due, closed_at__isnull=False)
        .filter(legal_hold__isnull=True, anonymisation__isnull=True)
        .order_by("pk")
    )


def run_retention(dry_run: bool = False, now: datetime.datetime | None = None) -> list[int]:
    """Anonymise every expired concern; the ids it anonymised (or would, in a dry run).

    Idempotent: a concern done once is skipped, so a second run changes nothing.
    """
    ids = list(expired(now).values_list("pk", flat=True))
    done = []
    if not dry_run:
        for concern in Concern.objects.filter(pk__in=ids):
            try:
                if anonymise(concern, Reason.RETENTION):
                    done.append(concern.pk)
            except Held:
                continue  # held since the list was made
    if not dry_run:
        forget_contacts(now)
    RetentionRun.objects.create(dry_run=dry_run, anonymised=len(done))
    return ids if dry_run else done


def _contact_cutoff(now: datetime.datetime | None) -> datetime.datetime:
    return (now or timezone.now()) - relativedelta(
        months=settings.OPENBEAT_RETENTION_CONTACT_MONTHS
    )


def ended_subscriptions(now: datetime.datetime | None = None) -> QuerySet[outreach.Subscription]:
    """Subscriptions that still hold an address and ended before the contact period:
    unsubscribed then, or sent to an address whose mail server refused it then.

    Except a problem's "no more of this problem" while the address still follows one of its
    concerns as reporter or supporter: forgetting it would start that problem's email again.
    """
    cutoff = _contact_cutoff(now)
    bounced = Suppression.objects.filter(at__lt=cutoff).values("email")
    ended = Q(status=outreach.SubscriptionStatus.UNSUBSCRIBED, unsubscribed_at__lt=cutoff)
    still_needed = outreach.Subscription.objects.filter(
        kind=outreach.Kind.CONCERN,
        role__in=[outreach.Role.REPORTER, outreach.Role.SUPPORTER],
        status=outreach.SubscriptionStatus.ACTIVE,
        email=OuterRef("email"),
        concern__problems=OuterRef("problem"),
    )
    opt_out = Q(kind=outreach.Kind.PROBLEM) & Exists(still_needed)
    return (
        outreach.Subscription.objects.filter(email__isnull=False)
        .filter(ended | Q(email__in=bounced))
        .exclude(opt_out & ~Q(email__in=bounced))
    )


def past_sign_ups(now: datetime.datetime | None = None) -> QuerySet[projects.SignUp]:
    """Volunteer sign-ups that still hold a name or address, for shifts that ended before the
    contact period."""
    return projects.SignUp.objects.filter(email__isnull=False, shift__end__lt=_contact_cutoff(now))


def forget_contacts(now: datetime.datetime | None = None) -> tuple[int, int]:
    """Remove the address of every ended subscription and the name and address of every sign-up
    of a long-past shift, keeping the rows (status, dates, hours) for the figures; each gets a
    new token, so old links lead nowhere. Returns (subscriptions, sign-ups) changed.

    Idempotent: a row done once holds no address and is not selected again. An address that
    bounced stays on the suppression list, so it is never emailed again.
    """
    now = now or timezone.now()
    subscriptions = list(ended_subscriptions(now).values_list("pk", "agency_id"))
    sign_ups = list(past_sign_ups(now).values_list("pk", "agency_id"))
    with transaction.atomic():
        ids = [pk for pk, _agency in subscriptions]
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            outreach.Subscription.areas.through.objects.filter(subscription_id__in=chunk).delete()
            outreach.Subscription.topics.through.objects.filter(subscription_id__in=chunk).delete()
            # A mail server's refusal may quote the address.
            outreach.Delivery.objects.filter(subscription_id__in=chunk).exclude(error="").update(
                error=""
            )
            for pk in chunk:
                outreach.Subscription.objects.filter(pk=pk).update(
                    email=None,
                    token=outreach.new_token(),
                    status=outreach.SubscriptionStatus.UNSUBSCRIBED,
                    unsubscribed_at=Coalesce(F("unsubscribed_at"), Value(now)),
                )
        for pk, _agency in sign_ups:
            projects.SignUp.objects.filter(pk=pk).update(
                name="", email=None, token=projects.new_token(), form_nonce=None
            )
        counts = {
            "subscriptions": Counter(agency for _pk, agency in subscriptions),
            "sign_ups": Counter(agency for _pk, agency in sign_ups),
        }
        for agency in Agency.objects.filter(
            pk__in=set(counts["subscriptions"]) | set(counts["sign_ups"])
        ):
            after = {kind: counted[agency.pk] for kind, counted in counts.items()}
            audit.record(
                None, audit_events.RETENTION_CONTACTS_REMOVED, agency, after=after, agency=agency
            )
    return len(subscriptions), len(sign_ups)


def is_due(now: datetime.datetime | None = None) -> bool:
    """Whether a day has passed since the last real run (the worker's daily check)."""
    now = now or timezone.now()
    since = now - datetime.timedelta(days=1)
    return not RetentionRun.objects.filter(dry_run=False, started_at__gte=since).exists()


def forget_reporter(token: str) -> Concern:
    """A resident's "delete my data" from their tracking link: the concern it leads to."""
    concern = Concern.objects.filter(tracking_token=token).first()
    if concern is None:
        raise Concern.DoesNotExist
    anonymise(concern, Reason.REQUEST)
    return concern


def forget_for_reporter(
    concern: Concern, same_email: bool = False, *, acting_user: Actor | None
) -> tuple[list[int], list[int]]:
    """Staff acting on a reporter's request: this concern, and with `same_email` every other
    concern of the agency sent from the same email address. Held ones are left and returned."""
    concerns = [concern]
    if same_email and concern.reporter_email:
        concerns += list(
            Concern.objects.filter(
                agency=concern.agency, reporter_email__iexact=concern.reporter_email
            ).exclude(pk=concern.pk)
        )
    done: list[int] = []
    held: list[int] = []
    for each in concerns:
        try:
            if anonymise(each, Reason.REQUEST, acting_user=acting_user):
                done.append(each.pk)
        except Held:
            held.append(each.pk)
    return done, held


@task()
def apply_retention() -> int:
    """The daily retention run on the worker (see openbeat.core.worker)."""
    return len(run_retention())


def enqueue_if_due() -> bool:
    """Queue the retention run when a day has passed since the last one. Several workers may
    both queue it: a second run changes nothing."""
    if is_due():
        apply_retention.enqueue()
        return True
    return False
