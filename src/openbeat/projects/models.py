from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openbeat.core.models import Agency, Area
from openbeat.core.tokens import new_token

MAX_SLOTS = 500


class ProjectQuerySet(models.QuerySet):
    def open(self):
        """Published projects that have not ended, soonest first (templates call it too:
        `programme.projects.open`)."""
        return (
            self.filter(is_published=True, ends_on__gte=timezone.localdate())
            .select_related("agency", "programme", "area")
            .order_by("starts_on", "id")
        )


class Project(models.Model):
    """A crime-prevention project residents help with: a goal, a time span, volunteer shifts."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="projects")
    programme = models.ForeignKey(
        "events.Programme",
        on_delete=models.PROTECT,
        related_name="projects",
        verbose_name=_("program"),
    )
    problem = models.ForeignKey(
        "problems.Problem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("problem it serves"),
    )
    title = models.CharField(_("title"), max_length=200)
    goal = models.TextField(_("goal"))
    area = models.ForeignKey(
        Area,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("area"),
    )
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    is_published = models.BooleanField(_("published"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["starts_on", "id"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("projects:detail", args=[self.pk])


class VolunteerRole(models.Model):
    """What volunteers do in a project (walker, walk leader...), and what it asks of them."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="roles")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("role"), max_length=120)
    description = models.TextField(_("what volunteers do"), blank=True)
    requirements = models.TextField(
        _("requirements"),
        blank=True,
        help_text=_("e.g. Completed the Neighborhood Watch training evening. Leave empty if none."),
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("volunteer role")
        verbose_name_plural = _("volunteer roles")

    def __str__(self):
        return self.name


class Shift(models.Model):
    """One dated turn of a role, with a number of places (slots)."""

    role = models.ForeignKey(VolunteerRole, on_delete=models.CASCADE, related_name="shifts")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    place = models.CharField(_("meeting place"), max_length=300)
    slots = models.PositiveIntegerField(
        _("places"), validators=[MinValueValidator(1), MaxValueValidator(MAX_SLOTS)]
    )
    # A cancelled shift stays, with why, for the volunteers' links and the record.
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("why it is canceled"), max_length=300, blank=True)

    class Meta:
        ordering = ["start", "id"]
        # The reminder sweep looks up the shifts starting in the next day.
        indexes = [models.Index(fields=["start"], name="shift_start")]
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")

    def __str__(self):
        local = timezone.localtime(self.start, self.agency.tz)
        return f"{self.role.name} — {local:%Y-%m-%d %H:%M}"

    @property
    def has_started(self):
        return self.start <= timezone.now()

    @property
    def is_cancelled(self):
        return self.cancelled_at is not None


class SignUpStatus(models.TextChoices):
    PENDING = "pending", _("Email not confirmed yet")
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("On the waiting list")
    CANCELLED = "cancelled", _("Canceled")


LIVE = [SignUpStatus.PENDING, SignUpStatus.CONFIRMED, SignUpStatus.WAITLISTED]


class SignUp(models.Model):
    """A resident's offer to work one shift. Name and email are private to the agency's staff.

    It holds a place only once the email address is confirmed (so nobody can fill a shift with
    other people's addresses); places go in the order addresses were confirmed.
    """

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="sign_ups")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    # Empty and None once the retention job removed them (openbeat.retention); the row, its
    # status and hours stay for the project's figures.
    name = models.CharField(_("name"), max_length=120)
    email = models.EmailField(_("email"), null=True)
    language = models.CharField(max_length=8, default="en")
    status = models.CharField(
        _("status"), max_length=20, choices=SignUpStatus.choices, default=SignUpStatus.PENDING
    )
    # What the resident holds: the link to confirm, see or cancel the sign-up. Never sequential.
    token = models.CharField(max_length=64, unique=True, default=new_token)
    # A hidden value from the form, so submitting it twice makes one sign-up.
    form_nonce = models.CharField(max_length=64, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    promoted_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    hours = models.DecimalField(
        _("hours worked"), max_digits=4, decimal_places=2, null=True, blank=True
    )

    class Meta:
        ordering = ["confirmed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shift", "email"],
                condition=~models.Q(status="cancelled"),
                name="one_live_sign_up_per_email",
            )
        ]
        indexes = [
            # Places taken and the waiting list's order are read per shift and status.
            models.Index(fields=["shift", "status", "confirmed_at"], name="signup_shift_status"),
        ]
        verbose_name = _("volunteer sign-up")
        verbose_name_plural = _("volunteer sign-ups")

    def __str__(self):
        return f"{self.name} ({self.get_status_display()})"

    def get_absolute_url(self):
        return reverse("projects:sign_up", args=[self.token])
