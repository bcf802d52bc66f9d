from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "openbeat.core"
    label = "core"
    verbose_name = _("Agencies and staff")

    def ready(self):
        from openbeat.core import sessions  # noqa: F401  (connects the sign-in audit signals)
