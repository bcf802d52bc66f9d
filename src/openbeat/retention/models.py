from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from openbeat.concerns.models import Category, Concern
from openbeat.core.models import Agency


class RetentionRule(models.Model):
    """How long an agency keeps a category's closed concerns before anonymising them."""

    category = models.OneToOneField(Category, on_delete=models.CASCADE, related_name="retention")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    # Blank: kept as they are.
    months_after_closing = models.PositiveSmallIntegerField(
        _("months after closing"), null=True, blank=True
    )

    def __str__(self):
        return f"{self.category}: {self.months_after_closing or '-'}"


class LegalHold(models.Model):
    """A concern that must stay exactly as it is (litigation, a records request): neither the
    retention job nor a "delete my data" request touches it while the hold stands."""

    concern = models.OneToOneField(Concern, on_delete=models.CASCADE, related_name="legal_hold")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=300)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    placed_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Hold on #{self.concern_id}"


class Reason(models.TextChoices):
    RETENTION = "retention", _("Retention period ended")
    REQUEST = "request", _("The reporter asked")


class Anonymisation(models.Model):
    """That a concern's reporter data is gone, and why: the retention job skips these."""

    concern = models.OneToOneField(Concern, on_delete=models.CASCADE, related_name="anonymisation")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=16, choices=Reason.choices)
    at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"#{self.concern_id} anonymised ({self.reason})"


class RetentionRun(models.Model):
    """One run of the retention job, so the worker knows when the next is due."""

    started_at = models.DateTimeField(auto_now_add=True, db_index=True)
    dry_run = models.BooleanField(default=False)
    anonymised = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"Retention run {self.started_at:%Y-%m-%d %H:%M}"
