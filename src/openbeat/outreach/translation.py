"""Department-written text in each language (django-modeltranslation): see docs/translations.md."""

from modeltranslation.translator import TranslationOptions, register

from openbeat.outreach.models import Announcement


@register(Announcement)
class AnnouncementTranslation(TranslationOptions):
    fields = ("title", "body")
    required_languages = ("en",)
