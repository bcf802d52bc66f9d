from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from openbeat.core.dates import DateField, LocalDateTimeField
from openbeat.core.models import Agency, Area
from openbeat.events.models import MAX_WALK_INS, Programme


class FinderForm(forms.Form):
    """The event finder's filters; every one is optional and bad values are reported, not ignored."""

    agency = forms.ModelChoiceField(
        Agency.objects.all(),
        required=False,
        to_field_name="slug",
        label=_("Agency"),
        empty_label=_("All agencies"),
    )
    programme = forms.ChoiceField(required=False, label=_("Program"))
    area = forms.ModelChoiceField(
        Area.objects.select_related("agency"),
        required=False,
        label=_("Area"),
        empty_label=_("All areas"),
    )
    start = DateField(label=_("From"), required=False)
    end = DateField(label=_("Until"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # One choice per kind of programme, however many agencies run it.
        names = dict(Programme.objects.order_by("-id").values_list("slug", "name"))
        self.fields["programme"].choices = [("", _("All programs"))] + sorted(
            names.items(), key=lambda item: item[1]
        )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError(_("The 'Until' date must be on or after the 'From' date."))
        return data


class RSVPForm(forms.Form):
    name = forms.CharField(
        label=_("Your name"), max_length=120, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        label=_("Email"),
        help_text=_("For your confirmation and a link to cancel. Never shown in public."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    nonce = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party_size"] = forms.IntegerField(
            label=_("People coming, including you"),
            min_value=1,
            initial=1,
            max_value=settings.MAX_PARTY_SIZE,
        )
        self.order_fields(["name", "email", "party_size", "nonce"])


class RecordForm(forms.Form):
    agenda = forms.CharField(
        label=_("Agenda (Markdown)"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    minutes = forms.CharField(
        label=_("Minutes (Markdown)"), required=False, widget=forms.Textarea(attrs={"rows": 10})
    )
    walk_ins = forms.IntegerField(
        label=_("Walk-ins without RSVP"), min_value=0, max_value=MAX_WALK_INS
    )


class EventTextForm(forms.Form):
    """The series' public text, in English and (optional) Spanish: prefix "text" on the meeting
    page, whose record form has its own agenda field."""

    title = forms.CharField(label=_("Title"), max_length=200)
    title_es = forms.CharField(
        label=_("Title in Spanish (optional)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"lang": "es"}),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    description_es = forms.CharField(
        label=_("Description in Spanish (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"lang": "es", "rows": 4}),
    )
    agenda = forms.CharField(
        label=_("Standing agenda (Markdown)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    agenda_es = forms.CharField(
        label=_("Standing agenda in Spanish (optional, Markdown)"),
        required=False,
        widget=forms.Textarea(attrs={"lang": "es", "rows": 4}),
    )


class CancelForm(forms.Form):
    note = forms.CharField(
        label=_("Reason for residents"),
        max_length=300,
        help_text=_("Sent to everyone who replied and shown on the meeting's page."),
        error_messages={"required": _("Say why, for the residents who replied.")},
    )


class MoveForm(forms.Form):
    start = LocalDateTimeField(label=_("New start (local time)"))
    note = forms.CharField(label=_("Note for residents"), max_length=300, required=False)


class CheckInCodeForm(forms.Form):
    """The door: the short code beside a reply's QR code, scanned or typed."""

    code = forms.CharField(
        label=_("Check-in code"),
        max_length=32,
        help_text=_("The 8 letters and digits beside the resident's QR code, e.g. ACDE-F347."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    nonce = forms.CharField(required=False, widget=forms.HiddenInput)


class QuestionForm(forms.Form):
    text = forms.CharField(
        label=_("Your question"),
        max_length=500,
        help_text=_("Up to 500 characters. Staff read it before it is answered in the meeting."),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write your question.")},
    )
    name = forms.CharField(
        label=_("Your name (optional)"),
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    show_name = forms.BooleanField(label=_("Show my name with the question"), required=False)
    email = forms.EmailField(
        label=_("Email me the answer (optional)"),
        required=False,
        help_text=_("We email a link to confirm the address first. Never shown in public."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    nonce = forms.CharField(widget=forms.HiddenInput, required=False)


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Short public answer"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
