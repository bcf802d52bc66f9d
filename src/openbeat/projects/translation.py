"""Department-written text in each language (django-modeltranslation): see docs/translations.md."""

from modeltranslation.translator import TranslationOptions, register

from openbeat.projects.models import Project


@register(Project)
class ProjectTranslation(TranslationOptions):
    fields = ("title", "goal")
    required_languages = ("en",)
