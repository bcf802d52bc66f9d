from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _

from openbeat.core.dates import DateField, LocalDateTimeField
from openbeat.projects.models import MAX_SLOTS

if TYPE_CHECKING:
    from openbeat.core.models import Agency, Area
    from openbeat.events.models import Programme
    from openbeat.problems.models import Problem
    from openbeat.projects.models import VolunteerRole


class SignUpForm(forms.Form):
    """A resident's sign-up for one shift; the choices are the project's open shifts."""

    shift = forms.TypedChoiceField(
        label=_("Choose a shift"),
        coerce=int,
        widget=forms.RadioSelect,
        choices=(),
        error_messages={
            "required": _("Choose a shift."),
            "invalid_choice": _(
                "Choose one of the shifts listed; that one is not open for sign-ups."
            ),
        },
    )
    name = forms.CharField(
        label=_("Your name"), max_length=120, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        label=_("Email"),
        help_text=_(
            "We email you a link to confirm, and later a reminder and a link to cancel. "
            "Never shown in public."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    meets_requirements = forms.BooleanField(
        label=_("I meet the requirements of the role I chose (if it has any)"), required=False
    )
    nonce = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, shifts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shift"].choices = [(shift.pk, shift.pk) for shift in shifts]


class ProjectForm(forms.Form):
    agency: "forms.ModelChoiceField[Agency]" = forms.ModelChoiceField(
        queryset=None, label=_("Agency"), empty_label=None
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    goal = forms.CharField(label=_("Goal"), widget=forms.Textarea(attrs={"rows": 4}))
    title_es = forms.CharField(
        label=_("Title in Spanish (optional)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"lang": "es"}),
    )
    goal_es = forms.CharField(
        label=_("Goal in Spanish (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"lang": "es", "rows": 4}),
    )
    programme: "forms.ModelChoiceField[Programme]" = forms.ModelChoiceField(
        queryset=None, label=_("Program")
    )
    problem: "forms.ModelChoiceField[Problem]" = forms.ModelChoiceField(
        queryset=None, label=_("Problem it serves"), required=False, empty_label=_("None")
    )
    area: "forms.ModelChoiceField[Area]" = forms.ModelChoiceField(
        queryset=None, label=_("Area"), required=False, empty_label=_("Whole town")
    )
    starts_on = DateField(label=_("First day"))
    ends_on = DateField(label=_("Last day"))
    is_published = forms.BooleanField(label=_("Published"), required=False, initial=True)

    def __init__(self, *args, agencies, programmes, problems, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
        self.fields["programme"].queryset = programmes
        self.fields["problem"].queryset = problems
        self.fields["area"].queryset = areas


class RoleForm(forms.Form):
    name = forms.CharField(label=_("Role"), max_length=120)
    description = forms.CharField(
        label=_("What volunteers do"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    requirements = forms.CharField(
        label=_("Requirements (e.g. training)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class _ShiftFields(forms.Form):
    start = LocalDateTimeField(label=_("Start (local time)"))
    end = LocalDateTimeField(label=_("End (local time)"))
    place = forms.CharField(label=_("Meeting place"), max_length=300)
    slots = forms.IntegerField(label=_("Places"), min_value=1, max_value=MAX_SLOTS)


class ShiftForm(_ShiftFields):
    role: "forms.ModelChoiceField[VolunteerRole]" = forms.ModelChoiceField(
        queryset=None, label=_("Role"), empty_label=None
    )
    field_order = ["role"]

    def __init__(self, *args, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].queryset = roles


class ShiftChangeForm(_ShiftFields):
    """A shift as it should now be; the field ids carry the shift's, as each shift has one."""

    shift = forms.IntegerField(widget=forms.HiddenInput)


class ShiftCancelForm(forms.Form):
    shift = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Why it is canceled (emailed to the volunteers)"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class HoursForm(forms.Form):
    sign_up = forms.IntegerField(widget=forms.HiddenInput)
    hours = forms.DecimalField(
        label=_("Hours"), min_value=0, max_value=24, max_digits=4, decimal_places=2
    )
