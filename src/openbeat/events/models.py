from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openbeat.core.models import Agency, Area, StaffRole, Venue
from openbeat.core.tokens import new_token
from openbeat.events import recurrence


class Programme(models.Model):
    """A kind of gathering an agency runs: Coffee with a Cop, Community Awareness Meeting..."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="programmes")
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name in links"))
    description = models.TextField(_("description (Markdown)"), blank=True)
    contact_officer = models.ForeignKey(
        StaffRole,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contact officer"),
        help_text=_("Shown by name and title on the program's page; never their email."),
    )
    contact_email = models.EmailField(
        _("contact email"),
        blank=True,
        help_text=_("A unit's public mailbox, e.g. community.policing@smyrna.example."),
    )
    how_to_join = models.TextField(
        _("how to join (Markdown)"),
        blank=True,
        help_text=_("What a resident does to take part: come along, apply, sign up..."),
    )
    is_listed = models.BooleanField(_("listed in the program catalog"), default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "slug"], name="programme_slug_per_agency")
        ]
        verbose_name = _("program")
        verbose_name_plural = _("programs")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("outreach:programme", args=[self.agency.slug, self.slug])

    def clean(self):
        if self.contact_officer_id and self.contact_officer.agency_id != self.agency_id:
            raise ValidationError(
                {"contact_officer": _("Choose an officer of the program's own agency.")}
            )


class EventQuerySet(models.QuerySet):
    def public(self):
        """Events anyone may see: the published ones."""
        return self.filter(is_published=True)


class Event(models.Model):
    """A meeting, or a series of meetings when it has a recurrence rule."""

    staff_access_paths = ("agency", "co_hosts")
    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, related_name="events", verbose_name=_("host agency")
    )
    co_hosts = models.ManyToManyField(
        Agency, blank=True, related_name="co_hosted_events", verbose_name=_("co-hosting agencies")
    )
    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="events", verbose_name=_("program")
    )
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("short name in links"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    venue = models.ForeignKey(
        Venue, on_delete=models.PROTECT, related_name="events", verbose_name=_("venue")
    )
    area = models.ForeignKey(
        Area,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("area"),
        help_text=_("Left empty, it is found from the venue's location."),
    )
    officers = models.ManyToManyField(
        StaffRole, blank=True, related_name="events", verbose_name=_("officers attending")
    )
    start = models.DateTimeField(_("first start"))
    duration_minutes = models.PositiveIntegerField(
        _("length in minutes"),
        default=60,
        validators=[MinValueValidator(5), MaxValueValidator(24 * 60)],
    )
    rrule = models.CharField(
        _("repeats (RFC 5545 RRULE)"),
        max_length=300,
        blank=True,
        help_text=_(
            "Leave empty for a single meeting. Monthly on the first Monday, for a year: "
            "FREQ=MONTHLY;BYDAY=1MO;COUNT=12. Every rule needs COUNT or UNTIL."
        ),
    )
    capacity = models.PositiveIntegerField(
        _("places"), null=True, blank=True, help_text=_("Leave empty for no limit.")
    )
    waitlist = models.BooleanField(_("keep a waiting list when full"), default=True)
    agenda = models.TextField(_("standing agenda (Markdown)"), blank=True)
    is_published = models.BooleanField(_("published"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["start"]
        verbose_name = _("event")
        verbose_name_plural = _("events")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("events:event", args=[self.slug])

    def clean(self):
        if self.agency_id and self.start:
            try:
                recurrence.utc_starts(self.start, self.rrule, self.agency.tz)
            except ValidationError as exc:
                raise ValidationError({"rrule": exc.messages}) from exc


class OccurrenceStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Canceled")


class OccurrenceQuerySet(models.QuerySet):
    def public(self):
        """Dated meetings anyone may see: those of published events (cancelled ones too)."""
        return self.filter(event__is_published=True)


class Occurrence(models.Model):
    """One dated meeting of an event: what residents RSVP to, attend and read minutes of."""

    staff_access_paths = ("agency", "event__co_hosts")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="occurrences")
    # The host agency, copied from the event so every agency-owned row can be filtered directly.
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    original_start = models.DateTimeField(
        help_text=_("When the rule placed it; stays fixed when the meeting is moved.")
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    venue = models.ForeignKey(
        Venue,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("moved to venue"),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=OccurrenceStatus.choices,
        default=OccurrenceStatus.SCHEDULED,
    )
    note = models.CharField(
        _("public note"),
        max_length=300,
        blank=True,
        help_text=_("Why it was canceled or moved; shown to residents."),
    )
    agenda = models.TextField(_("agenda (Markdown)"), blank=True)
    minutes = models.TextField(_("minutes (Markdown)"), blank=True)
    walk_ins = models.PositiveIntegerField(_("walk-ins without RSVP"), default=0)
    # Bumped on every change residents must see in their calendars (RFC 5545 SEQUENCE).
    sequence = models.PositiveIntegerField(default=0, editable=False)

    objects = OccurrenceQuerySet.as_manager()

    class Meta:
        ordering = ["start"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "original_start"], name="one_occurrence_per_slot"
            )
        ]
        indexes = [
            # The event finder and calendar feeds list upcoming meetings by start time.
            models.Index(fields=["start"], name="occurrence_start"),
            models.Index(fields=["agency", "start"], name="occurrence_agency_start"),
        ]
        verbose_name = _("meeting date")
        verbose_name_plural = _("meeting dates")

    def __str__(self):
        local = timezone.localtime(self.start, self.event.agency.tz)
        return f"{self.event.title} — {local:%Y-%m-%d %H:%M}"

    def get_absolute_url(self):
        return reverse("events:occurrence", args=[self.event.slug, self.date_key])

    @property
    def date_key(self):
        """The local date that names this meeting in links (YYYY-MM-DD)."""
        return f"{timezone.localtime(self.original_start, self.event.agency.tz):%Y-%m-%d}"

    @property
    def place(self):
        return self.venue or self.event.venue

    @property
    def is_cancelled(self):
        return self.status == OccurrenceStatus.CANCELLED

    @property
    def is_moved(self):
        return self.start != self.original_start or self.venue_id is not None

    @property
    def is_past(self):
        return self.end <= timezone.now()

    @property
    def has_begun_its_day(self):
        """Whether the meeting's local day has come: check-in and walk-ins are counted from then."""
        tz = self.event.agency.tz
        return timezone.localdate(timezone.now(), tz) >= timezone.localdate(self.start, tz)


