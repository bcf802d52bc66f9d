from django.urls import path

from openbeat.concerns import feeds, views

app_name = "concerns"
urlpatterns = [
    path("", views.concern_list, name="list"),
    path("new/", views.new, name="new"),
    path("pins.json", views.pins, name="pins"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/support/", views.support, name="support"),
    path("<int:pk>/flag/", views.flag, name="flag"),
    path("track/<str:token>/", views.track, name="track"),
    path("track/<str:token>/confirm/", views.support_confirm, name="support_confirm"),
    path("photos/<int:pk>.jpg", views.photo, name="photo"),
    path("areas/<int:area_id>/feed.atom", feeds.AreaConcernsFeed(), name="area_feed"),
]
