"""Atom feeds of public concerns, per area."""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from openbeat.concerns import queries
from openbeat.core.atom import TextAtomFeed
from openbeat.core.models import Area


class AreaConcernsFeed(Feed):
    feed_type = TextAtomFeed  # residents' words, never markup

    def get_object(self, request, area_id):
        return get_object_or_404(Area.objects.select_related("agency"), pk=area_id)

    def title(self, area):
        return _("Concerns in %(area)s") % {"area": area.name}

    def link(self, area):
        return f"/concerns/?area={area.pk}"

    def subtitle(self, area):
        return _("Neighborhood concerns raised with %(agency)s, newest first.") % {
            "agency": area.agency.name
        }

    def items(self, area):
        return queries.public_concerns().filter(area=area).order_by("-created_at", "-id")[:50]

    def item_title(self, concern):
        return f"#{concern.pk} {concern.category.name}: {concern.get_status_display()}"

    def item_description(self, concern):
        return concern.description

    def item_pubdate(self, concern):
        return concern.created_at

    def item_updateddate(self, concern):
        return concern.updated_at

    def item_author_name(self, concern):
        return None  # never the reporter
