"""Department-written text in English and Spanish (django-modeltranslation; settings.py).

A translated field `title` has a column per language (`title_en`, `title_es`); reading `title`
gives the visitor's language, or the other one when that is empty. Pages mark the second case
with a `lang` attribute (core/templatetags/translated.py) so a screen reader pronounces it right.
Writes name each language's column: writing `title` would write the language of whoever is
signed in, not the one they typed.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import translation

SOURCE = "en"  # the language staff write first (required); the others are optional


def languages() -> tuple[str, ...]:
    langs: tuple[str, ...] = tuple(settings.MODELTRANSLATION_LANGUAGES)
    return langs


def text_in(obj: models.Model, field: str, language: str) -> str:
    """The text of `field` in `language` exactly, "" when it has none (no fallback)."""
    value = getattr(obj, f"{field}_{language}", None)
    return value if isinstance(value, str) else ""


def shown_language(obj: models.Model, field: str) -> str | None:
    """The language the text of `field` is shown in now: the visitor's, else the first other one
    that has text (the order modeltranslation falls back in); None when it has none at all."""
    current = (translation.get_language() or SOURCE).split("-")[0]
    order = [current] + [lang for lang in languages() if lang != current]
    for lang in order:
        if text_in(obj, field, lang).strip():
            return lang
    return None


def fallback_language(obj: models.Model, field: str) -> str | None:
    """The language to mark on the text of `field`: set only when it is not the page's own."""
    current = (translation.get_language() or SOURCE).split("-")[0]
    shown = shown_language(obj, field)
    return shown if shown is not None and shown != current else None


def _is_translated(obj: models.Model, name: str) -> bool:
    names = {f.name for f in obj._meta.get_fields()}
    return f"{name}_{SOURCE}" in names and name in names


def column(obj: models.Model, name: str) -> str:
    """The column a form field `name` stands for: a translated field's plain name is its source
    language's column; `title_es` and every other name are themselves."""
    return f"{name}_{SOURCE}" if _is_translated(obj, name) else name


def write(obj: models.Model, values: Mapping[str, Any]) -> None:
    """Set fields from a form's data: `title` is the source language's text, `title_es` the
    Spanish (empty: none, the English is shown with its lang); other names are set as given.
    Text is stripped."""
    for name, value in values.items():
        setattr(obj, column(obj, name), value.strip() if isinstance(value, str) else value)


def initial(obj: models.Model, names: Iterable[str]) -> dict[str, Any]:
    """A form's initial values: each language's own text, never the other one's fallback."""
    return {
        name: getattr(obj, column(obj, name)) or ""
        if _is_translated(obj, name)
        else getattr(obj, name)
        for name in names
    }
