from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language
from django.views.static import serve as serve_media

from openbeat.api.api import api, unrouted
from openbeat.core import views as core_views
from openbeat.core.view_on_site import view_on_site
from openbeat.events import views as event_views
from openbeat.insights import views as insights_views
from openbeat.retention import views as retention_views
from openbeat.site import beats, embed
from openbeat.site import views as site_views

urlpatterns = [
    path("", site_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    # The pages that take the most requests, and every miss of them, first: Django tries the
    # patterns in order (an Open311 request by id was ~80 µs of resolving at the end, where it
    # was; the map's pins and the list ~50).
    path(
        "concerns/track/<str:token>/forget/",
        retention_views.forget_my_data,
        name="forget_my_data",
    ),
    path("concerns/", include("openbeat.concerns.urls")),
    path("open311/v2/", include("openbeat.open311.urls")),
    path("brand.css", core_views.brand_css, name="brand_css"),
    # Choosing a language is not a sensitive action; without a CSRF token in every page header,
    # public pages can be cached whole.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("agencies/<slug:slug>/", site_views.agency, name="agency"),
    path("agencies/<slug:slug>/embed/", embed.embed, name="agency_embed"),
    path("agencies/<slug:slug>/areas/<slug:area_slug>/", beats.area_page, name="area"),
    path(
        "agencies/<slug:slug>/officers/<int:pk>/photo.jpg",
        beats.officer_photo,
        name="officer_photo",
    ),
    path("agencies/<slug:slug>/meetings.json", embed.meetings_json, name="agency_meetings_json"),
    path("", include("openbeat.hotspots.urls")),
    path("agencies/<slug:slug>/events.ics", event_views.agency_feed, name="agency_feed"),
    path("agencies/<slug:slug>/transparency/", insights_views.transparency, name="transparency"),
    path("events.ics", event_views.feed, name="feed"),
    path("events/", include("openbeat.events.urls")),
    path("rsvp/<str:token>/", event_views.rsvp_manage, name="rsvp"),
    path("rsvp/<str:token>/confirm/", event_views.rsvp_confirm, name="rsvp_confirm"),
    path("questions/<str:token>/", event_views.confirm_question_email, name="question_email"),
    path("staff/", include("openbeat.staff_urls")),
    path("problems/", include("openbeat.problems.urls")),
    path("", include("openbeat.outreach.urls")),
    path("projects/", include("openbeat.projects.urls")),
    path("data/", include("openbeat.opendata.urls")),
    path("surveys/", include("openbeat.insights.urls")),
    # Shadows the admin's own "view on site", which looks rows up by id alone.
    path("admin/r/<int:content_type_id>/<str:object_id>/", view_on_site, name="view_on_site"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    re_path(r"^api/v1/", unrouted, name="api_unrouted"),
    # Agency logos are public; concern photos are never served from /media/, only through views
    # that check the concern may be seen.
    path("media/logos/<path:path>", serve_media, {"document_root": settings.MEDIA_ROOT / "logos"}),
]
