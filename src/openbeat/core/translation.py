"""Department-written text in each language (django-modeltranslation): see docs/translations.md."""

from modeltranslation.translator import TranslationOptions, register

from openbeat.core.models import Venue


@register(Venue)
class VenueTranslation(TranslationOptions):
    fields = ("accessibility",)
    required_languages = ("en",)
