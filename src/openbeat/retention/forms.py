from django import forms
from django.utils.translation import gettext_lazy as _


class HoldForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (case or request number)"),
        max_length=300,
        error_messages={"required": _("Say why the concern is held, or why the hold ends.")},
    )


class ForgetForm(forms.Form):
    same_email = forms.BooleanField(
        label=_("Also every other concern sent to your agency from the same email address"),
        required=False,
    )
