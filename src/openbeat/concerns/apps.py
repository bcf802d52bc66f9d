from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConcernsConfig(AppConfig):
    name = "openbeat.concerns"
    label = "concerns"
    verbose_name = _("Neighborhood concerns")

    def ready(self):
        # Each concern's stored Open311 item follows what it shows (openbeat.open311.items).
        from django.db.models.signals import post_delete, post_save, pre_save

        from openbeat.concerns.models import Category, Concern, ConcernUpdate, Photo
        from openbeat.core.models import Agency
        from openbeat.open311 import items

        post_save.connect(items.concern_saved, sender=Concern, dispatch_uid="open311_concern")
        for part in (ConcernUpdate, Photo):
            for signal in (post_save, post_delete):
                signal.connect(
                    items.part_changed, sender=part, dispatch_uid=f"open311_{part.__name__}"
                )
        for shown in (Category, Agency):
            pre_save.connect(
                items.remember_shown, sender=shown, dispatch_uid=f"open311_{shown.__name__}"
            )
            post_save.connect(
                items.forget_if_changed, sender=shown, dispatch_uid=f"open311_{shown.__name__}"
            )
