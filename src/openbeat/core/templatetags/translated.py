"""Department-written text with its language: `{% load translated %}`.

- `{% trans_field obj "title" %}`: the text, escaped, in a `<span lang="en">` when it is shown
  in another language than the page's (its Spanish is missing on a Spanish page, or the reverse).
- `<div{{ obj|lang_attr:"body" }}>{{ obj.body|markdown }}</div>`: the same mark on an element
  that holds text rendered otherwise (Markdown, line breaks).
"""

from django import template
from django.db import models
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from openbeat.core.translated import fallback_language

register = template.Library()


@register.simple_tag
def trans_field(obj: models.Model, field: str) -> SafeString:
    text = getattr(obj, field, "") or ""
    lang = fallback_language(obj, field)
    if lang is None:
        return format_html("{}", text)
    return format_html('<span lang="{}">{}</span>', lang, text)


@register.filter
def lang_attr(obj: models.Model, field: str) -> SafeString:
    lang = fallback_language(obj, field)
    if lang is None:
        return mark_safe("")  # noqa: S308 - a constant
    return format_html(' lang="{}"', lang)