# A full town hall, with room to spare; a typo of 100000 is refused.
MAX_WALK_INS = 2000


class RSVPStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the address to confirm")
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("On the waiting list")
    CANCELLED = "cancelled", _("Canceled")


class RSVP(models.Model):
    """A resident's reply to one meeting. Name and email are private to the hosting agencies.

    It holds a place only once its address confirmed it from the emailed link (`confirm_rsvp`):
    the meeting's page shows places left to anyone, and a place taken at once would tell a
    stranger whether the address they typed had replied before (`core.emailforms`)."""

    staff_access_paths = ("agency", "occurrence__event__co_hosts")

    occurrence = models.ForeignKey(Occurrence, on_delete=models.CASCADE, related_name="rsvps")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    email = models.EmailField(_("email"))
    party_size = models.PositiveSmallIntegerField(_("people coming"), default=1)
    status = models.CharField(max_length=20, choices=RSVPStatus.choices)
    language = models.CharField(max_length=8, default="en")
    # What the resident holds: the link to see or cancel the reply. Never sequential.
    token = models.CharField(max_length=64, unique=True, default=new_token)
    # A hidden value from the form, so submitting it twice makes one reply.
    form_nonce = models.CharField(max_length=64, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    promoted_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["occurrence", "email"],
                condition=~models.Q(status="cancelled"),
                name="one_live_rsvp_per_email",
            )
        ]
        indexes = [
            # Capacity sums and waitlist promotion read the live replies of one meeting in order.
            models.Index(
                fields=["occurrence", "status", "created_at"], name="rsvp_occurrence_status"
            ),
        ]
        verbose_name = _("RSVP")
        verbose_name_plural = _("RSVPs")

    def __str__(self):
        return f"{self.name} ×{self.party_size} ({self.get_status_display()})"

    def get_absolute_url(self):
        return reverse("rsvp", args=[self.token])
