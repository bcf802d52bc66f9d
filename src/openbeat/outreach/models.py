from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from openbeat.core.models import Agency, Area
from openbeat.core.tokens import new_token


class Topic(models.Model):
    """What an announcement is about, as residents choose it: traffic, crime prevention, events..."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="topics")
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("short name in links"))

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "slug"], name="topic_slug_per_agency")
        ]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self):
        return self.name


class Kind(models.TextChoices):
    NEWS = "news", _("Announcements")
    CONCERN = "concern", _("A concern's updates")
    PROBLEM = "problem", _("A problem's updates")


class Frequency(models.TextChoices):
    IMMEDIATE = "immediate", _("Each announcement as it is published")
    WEEKLY = "weekly", _("A weekly digest")


class Role(models.TextChoices):
    """How an address came to follow a concern or a problem (the one opt-in rule,
    `outreach.actions.add_follower`): by its own confirmed act — it reported the concern, or
    confirmed its support from the emailed link — or by asking to follow and confirming that
    (double opt-in, as for announcements)."""

    REPORTER = "reporter", _("Reported it")
    SUPPORTER = "supporter", _("Supports it")
    FOLLOWER = "follower", _("Asked to follow it")


# When one address holds several roles on one concern, the stronger one is kept: a reporter is
# told what a supporter is, and a supporter what a follower is.
ROLE_STRENGTH: dict[str, int] = {Role.REPORTER: 0, Role.SUPPORTER: 1, Role.FOLLOWER: 2}


class SubscriptionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for confirmation")
    ACTIVE = "active", _("Active")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")


class Subscription(models.Model):
    """An address that asked, without an account, for email from one agency: its announcements
    (all, or some areas and topics), or the updates of one concern or problem it follows.

    Nothing is sent until the address confirms (double opt-in), except to the reporter and the
    confirmed supporters of a concern, who follow it by that act (`role`). The email is private
    to the agency: it never appears on a public page, feed or export.

    A problem's followers are its own subscriptions and, without one, the reporters and
    supporters of its linked public concerns (`outreach.delivery.problem_followers`); an
    unsubscribed problem subscription is an address that asked for no more of that problem.
    """

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.NEWS)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.FOLLOWER)
    concern = models.ForeignKey(
        "concerns.Concern", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    problem = models.ForeignKey(
        "problems.Problem", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # None once the retention job removed it (openbeat.retention): the row stays, to be counted.
    email = models.EmailField(_("email"), null=True)
    language = models.CharField(max_length=8, default="en")
    areas = models.ManyToManyField(Area, blank=True, related_name="+", verbose_name=_("areas"))
    topics = models.ManyToManyField(Topic, blank=True, related_name="+", verbose_name=_("topics"))
    frequency = models.CharField(
        _("how often"), max_length=10, choices=Frequency.choices, default=Frequency.IMMEDIATE
    )
    status = models.CharField(
        max_length=14, choices=SubscriptionStatus.choices, default=SubscriptionStatus.PENDING
    )
    # The resident's key to confirm and to manage preferences; never sequential.
    token = models.CharField(max_length=64, unique=True, default=new_token)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "email"], condition=Q(kind="news"), name="one_news_per_email"
            ),
            models.UniqueConstraint(
                fields=["concern", "email"],
                condition=Q(kind="concern"),
                name="one_concern_follow_per_email",
            ),
            models.UniqueConstraint(
                fields=["problem", "email"],
                condition=Q(kind="problem"),
                name="one_problem_follow_per_email",
            ),
        ]
        indexes = [
            # Fan-out picks an agency's active subscribers of one kind and frequency.
            models.Index(
                fields=["agency", "kind", "status", "frequency"], name="subscription_fanout"
            ),
        ]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")

    def __str__(self):
        return f"{self.get_kind_display()} ({self.get_status_display()})"

    def get_absolute_url(self):
        return reverse("outreach:manage", args=[self.token])

    @property
    def is_active(self):
        return self.status == SubscriptionStatus.ACTIVE


class AnnouncementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", pgettext_lazy("announcement status", "Scheduled")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class AnnouncementQuerySet(models.QuerySet):
    def public(self):
        """Published and not withdrawn: what pages, feeds and the home page show."""
        return self.filter(status=AnnouncementStatus.PUBLISHED)


class Announcement(models.Model):
    """News from an agency to residents: a public page, its feeds, and email to subscribers."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="announcements")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text (Markdown)"))
    programme = models.ForeignKey(
        "events.Programme",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="announcements",
        verbose_name=_("program"),
    )
    areas = models.ManyToManyField(
        Area,
        blank=True,
        related_name="+",
        verbose_name=_("areas"),
        help_text=_("None chosen: the whole agency."),
    )
    topics = models.ManyToManyField(
        Topic,
        blank=True,
        related_name="announcements",
        verbose_name=_("topics"),
        help_text=_("None chosen: everyone, whatever topics they follow."),
    )
    status = models.CharField(
        max_length=10, choices=AnnouncementStatus.choices, default=AnnouncementStatus.DRAFT
    )
    publish_at = models.DateTimeField(_("publish at"), null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AnnouncementQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            # Public lists and feeds: an agency's published announcements, newest first.
            models.Index(fields=["status", "-published_at"], name="announcement_public"),
        ]
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("outreach:announcement", args=[self.pk])

    @property
    def is_public(self):
        return self.status == AnnouncementStatus.PUBLISHED


class MailingKind(models.TextChoices):
    ANNOUNCEMENT = "announcement", _("Announcement")
    DIGEST = "digest", _("Weekly digest")
    CONCERN = "concern", _("Concern update")
    PROBLEM = "problem", _("Problem update")


class Mailing(models.Model):
    """One fan-out: an announcement, a week's digest or an update, to every matching subscriber."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=MailingKind.choices)
    announcement = models.ForeignKey(
        Announcement, on_delete=models.CASCADE, null=True, blank=True, related_name="mailings"
    )
    concern_update = models.ForeignKey(
        "concerns.ConcernUpdate", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    phase_change = models.ForeignKey(
        "problems.PhaseChange", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # A concern's or problem's update for followers of one role only ("": all of them), e.g. a
    # merged duplicate's note, which only its reporter is sent.
    role = models.CharField(max_length=10, choices=Role.choices, blank=True)
    # A digest: the local Monday of its week (one per agency and week), and the announcements it
    # covers, published from `covers_from` until the digest was started (`created_at`).
    period_start = models.DateField(null=True, blank=True)
    covers_from = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    planned_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["announcement"],
                condition=Q(kind="announcement"),
                name="one_mailing_per_announcement",
            ),
            models.UniqueConstraint(
                fields=["agency", "period_start"],
                condition=Q(kind="digest"),
                name="one_digest_per_week",
            ),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Not sent")


class Delivery(models.Model):
    """One email of one mailing to one subscriber: the unit that is claimed, sent and counted.

    The unique constraint is what makes a retry, a second worker or a re-planned mailing unable
    to add a second email for the same person.
    """

    mailing = models.ForeignKey(Mailing, on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["mailing", "subscription"], name="one_delivery_per_recipient"
            )
        ]
        indexes = [
            # Claiming the next batch and counting progress read one mailing's rows by status.
            models.Index(fields=["mailing", "status", "id"], name="delivery_claim"),
        ]

    def __str__(self):
        return f"{self.mailing} → {self.subscription_id}: {self.status}"
