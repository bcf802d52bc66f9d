from django.urls import path

from openbeat.events import question_views, views

app_name = "events"
urlpatterns = [
    path("", views.finder, name="finder"),
    path("<str:slug>/", views.event_detail, name="event"),
    path("<str:slug>/<str:date_key>/", views.occurrence_detail, name="occurrence"),
    path("<str:slug>/<str:date_key>/rsvp/", views.rsvp_create, name="rsvp_create"),
    path("<str:slug>/<str:date_key>.ics", views.occurrence_ics, name="occurrence_ics"),
    path("<str:slug>/<str:date_key>/questions/", question_views.questions, name="questions"),
    path("<str:slug>/<str:date_key>/questions/ask/", question_views.ask, name="question_ask"),
    path(
        "<str:slug>/<str:date_key>/questions/<int:pk>/plus-one/",
        question_views.vote,
        name="question_vote",
    ),
    path(
        "<str:slug>/<str:date_key>/questions/live/",
        question_views.live,
        name="questions_live",
    ),
    path(
        "<str:slug>/<str:date_key>/questions/live/list/",
        question_views.live_list,
        name="questions_live_list",
    ),
]
