from django.urls import path

from openbeat.events import views

app_name = "events"
urlpatterns = [
    path("", views.finder, name="finder"),
    path("<str:slug>/", views.event_detail, name="event"),
    path("<str:slug>/<str:date_key>/", views.occurrence_detail, name="occurrence"),
    path("<str:slug>/<str:date_key>/rsvp/", views.rsvp_create, name="rsvp_create"),
    path("<str:slug>/<str:date_key>.ics", views.occurrence_ics, name="occurrence_ics"),
]
