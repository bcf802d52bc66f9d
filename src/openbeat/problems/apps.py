from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProblemsConfig(AppConfig):
    name = "openbeat.problems"
    label = "problems"
    verbose_name = _("Problem solving (SARA)")
