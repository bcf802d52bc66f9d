"""The name and email a resident gives with a reply or a sign-up, checked one way everywhere."""

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _


def clean_contact(
    name: str | None, email: str | None, refused: Callable[[str, str], Exception]
) -> tuple[str, str]:
    """(name, email) stripped, the email lower-cased; else raise `refused(message, field)`."""
    name = (name or "").strip()
    if not name:
        raise refused(_("Please tell us your name."), "name")
    if len(name) > 120:
        raise refused(_("Please shorten your name to 120 characters or fewer."), "name")
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise refused(
            _("Please enter an email address such as name@example.com."), "email"
        ) from exc
    return name, email
