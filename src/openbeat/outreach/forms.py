from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _

from openbeat.core.dates import LocalDateTimeField
from openbeat.outreach.models import Frequency

if TYPE_CHECKING:
    from openbeat.core.models import Area
    from openbeat.events.models import Programme
    from openbeat.outreach.models import Topic


class ChoicesForm(forms.Form):
    """Areas, topics and how often: what a subscription receives."""

    areas: "forms.ModelMultipleChoiceField[Area]" = forms.ModelMultipleChoiceField(
        None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Areas (none ticked: the whole town)"),
        error_messages={"invalid_choice": _("Choose areas from the list.")},
    )
    topics: "forms.ModelMultipleChoiceField[Topic]" = forms.ModelMultipleChoiceField(
        None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Topics (none ticked: every topic)"),
        error_messages={"invalid_choice": _("Choose topics from the list.")},
    )
    frequency = forms.ChoiceField(
        choices=Frequency.choices,
        initial=Frequency.IMMEDIATE,
        widget=forms.RadioSelect,
        label=_("How often"),
        error_messages={"invalid_choice": _("Choose how often from the list.")},
    )

    def __init__(self, *args, agency=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["areas"].queryset = agency.areas.all()
        self.fields["topics"].queryset = agency.topics.all()


class SubscribeForm(ChoicesForm):
    email = forms.EmailField(
        label=_("Your email"),
        max_length=254,
        error_messages={"invalid": _("Enter an email address such as name@example.org.")},
    )
    field_order = ["email", "areas", "topics", "frequency"]


class FollowForm(forms.Form):
    email = forms.EmailField(
        label=_("Your email"),
        max_length=254,
        error_messages={
            "invalid": _("Enter an email address such as name@example.org."),
            "required": _("Enter your email address to follow it."),
        },
    )


class AnnouncementForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text (Markdown)"),
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "**bold**, *italic*, [a link](https://example.org), lists with - at the start."
        ),
    )
    title_es = forms.CharField(
        label=_("Title in Spanish (optional)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"lang": "es"}),
    )
    body_es = forms.CharField(
        label=_("Text in Spanish (optional, Markdown)"),
        required=False,
        widget=forms.Textarea(attrs={"lang": "es", "rows": 10}),
        help_text=_("Left empty, Spanish readers get the English, marked as English."),
    )
    programme: "forms.ModelChoiceField[Programme]" = forms.ModelChoiceField(
        None, required=False, label=_("Program")
    )
    areas: "forms.ModelMultipleChoiceField[Area]" = forms.ModelMultipleChoiceField(
        None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Areas (none ticked: the whole agency)"),
    )
    topics: "forms.ModelMultipleChoiceField[Topic]" = forms.ModelMultipleChoiceField(
        None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Topics (none ticked: every subscriber)"),
    )

    def __init__(self, *args, agency=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = agency.programmes.all()
        self.fields["areas"].queryset = agency.areas.all()
        self.fields["topics"].queryset = agency.topics.all()


class PublishForm(forms.Form):
    publish_at = LocalDateTimeField(
        label=_("Publish at (leave empty to publish now)"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        error_messages={"invalid": _("Enter a date and time such as 2026-12-01 09:00.")},
    )
