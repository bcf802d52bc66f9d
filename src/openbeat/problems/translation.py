"""Department-written text in each language (django-modeltranslation): see docs/translations.md."""

from modeltranslation.translator import TranslationOptions, register

from openbeat.problems.models import Problem


@register(Problem)
class ProblemTranslation(TranslationOptions):
    fields = ("title", "summary", "closeout_story")
    required_languages = ("en",)
