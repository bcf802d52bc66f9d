from django.urls import path

from openbeat.outreach import feeds, views

app_name = "outreach"
urlpatterns = [
    path("programmes/", views.programmes, name="programmes"),
    path("programmes/<slug:agency_slug>/<slug:slug>/", views.programme, name="programme"),
    path("announcements/", views.announcements, name="announcements"),
    path("announcements/<int:pk>/", views.announcement, name="announcement"),
    path(
        "announcements/areas/<int:area_id>.atom",
        feeds.AreaAnnouncementsFeed(),
        name="area_feed",
    ),
    path(
        "announcements/topics/<int:topic_id>.atom",
        feeds.TopicAnnouncementsFeed(),
        name="topic_feed",
    ),
    path(
        "agencies/<slug:slug>/announcements.atom",
        feeds.AgencyAnnouncementsFeed(),
        name="agency_feed",
    ),
    path("subscribe/", views.subscribe, name="subscribe"),
    path("subscribe/sent/", views.subscribe_sent, name="subscribe_sent"),
    path("subscribe/confirm/<str:token>/", views.confirm, name="confirm"),
    path("subscriptions/<str:token>/", views.manage, name="manage"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("follow/concerns/<int:pk>/", views.follow_concern, name="follow_concern"),
    path("follow/problems/<int:pk>/", views.follow_problem, name="follow_problem"),
]
