import json
from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _

from openbeat.concerns.forms import CategoryMultipleChoiceField
from openbeat.core.dates import DateField
from openbeat.problems.models import ActionStatus, OwnerKind, Phase

if TYPE_CHECKING:
    from openbeat.core.models import Area


class ProblemForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(label=_("Public summary"), widget=forms.Textarea(attrs={"rows": 3}))
    title_es = forms.CharField(
        label=_("Title in Spanish (optional)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"lang": "es"}),
    )
    summary_es = forms.CharField(
        label=_("Public summary in Spanish (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"lang": "es", "rows": 3}),
    )
    area: "forms.ModelChoiceField[Area]" = forms.ModelChoiceField(
        None, required=False, label=_("Area")
    )
    categories = CategoryMultipleChoiceField(None, required=False, label=_("Categories"))
    concerns = forms.CharField(label=_("Concern numbers, comma-separated"), required=False)
    boundary = forms.CharField(
        label=_("Map outline (GeoJSON polygon, optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, areas=None, categories=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas
        self.fields["categories"].queryset = categories

    def clean_boundary(self):
        raw = (self.cleaned_data["boundary"] or "").strip()
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise forms.ValidationError(
                _("The outline is not GeoJSON. Paste a Polygon, or leave it empty.")
            ) from exc

    def clean_concerns(self):
        raw = self.cleaned_data["concerns"] or ""
        parts = [p.strip().lstrip("#") for p in raw.split(",") if p.strip()]
        if not all(p.isdigit() for p in parts):
            raise forms.ValidationError(_("Write concern numbers like 12, 15, 31."))
        return [int(p) for p in parts]


class AnalysisForm(forms.Form):
    place = forms.CharField(
        label=_("Place: where, and what about it"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    place_managers = forms.CharField(
        label=_("Place managers"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    targets = forms.CharField(
        label=_("Victims or targets"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    guardians = forms.CharField(
        label=_("Guardians"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    offenders = forms.CharField(
        label=_("Offenders"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    handlers = forms.CharField(
        label=_("Handlers"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    why_here_now = forms.CharField(
        label=_("Why here, why now"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    closeout_story = forms.CharField(
        label=_("Close-out story (public)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    closeout_story_es = forms.CharField(
        label=_("Close-out story in Spanish (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"lang": "es", "rows": 3}),
    )
    title_es = forms.CharField(
        label=_("Title in Spanish (optional)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"lang": "es"}),
    )
    summary_es = forms.CharField(
        label=_("Public summary in Spanish (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"lang": "es", "rows": 3}),
    )


class PhaseForm(forms.Form):
    phase = forms.ChoiceField(label=_("Move to"), choices=Phase.choices)
    note = forms.CharField(
        label=_("Note for residents"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ActionForm(forms.Form):
    title = forms.CharField(label=_("What will be done"), max_length=200)
    owner_kind = forms.ChoiceField(label=_("Who"), choices=OwnerKind.choices)
    owner_name = forms.CharField(label=_("Owner"), max_length=200, required=False)
    due_date = DateField(label=_("Due"), required=False)
    is_public = forms.BooleanField(label=_("Public"), required=False, initial=True)
    wants_volunteers = forms.BooleanField(label=_("Residents can volunteer"), required=False)


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)


class MeasureForm(forms.Form):
    label = forms.CharField(label=_("What was measured"), max_length=200)
    value = forms.DecimalField(label=_("Value"), max_digits=12, decimal_places=2)
    unit = forms.CharField(label=_("Unit"), max_length=40, required=False)


class LinkForm(forms.Form):
    concern = forms.IntegerField(label=_("Concern number"), min_value=1)
