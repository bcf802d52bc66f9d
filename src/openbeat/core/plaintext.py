"""The characters stored text may hold: the one rule for the input edge and for every writer.

XML 1.0 cannot carry the C0 controls other than tab, line feed and carriage return, nor U+FFFE,
U+FFFF or a lone surrogate: one of them in a concern made an Atom feed answer 500 and Open311's
XML unreadable. iCalendar (RFC 5545) also refuses DEL, and the C1 controls are invisible
leftovers of a wrong decoding that XML 1.1 refuses too. No person types any of them, so the edge
refuses them with a 400 naming the field (openbeat.core.input_guard), and every XML, Atom and
iCalendar writer passes what it writes through `clean`, because rows stored before the rule
(or imported) may still hold them.
"""

import re
from typing import TypeVar, overload

T = TypeVar("T")

UNFIT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")


def first_unfit(text: str) -> str | None:
    """The first character of `text` that no writer can carry, or None."""
    found = UNFIT.search(text)
    return found.group() if found else None


@overload
def clean(text: str) -> str: ...
@overload
def clean(text: T) -> T: ...
def clean(text: object) -> object:
    """`text` without the characters no writer can carry (None stays None)."""
    return UNFIT.sub("", text) if isinstance(text, str) else text


def code_point(char: str) -> str:
    return f"U+{ord(char):04X}"
