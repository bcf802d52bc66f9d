from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from openbeat.core.models import Agency, Area
from openbeat.core.tokens import new_token


class SurveyKind(models.TextChoices):
    MEETING = "meeting", _("After a meeting")
    CONCERN = "concern", _("After a closed concern")


class SurveyInvitation(models.Model):
    """A one-answer link sent to a resident who came to a meeting or whose concern was closed.

    It knows whom it was sent to (to send it once) but not which answer it produced: an answer
    carries no link back to its invitation, and `answered` no time.
    """

    staff_access_paths = ("agency",)

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=SurveyKind.choices)
    occurrence = models.ForeignKey(
        "events.Occurrence", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # One invitation per reply to a meeting and per closed concern: sending twice is a no-op.
    rsvp = models.OneToOneField(
        "events.RSVP", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    concern = models.OneToOneField(
        "concerns.Concern", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    token = models.CharField(max_length=64, unique=True, default=new_token)
    created_at = models.DateTimeField(auto_now_add=True)
    answered = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")

    def __str__(self):
        return f"{self.get_kind_display()} ({self.agency_id})"

    def get_absolute_url(self):
        return reverse("insights:survey", args=[self.token])


class Via(models.TextChoices):
    INVITATION = "invitation", _("Emailed link")
    WALK_IN = "walk_in", _("At the table (QR code)")


SCALE = (1, 5)


def _item(label):
    return models.PositiveSmallIntegerField(
        label, validators=[MinValueValidator(SCALE[0]), MaxValueValidator(SCALE[1])]
    )


class SurveyResponse(models.Model):
    """One anonymous answer: five 1–5 items and an optional comment.

    It is tied to a meeting or a concern, an area and a month, never to a person: no email, no
    token, no time of day.
    """

    staff_access_paths = ("agency",)

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    area = models.ForeignKey(
        Area, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=SurveyKind.choices)
    via = models.CharField(max_length=16, choices=Via.choices)
    occurrence = models.ForeignKey(
        "events.Occurrence", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    concern = models.ForeignKey(
        "concerns.Concern", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The first day of the month it was given in, in the agency's time zone.
    month = models.DateField()
    safety = _item(_("I feel safe in my neighborhood"))
    respect = _item(_("Officers treat people with respect"))
    fairness = _item(_("Officers treat people fairly"))
    voice = _item(_("Residents have a say in what the police work on"))
    comfort = _item(_("I would feel comfortable approaching an officer"))
    comment = models.TextField(blank=True)
    language = models.CharField(max_length=8, default="en")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    safety__range=SCALE,
                    respect__range=SCALE,
                    fairness__range=SCALE,
                    voice__range=SCALE,
                    comfort__range=SCALE,
                ),
                name="survey_items_on_scale",
            )
        ]
        # The trust index reads one agency's answers month by month.
        indexes = [models.Index(fields=["agency", "month"], name="survey_agency_month")]
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")

    def __str__(self):
        return f"{self.get_kind_display()} {self.month:%Y-%m}"


class DashboardSnapshot(models.Model):
    """An agency's dashboards, computed in the background so a page view reads one row.

    `stale_since` is set by the first write that changes what the dashboards count (and a
    refresh queued then); later writes see it set and queue nothing more.
    """

    agency = models.OneToOneField(
        Agency, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    data = models.JSONField(default=dict)
    computed_at = models.DateTimeField(null=True, blank=True)
    stale_since = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Dashboards of {self.agency_id} at {self.computed_at}"
