from django.urls import path

from openbeat.events import views

app_name = "events"
urlpatterns = [
    path("", views.finder, name="finder"),
    path("<str:slug>/", views.event_detail, name="event"),
    path("<str:slug>/flyer/", views.event_flyer, {"kind": "html"}, name="event_flyer"),
    path("<str:slug>/flyer.pdf", views.event_flyer, {"kind": "pdf"}, name="event_flyer_pdf"),
    path("<str:slug>/<str:date_key>/", views.occurrence_detail, name="occurrence"),
    path(
        "<str:slug>/<str:date_key>/flyer/",
        views.occurrence_flyer,
        {"kind": "html"},
        name="occurrence_flyer",
    ),
    path(
        "<str:slug>/<str:date_key>/flyer.pdf",
        views.occurrence_flyer,
        {"kind": "pdf"},
        name="occurrence_flyer_pdf",
    ),
    path("<str:slug>/<str:date_key>/rsvp/", views.rsvp_create, name="rsvp_create"),
    path("<str:slug>/<str:date_key>.ics", views.occurrence_ics, name="occurrence_ics"),
    path("<str:slug>/<str:date_key>/questions/", views.questions, name="questions"),
    path("<str:slug>/<str:date_key>/questions/ask/", views.question_ask, name="question_ask"),
    path(
        "<str:slug>/<str:date_key>/questions/<int:pk>/plus-one/",
        views.question_vote,
        name="question_vote",
    ),
    path(
        "<str:slug>/<str:date_key>/questions/live/",
        views.questions_live,
        name="questions_live",
    ),
    path(
        "<str:slug>/<str:date_key>/questions/live/list/",
        views.questions_live_list,
        name="questions_live_list",
    ),
]
