from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "openbeat.core"
    label = "core"
    verbose_name = _("Agencies and staff")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from openbeat.core import (
            dbstats,
            sessions,  # noqa: F401  (connects the sign-in audit signals)
        )

        post_migrate.connect(dbstats.after_migrate, sender=self)
