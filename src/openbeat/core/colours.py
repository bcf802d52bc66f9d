"""Brand colours a department may choose: readable under white text, and their hover shade.

The colour is the background of the header and buttons under white text, and the colour of
links on white, so it must have a contrast of at least 4.5:1 with white (WCAG 2.2 AA for text);
`validate_colour` refuses a lighter one and says how far it is.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MIN_CONTRAST = 4.5


def _rgb(colour: str) -> tuple[int, int, int]:
    value = colour.strip().lstrip("#")
    if len(value) != 6 or any(c not in "0123456789abcdefABCDEF" for c in value):
        raise ValueError(colour)
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def is_colour(value: str) -> bool:
    """Exactly # and six hexadecimal digits."""
    try:
        _rgb(value)
    except ValueError:
        return False
    return value.startswith("#") and value == value.strip()


def contrast_with_white(colour: str) -> float:
    return 1.05 / (_luminance(_rgb(colour)) + 0.05)


def darker(colour: str, by: float = 0.25) -> str:
    """The hover shade of a colour: each channel a quarter darker."""
    return "#" + "".join(f"{round(c * (1 - by)):02x}" for c in _rgb(colour))


def validate_colour(value: str) -> None:
    try:
        ratio = contrast_with_white(value)
    except ValueError:
        raise ValidationError(
            _("Give the color as # and six hexadecimal digits, such as #0b4f8a."), code="format"
        ) from None
    if ratio < MIN_CONTRAST:
        raise ValidationError(
            _(
                "White text on %(colour)s has a contrast of only %(ratio).1f:1; it must be at "
                "least 4.5:1 to be readable. Choose a darker color, such as #0b4f8a."
            )
            % {"colour": value, "ratio": ratio},
            code="contrast",
        )
