"""Department-written text in each language (django-modeltranslation): see docs/translations.md."""

from modeltranslation.translator import TranslationOptions, register

from openbeat.events.models import Event, Programme


@register(Programme)
class ProgrammeTranslation(TranslationOptions):
    fields = ("name", "description", "how_to_join")
    required_languages = ("en",)


@register(Event)
class EventTranslation(TranslationOptions):
    fields = ("title", "description", "agenda")
    required_languages = ("en",)
