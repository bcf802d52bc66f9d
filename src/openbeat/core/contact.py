"""The name and email a resident gives with a reply or a sign-up, checked one way everywhere."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from openbeat.core.refusals import refusal


def clean_contact(name: str | None, email: str | None) -> tuple[str, str]:
    """(name, email) stripped, the email lower-cased; else a refusal naming the field."""
    name = (name or "").strip()
    if not name:
        raise refusal("name", _("Please tell us your name."))
    if len(name) > 120:
        raise refusal("name", _("Please shorten your name to 120 characters or fewer."))
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise refusal(
            "email", _("Please enter an email address such as name@example.com.")
        ) from exc
    return name, email
