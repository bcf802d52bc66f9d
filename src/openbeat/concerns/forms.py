from typing import TYPE_CHECKING

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.forms.utils import ErrorDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from openbeat.concerns.models import Category, Datatype, Priority, Status
from openbeat.core.models import Area, Venue

if TYPE_CHECKING:
    from openbeat.concerns.models import ResponseTemplate


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class CategoryMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


def category_choices():
    """One choice per kind of concern, shared by the agencies that take it (routed by place)."""
    seen = {}
    for slug, name in (
        Category.objects.filter(is_active=True, is_sensitive=False)
        .values_list("slug", "name")
        .order_by("order", "name")
    ):
        seen.setdefault(slug, gettext(name))
    sensitive = (
        Category.objects.filter(is_active=True, is_sensitive=True)
        .values_list("slug", "name")
        .order_by("order", "name")
    )
    for slug, name in sensitive:
        seen.setdefault(slug, gettext(name))
    return [("", _("Choose…")), *seen.items()]


class ConcernForm(forms.Form):
    """Shown to residents; validation of what matters happens in actions.submit_concern."""

    # The error summary links a mistake about the place to the typed address, the first field
    # of "Where is it?" that a keyboard can reach (the map needs a pointer).
    error_anchors = {"location": "id_location_text"}

    category = forms.ChoiceField(label=_("What is it about?"))
    description = forms.CharField(
        label=_("What is happening?"),
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": 4000}),
        help_text=_("Where exactly, when it happens, how often. Please don't name people."),
    )
    latitude = forms.CharField(required=False, widget=forms.HiddenInput)
    longitude = forms.CharField(required=False, widget=forms.HiddenInput)
    location_text = forms.CharField(
        label=_("Address or landmark"),
        required=False,
        max_length=300,
        help_text=_("For example: corner of Main Street and Glenwood Avenue."),
    )
    area = forms.ModelChoiceField(
        Area.objects.select_related("agency").defer("boundary"),
        required=False,
        label=_("Neighborhood"),
        empty_label=_("Choose…"),
    )
    venue: "forms.ModelChoiceField[Venue]" = forms.ModelChoiceField(
        Venue.objects.all(),
        required=False,
        label=_("Or: near a place you know"),
        empty_label=_("Choose…"),
    )
    photos = forms.FileField(
        label=_("Photos (up to 3)"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/*"}),
    )
    anonymous = forms.BooleanField(
        label=_("Stay anonymous: do not keep my name; use my email or phone only to update me"),
        required=False,
    )
    name = forms.CharField(
        label=_("Your name (optional)"),
        required=False,
        max_length=120,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Email (optional, for updates)"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Phone (optional)"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    # Left empty by people; filled by bots that complete every field.
    website = forms.CharField(required=False, label=_("Leave this empty"))
    nonce = forms.CharField(required=False, widget=forms.HiddenInput)
    confirm_new = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()
        slug = self.data.get("category") if self.is_bound else None
        self.question_names = []
        if slug:
            self._add_questions(slug)

    def _add_questions(self, slug):
        """The chosen category's extra questions, as fields named attribute[CODE]."""
        category = (
            Category.objects.filter(slug=slug, is_active=True).prefetch_related("questions").first()
        )
        for question in category.questions.all() if category else []:
            name = f"attribute[{question.code}]"
            choices = [(c["key"], c["name"]) for c in question.choices]
            common = {
                "label": question.question,
                "required": False,
                "help_text": question.help_text,
            }
            if question.datatype == Datatype.SINGLE:
                field = forms.ChoiceField(choices=[("", _("Choose…")), *choices], **common)
            elif question.datatype == Datatype.MULTI:
                name += "[]"
                field = forms.MultipleChoiceField(
                    choices=choices, widget=forms.CheckboxSelectMultiple, **common
                )
            elif question.datatype == Datatype.TEXT:
                field = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), **common)
            elif question.datatype == Datatype.DATETIME:
                field = forms.CharField(
                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), **common
                )
            elif question.datatype == Datatype.NUMBER:
                field = forms.CharField(widget=forms.NumberInput(attrs={"step": "any"}), **common)
            else:
                field = forms.CharField(**common)
            self.fields[name] = field
            self.question_names.append(name)

    @property
    def questions(self):
        return [self[name] for name in self.question_names]

    def show_refusal(self, errors):
        """Show the write path's reasons, each once and beside its field, without re-validating."""
        self.cleaned_data = {}
        self._errors = ErrorDict()
        for field, message in errors.items():
            if field.startswith("attribute[") and f"{field}[]" in self.fields:
                field = f"{field}[]"
            if field not in self.fields and field != "location":  # "location" has its own place
                field = NON_FIELD_ERRORS
            self._errors.setdefault(field, self.error_class()).append(message)


class SupportForm(forms.Form):
    email = forms.EmailField(label=_("Email for updates (optional)"), required=False)


class FlagForm(forms.Form):
    reason = forms.CharField(label=_("What is wrong?"), max_length=300)


class ContestForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the problem not solved?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
    )


class TriageForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[c for c in Status.choices if c[0] != Status.DUPLICATE]
    )
    note = forms.CharField(
        label=_("Public reply"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown on the concern's page and emailed to the reporter and followers."),
    )
    referred_to = forms.CharField(label=_("Referred to"), required=False, max_length=120)


class ResponseForm(forms.Form):
    template: "forms.ModelChoiceField[ResponseTemplate]" = forms.ModelChoiceField(
        None,
        required=False,
        label=_("Start from a template"),
        empty_label=_("None"),
        help_text=_("With the text left empty, the template's text is sent as it is."),
    )
    body = forms.CharField(
        label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    public = forms.BooleanField(
        label=_("Public response (everyone sees it; followers are emailed)"), required=False
    )

    def __init__(self, *args, templates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates

    def clean(self):
        data = super().clean()
        if not (data.get("body") or "").strip():
            if data.get("template") is None:
                raise forms.ValidationError(_("Write the response, or choose a template."))
            data["body"] = data["template"].body
        return data


class PersonChoiceField(forms.ModelChoiceField):
    """Staff by the name people know them by, not their sign-in name."""

    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class AssignForm(forms.Form):
    assigned_to = PersonChoiceField(None, required=False, label=_("Officer"))
    assigned_unit = forms.CharField(label=_("Unit"), required=False, max_length=120)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)

    def __init__(self, *args, users=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = users


class ReclassifyForm(forms.Form):
    category = CategoryChoiceField(None, label=_("Category"))
    make_private = forms.BooleanField(
        label=_("Private (e.g. a complaint about an officer): never shown in public"),
        required=False,
    )

    def __init__(self, *args, categories=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories


class DuplicateForm(forms.Form):
    original = forms.IntegerField(label=_("Number of the original concern"), min_value=1)


class HideForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (kept in the audit log)"), max_length=300, required=False
    )
    hidden = forms.BooleanField(required=False)
