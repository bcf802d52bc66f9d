"""What the JSON API accepts, stated once: pydantic refuses anything else with a 400 naming the
field, and the OpenAPI document says the same, so a request the document allows is never
refused for its shape and one it forbids is never taken (schemathesis checks both ways).

JSON Schema's patterns are ECMA 262 regular expressions. The ones here use only what ECMA 262
and Python's `re` read alike (explicit classes and \\uXXXX escapes; no \\s, \\b or flags), and
the bodies have pydantic check them with Python's `re` (`STRICT_BODY`).
"""

import datetime
import re
from typing import Annotated

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from openbeat.core import plaintext

# A body names only the fields the document declares (a misspelt "anonymus" is refused, not
# silently ignored); strings are strings and flags are true or false, never "yes" or 1.
STRICT_BODY = ConfigDict(extra="forbid", strict=True, regex_engine="python-re")


def _ecma_class(compiled: re.Pattern[str]) -> str:
    """The ranges of a compiled character class, [...], written as ECMA 262 reads them
    (\\uXXXX), without lone surrogates: JSON Schema's tools read a pattern as Unicode text,
    which cannot hold one (nor can UTF-8, so no request carries one)."""
    ranges = re.findall(r"(.)(?:-(.))?", compiled.pattern[1:-1], re.DOTALL)
    return "".join(
        f"\\u{ord(low):04x}" + (f"-\\u{ord(high):04x}" if high else "")
        for low, high in ranges
        if not 0xD800 <= ord(low) <= 0xDFFF
    )


# Characters refused in any field before a view runs (openbeat.core.input_guard).
REFUSED = _ecma_class(plaintext.UNFIT)
# What str.strip() removes (Python's whitespace), and U+FEFF, which ECMA 262 counts as a space.
BLANK = (
    "\\t\\n\\u000b\\u000c\\r\\u001c-\\u001f \\u0085\\u00a0\\u1680\\u2000-\\u200a"
    "\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff"
)
ANY_TEXT = f"^[^{REFUSED}]*$"
SOME_TEXT = f"^[^{REFUSED}]*[^{REFUSED}{BLANK}][^{REFUSED}]*$"
SLUG = "^[-a-zA-Z0-9_]+$"  # Django's validate_slug
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
MAX_ID = 2**63 - 1  # a database id (bigint); a larger one names nothing


# The constraints below are written `Annotated[str, text(120)]`: the type stays a type, and
# pydantic reads the constraints from the metadata.


def text(max_length: int, *, required: bool = False, description: str | None = None) -> FieldInfo:
    """A string of at most `max_length` characters; `required` ones hold something visible."""
    info: FieldInfo = Field(
        max_length=max_length,
        pattern=SOME_TEXT if required else ANY_TEXT,
        description=description,
    )
    return info


def slug(description: str) -> FieldInfo:
    info: FieldInfo = Field(max_length=50, pattern=SLUG, description=description)
    return info


def _whole_number(value: object) -> object:
    # JSON has one number type: 3.0 is the integer 3 (JSON Schema says so too), "3" and true are not.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# An id in a JSON body.
WholeNumber = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(_whole_number)]


# What a phone number is written with; the column holds 40 characters.
Phone = Annotated[str, Field(max_length=40, pattern="^[-0-9+() .]*$")]


def coordinate(limit: float) -> FieldInfo:
    info: FieldInfo = Field(ge=-limit, le=limit)
    return info


def _email_or_nothing(value: str) -> str:
    if value:
        try:
            validate_email(value)
        except ValidationError:
            raise PydanticCustomError(
                "email", _("Enter an email address such as name@example.com, or leave it empty.")
            ) from None
    return value


Email = Annotated[
    str,
    AfterValidator(_email_or_nothing),
    Field(
        max_length=254,  # RFC 5321's longest address, and the column's length
        description="The reporter's email address, or an empty string",
        json_schema_extra={"anyOf": [{"maxLength": 0}, {"format": "email"}]},
    ),
]


def _iso_date(value: object) -> object:
    # Only YYYY-MM-DD: pydantic would also take 0 or 1700000000 as seconds since 1970.
    if isinstance(value, str) and not ISO_DATE.match(value):
        raise PydanticCustomError("date", _("Write the date as YYYY-MM-DD, e.g. 2026-07-09."))
    return value


IsoDate = Annotated[datetime.date, BeforeValidator(_iso_date)]
