"""The one way the write path says no: Django's ValidationError, keyed by field, with a code.

An action that cannot do what it was asked raises `refusal(...)`: each message sits under the
field it is about ("__all__" when it is about no one field), so a form shows it beside that
field, the JSON API names the field, and Open311 joins them into its error body. The code
decides the answer's status where a protocol has one: a reference to something that is not
here (`NOT_FOUND`) answers 404, a caller who may not ask (`FORBIDDEN`) 403, anything else 400.

`refusal_of(exc)` reads any ValidationError (ours, a model's full_clean, a validator's) into the
few shapes the entry points answer with.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

INVALID = "invalid"
NOT_FOUND = "not_found"
FORBIDDEN = "forbidden"

STATUS_OF_CODE = {NOT_FOUND: 404, FORBIDDEN: 403}


Messages = str | Sequence[str]


def refusal(
    field_or_errors: str | None | Mapping[str, Messages],
    message: Messages = "",
    code: str = INVALID,
) -> ValidationError:
    """A ValidationError keyed by field: `refusal("email", _("…"))`, `refusal(None, _("…"))` for
    no one field, or `refusal({"email": _("…"), "name": _("…")})` for several at once."""
    pairs: list[tuple[str | None, Messages]]
    if isinstance(field_or_errors, Mapping):
        pairs = list(field_or_errors.items())
    else:
        pairs = [(field_or_errors, message)]
    return ValidationError(
        {
            (field or NON_FIELD_ERRORS): [
                ValidationError(text, code=code)
                for text in ([texts] if isinstance(texts, str) else texts)
            ]
            for field, texts in pairs
        }
    )


@dataclass(frozen=True)
class Refusal:
    """A refusal as the entry points answer it: `errors` maps each field ("__all__" for none)
    to its messages joined, in the order they were raised."""

    errors: dict[str, str]
    codes: frozenset[str]

    @property
    def message(self) -> str:
        """Every message, for a page that shows one notice."""
        return " ".join(self.errors.values())

    @property
    def field(self) -> str | None:
        """The first field named, or None when the refusal is about no one field."""
        for field in self.errors:
            if field != NON_FIELD_ERRORS:
                return field
        return None

    @property
    def detail(self) -> str:
        """`field: message; field: message`, the API's and Open311's one-line description (a
        message about no one field goes without a name)."""
        return "; ".join(
            message if field == NON_FIELD_ERRORS else f"{field}: {message}"
            for field, message in self.errors.items()
        )

    @property
    def status(self) -> int:
        """404 when every reason is a reference to nothing here, 403 when the caller may not
        ask, else 400."""
        statuses = {STATUS_OF_CODE.get(code, 400) for code in self.codes} or {400}
        return statuses.pop() if len(statuses) == 1 else 400


def refusal_of(exc: ValidationError) -> Refusal:
    """Read a ValidationError, keyed or not, into the shape the entry points answer with."""
    keyed: list[tuple[str, list[ValidationError]]]
    if hasattr(exc, "error_dict"):
        keyed = list(exc.error_dict.items())
    else:
        keyed = [(NON_FIELD_ERRORS, exc.error_list)]
    errors: dict[str, str] = {}
    codes: set[str] = set()
    for field, items in keyed:
        messages = []
        for item in items:
            codes.add(item.code or INVALID)
            messages.extend(item.messages)
        errors[field] = " ".join(str(text) for text in messages)
    return Refusal(errors=errors, codes=frozenset(codes))
