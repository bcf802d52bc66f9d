from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from openbeat.concerns.models import Category, Concern
from openbeat.core import geo, pagecache
from openbeat.core.models import Agency, Area
from openbeat.core.tokens import new_token
from openbeat.events.models import Occurrence


def page_scope(problem_id):
    """The page cache's scope of one problem's public page."""
    return f"problem:{problem_id}"


class Phase(models.TextChoices):
    """The SARA cycle of problem-oriented policing, then closed."""

    SCANNING = "scanning", _("Scanning")
    ANALYSIS = "analysis", _("Analysis")
    RESPONSE = "response", _("Response")
    ASSESSMENT = "assessment", _("Assessment")
    CLOSED = "closed", pgettext_lazy("problem phase", "Closed")


PHASE_ORDER: list[str] = [
    Phase.SCANNING,
    Phase.ANALYSIS,
    Phase.RESPONSE,
    Phase.ASSESSMENT,
    Phase.CLOSED,
]


class ProblemQuerySet(models.QuerySet):
    def public(self):
        """Every problem case is worked in public, from the day it is opened."""
        return self.all()


class Problem(models.Model):
    """A neighbourhood problem that police and residents work on together, in public."""

    staff_access_paths = ("agency", "co_owner")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="problems")
    co_owner = models.ForeignKey(
        Agency,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="co_owned_problems",
        verbose_name=_("co-owning agency"),
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("public summary"))
    area = models.ForeignKey(
        Area,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="problems",
        verbose_name=_("area"),
    )
    boundary = models.JSONField(
        _("map outline (GeoJSON polygon)"), null=True, blank=True, validators=[geo.validate_polygon]
    )
    categories = models.ManyToManyField(
        Category, blank=True, related_name="problems", verbose_name=_("categories")
    )
    concerns = models.ManyToManyField(Concern, blank=True, related_name="problems")
    meetings = models.ManyToManyField(
        Occurrence, blank=True, related_name="problems", verbose_name=_("discussed at")
    )
    phase = models.CharField(
        _("phase"), max_length=16, choices=Phase.choices, default=Phase.SCANNING
    )
    # The problem-analysis triangle, with the people who can act on each side.
    place = models.TextField(_("place: where, and what about it"), blank=True)
    place_managers = models.TextField(
        _("place managers (owners, landlords, businesses)"), blank=True
    )
    targets = models.TextField(_("victims or targets"), blank=True)
    guardians = models.TextField(_("guardians (who protects them)"), blank=True)
    offenders = models.TextField(_("offenders"), blank=True)
    handlers = models.TextField(_("handlers (who influences offenders)"), blank=True)
    why_here_now = models.TextField(_("why here, why now"), blank=True)
    closeout_story = models.TextField(_("close-out story (public)"), blank=True)
    opened_at = models.DateTimeField(auto_now_add=True)
    response_started_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ProblemQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("problem")
        verbose_name_plural = _("problems")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("problems:detail", args=[self.pk])

    def page_scopes(self):
        """The page cache's scopes of its public page (`openbeat.core.pagecache`)."""
        scopes = [page_scope(self.pk)]
        if self.co_owner_id:
            scopes.append(pagecache.agency_scope(self.co_owner_id))
        return scopes


class OwnerKind(models.TextChoices):
    POLICE = "police", _("Police")
    COMMUNITY = "community", _("Community")
    PARTNER = "partner", _("Partner agency")


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    UNDER_WAY = "under_way", _("Under way")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


class ProblemAction(models.Model):
    """One step of the response plan, owned by the police, the community or a partner agency."""

    staff_access_paths = ("agency", "problem__co_owner")

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="actions")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("what"), max_length=200)
    owner_kind = models.CharField(_("who"), max_length=16, choices=OwnerKind.choices)
    owner_name = models.CharField(
        _("owner"),
        max_length=200,
        help_text=_("An officer or unit, a residents' group or business, or the partner agency"),
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_date = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ActionStatus.choices, default=ActionStatus.PLANNED
    )
    is_public = models.BooleanField(_("public"), default=True)
    wants_volunteers = models.BooleanField(_("residents can volunteer"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_date", "id"]

    def __str__(self):
        return self.title

    def page_scopes(self):
        return [page_scope(self.problem_id)]

    @property
    def takes_volunteers(self):
        return (
            self.owner_kind == OwnerKind.COMMUNITY
            and self.wants_volunteers
            and self.is_public
            and self.status not in (ActionStatus.DONE, ActionStatus.DROPPED)
            and self.problem.phase != Phase.CLOSED
        )


class Volunteer(models.Model):
    """A resident who offered to help with a community action (confirmed by email)."""

    staff_access_paths = ("agency", "action__problem__co_owner")

    action = models.ForeignKey(ProblemAction, on_delete=models.CASCADE, related_name="volunteers")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=120)
    email = models.EmailField()
    language = models.CharField(max_length=8, default="en")
    token = models.CharField(max_length=64, unique=True, default=new_token)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["action", "email"], name="one_offer_per_email")
        ]

    def __str__(self):
        return f"Volunteer for {self.action_id}"


class Measure(models.Model):
    """A result staff record by hand, e.g. "streetlights repaired: 6"."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="measures")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    label = models.CharField(_("what was measured"), max_length=200)
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)
    is_public = models.BooleanField(default=True)

    class Meta:
        ordering = ["recorded_at", "id"]

    def __str__(self):
        return f"{self.label}: {self.value}"

    def page_scopes(self):
        return [page_scope(self.problem_id)]


class PhaseChange(models.Model):
    """The problem's public history: each phase change with its note."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="phase_changes")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    from_phase = models.CharField(max_length=16, choices=Phase.choices, blank=True)
    to_phase = models.CharField(max_length=16, choices=Phase.choices)
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.from_phase} → {self.to_phase}"

    def page_scopes(self):
        return [page_scope(self.problem_id)]
