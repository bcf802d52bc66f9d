"""Atom feeds of published announcements: per agency, per area, per topic."""

from django.contrib.syndication.views import Feed
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _

from openbeat.core import translated
from openbeat.core.atom import SanitisedHtmlAtomFeed
from openbeat.core.markup import render_markdown
from openbeat.core.models import Agency, Area
from openbeat.outreach.models import Topic
from openbeat.outreach.views import published

FEED_SIZE = 50


class AnnouncementsFeed(Feed):
    feed_type = SanitisedHtmlAtomFeed  # staff Markdown, rendered and sanitised

    def items(self, obj):
        return self.select(published(), obj).order_by("-published_at", "-id")[:FEED_SIZE]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return render_markdown(item.body)

    def item_extra_kwargs(self, item):
        # Staff wrote no text in the asker's language: the entry says which one it is in.
        return {"lang": translated.fallback_language(item, "title")}

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        return item.agency.name  # the agency speaks, never a named member of staff


class AgencyAnnouncementsFeed(AnnouncementsFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Agency, slug=slug)

    def select(self, queryset, agency):
        return queryset.filter(agency=agency)

    def title(self, agency):
        return _("Announcements from %(agency)s") % {"agency": agency.name}

    def link(self, agency):
        return reverse("outreach:announcements") + f"?agency={agency.slug}"


class AreaAnnouncementsFeed(AnnouncementsFeed):
    def get_object(self, request, area_id):
        return get_object_or_404(Area.objects.select_related("agency"), pk=area_id)

    def select(self, queryset, area):
        # Announcements for this area, and those for the whole agency (no area chosen).
        return queryset.filter(agency=area.agency_id).filter(Q(areas=area) | Q(areas__isnull=True))

    def title(self, area):
        return _("Announcements for %(area)s") % {"area": area.name}

    def link(self, area):
        return reverse("outreach:announcements") + f"?agency={area.agency.slug}"


class TopicAnnouncementsFeed(AnnouncementsFeed):
    def get_object(self, request, topic_id):
        return get_object_or_404(Topic.objects.select_related("agency"), pk=topic_id)

    def select(self, queryset, topic):
        return queryset.filter(topics=topic)

    def title(self, topic):
        return _("%(agency)s: %(topic)s") % {"agency": topic.agency.name, "topic": topic.name}

    def link(self, topic):
        return reverse("outreach:announcements") + f"?agency={topic.agency.slug}"
