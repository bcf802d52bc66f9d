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
    return name, clean_email(email)


def clean_email(email: str | None, *, required: bool = True) -> str:
    """The email stripped and lower-cased; else a refusal naming the field. With
    `required=False` an empty email is allowed (a +1, a question, a "me too" without one)."""
    email = (email or "").strip().lower()
    if email or required:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise refusal(
                "email", _("Please enter an email address such as name@example.com.")
            ) from exc
    return email
