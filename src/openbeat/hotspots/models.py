from django.db import models
from django.utils.translation import gettext_lazy as _

from openbeat.core.models import Agency


def page_scope(agency_id):
    """The page cache's scope of an agency's hotspot map: renewed by each run."""
    return f"hotspots:{agency_id}"


class Kind(models.TextChoices):
    HOT = "hot", _("Hot spot")
    COLD = "cold", _("Cold spot")
    NONE = "", _("Not significant")


class HotspotMap(models.Model):
    """The stored result of the last Gi* run for an agency's public concerns.

    Computed by a background task, never while a page waits; `signature` says which concerns it
    was computed from, so a page can tell that it is stale and ask for a new run.
    """

    agency = models.OneToOneField(Agency, on_delete=models.CASCADE, related_name="hotspot_map")
    resolution = models.PositiveSmallIntegerField()
    window_days = models.PositiveIntegerField()
    signature = models.CharField(max_length=200)
    concerns_count = models.PositiveIntegerField(default=0)
    cells_count = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(null=True, blank=True)  # None: the first run is queued
    # Set when a run is queued, cleared by the run: a page asks for at most one at a time.
    requested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("hotspot map")

    def __str__(self):
        return f"Hotspots of {self.agency}"


class HotspotCell(models.Model):
    """One H3 cell of a map: its count of public concerns, Gi* z-score and corrected p-value."""

    map = models.ForeignKey(HotspotMap, on_delete=models.CASCADE, related_name="cells")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    cell = models.CharField(max_length=16)  # H3 index, hexadecimal
    concerns = models.PositiveIntegerField()
    z = models.FloatField()
    p = models.FloatField()
    q = models.FloatField()  # Benjamini-Hochberg adjusted p-value (false discovery rate)
    confidence = models.PositiveSmallIntegerField(default=0)  # 99, 95, 90 or 0
    kind = models.CharField(max_length=4, choices=Kind.choices, blank=True)
    # Where a hot or cold cell is, in words: the smallest of the agency's areas holding its
    # centre, and the nearest of its venues (within compute.NEAR_METRES) with the distance.
    area = models.ForeignKey(
        "core.Area", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    venue = models.ForeignKey(
        "core.Venue", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    venue_metres = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-confidence", "-z", "cell"]
        indexes = [
            # The public page lists a map's significant cells, most confident first.
            models.Index(fields=["map", "confidence"], name="hotspot_cell_significant"),
        ]

    def __str__(self):
        return self.cell
