"""Department-written text in each language (django-modeltranslation): see docs/translations.md."""

from modeltranslation.translator import TranslationOptions, register

from openbeat.concerns.models import Category


@register(Category)
class CategoryTranslation(TranslationOptions):
    fields = ("name", "description")
    required_languages = ("en",)
