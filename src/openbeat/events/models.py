import secrets

from django.conf import settings
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


# The short code a reply's QR carries for check-in: letters and digits that cannot be misread
# for one another (no 0/O/Q, 1/I/L, 2/Z, 5/S, 8/B), so an officer can also type it.
CHECK_IN_ALPHABET = "ACDEFGHJKMNPRTUVWXY34679"
CHECK_IN_CODE_LENGTH = 8


def new_check_in_code() -> str:
    """8 characters of 24: 1.1e11 codes, unique per meeting, worthless without a staff login."""
    return "".join(secrets.choice(CHECK_IN_ALPHABET) for _ in range(CHECK_IN_CODE_LENGTH))


def normalise_check_in_code(typed: str) -> str:
    """What an officer typed, as stored: capitals, without the spaces or dash it is shown with."""
    return "".join(ch for ch in (typed or "").upper() if ch.isalnum())[:32]


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
    # What the reply's QR code and email carry for check-in at the door (unique per meeting): it
    # neither names the resident nor opens the reply, and is only of use to a signed-in officer.
    check_in_code = models.CharField(max_length=8, default=new_check_in_code, editable=False)
    # The hidden value of the check-in form that checked this reply in: a phone that sends the
    # same queued check-in twice is answered as the first time.
    check_in_nonce = models.CharField(max_length=64, unique=True, null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["occurrence", "check_in_code"], name="one_check_in_code_per_meeting"
            ),
            models.UniqueConstraint(
                fields=["occurrence", "email"],
                condition=~models.Q(status="cancelled"),
                name="one_live_rsvp_per_email",
            ),
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

    @property
    def check_in_code_shown(self):
        """The code as printed for people: two groups of four (ABCD-EFGH)."""
        return f"{self.check_in_code[:4]}-{self.check_in_code[4:]}"

    def check_in_url(self):
        """What the QR code carries: the staff check-in page of the meeting with this code. A
        stranger who scans it meets the staff sign-in; it cannot cancel the reply or name anyone."""
        path = reverse("staff:check_in_code", args=[self.occurrence_id])
        return f"{settings.BASE_URL}{path}?code={self.check_in_code}"


# A question is read aloud in a meeting: a few sentences, not an essay.
MAX_QUESTION = 500
MAX_ANSWER = 2000


class QuestionQuerySet(models.QuerySet):
    def public(self):
        """Questions anyone may see: of a published event, not hidden by staff, not merged into
        another (`Question.is_public` for one)."""
        return self.filter(
            occurrence__event__is_published=True, is_hidden=False, merged_into__isnull=True
        )


class Question(models.Model):
    """A resident's question to one meeting, sent before it from its page or during it from the
    room. The asker's name is shown only when they chose it; their email never is."""

    staff_access_paths = ("agency", "occurrence__event__co_hosts")
    occurrence = models.ForeignKey(Occurrence, on_delete=models.CASCADE, related_name="questions")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(_("question"))
    asker_name = models.CharField(_("name"), max_length=120, blank=True)
    show_name = models.BooleanField(_("show my name with the question"), default=False)
    asker_email = models.EmailField(_("email"), blank=True)
    # The answer is emailed only to an address that confirmed it from the emailed link.
    email_confirmed_at = models.DateTimeField(null=True, blank=True)
    # A keyed hash of the asker's browser (its voter cookie): the asker's own +1.
    voter = models.CharField(max_length=32, blank=True)
    language = models.CharField(max_length=8, default="en")
    # What the asker holds: the link that confirms the address. Never sequential.
    token = models.CharField(max_length=64, unique=True, default=new_token)
    # A hidden value from the form, so submitting it twice makes one question.
    form_nonce = models.CharField(max_length=64, unique=True, null=True, blank=True)
    is_hidden = models.BooleanField(default=False)
    hidden_reason = models.CharField(max_length=300, blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged"
    )
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    concern = models.ForeignKey(
        "concerns.Concern",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="questions",
    )
    problem = models.ForeignKey(
        "problems.Problem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="questions",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["occurrence", "created_at"], name="question_occurrence")]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self):
        return f"Question #{self.pk}"

    def get_absolute_url(self):
        occurrence = self.occurrence
        return (
            reverse("events:questions", args=[occurrence.event.slug, occurrence.date_key])
            + f"#q{self.pk}"
        )

    @property
    def is_public(self):
        return (
            not self.is_hidden
            and self.merged_into_id is None
            and self.occurrence.event.is_published
        )

    @property
    def is_answered(self):
        return self.answered_at is not None

    @property
    def public_name(self):
        """The name the public sees: only when the asker chose to show it."""
        return self.asker_name if self.show_name else ""

    def page_scopes(self):
        """The cached public pages it is on: the live view, and the pages of the problem case
        and the concern it links to."""
        scopes = [questions_scope(self.occurrence)]
        if self.problem_id:
            scopes += self.problem.page_scopes()
        if self.concern_id:
            scopes += self.concern.page_scopes()
        return scopes


def questions_scope(occurrence: Occurrence) -> str:
    """The page cache's scope of a meeting's live question view (`openbeat.core.pagecache`),
    named from its URL so the cached page needs no query to find it."""
    return f"questions:{occurrence.event.slug}:{occurrence.date_key}"


class QuestionVote(models.Model):
    """A neighbour's "+1": one per browser (its voter cookie), counted at once whatever email it
    gives, so the count tells nothing about an address. An email given is sent the answer once
    it confirms it from the emailed link."""

    staff_access_paths = ("agency", "question__occurrence__event__co_hosts")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="votes")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    voter = models.CharField(max_length=32)
    email = models.EmailField(blank=True)
    language = models.CharField(max_length=8, default="en")
    token = models.CharField(max_length=64, unique=True, default=new_token)
    email_confirmed_at = models.DateTimeField(null=True, blank=True)
    # False for an address added from a browser that had +1-ed (or asked) already: it is sent
    # the answer but is not a second +1.
    counts = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["question", "voter"], name="one_vote_per_voter"),
            models.UniqueConstraint(
                fields=["question", "email"],
                condition=~models.Q(email=""),
                name="one_vote_per_email",
            ),
        ]

    def __str__(self):
        return f"+1 on question #{self.question_id}"
