from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "openbeat.insights"
    label = "insights"
    verbose_name = _("Insights")

    def ready(self):
        from openbeat.insights import dashboards

        dashboards.watch_writes()
