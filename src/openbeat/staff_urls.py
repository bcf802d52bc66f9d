"""The staff side (/staff/): one namespace assembled from each app's staff views."""

from django.contrib.auth import views as auth_views
from django.urls import path

from openbeat.concerns import staff_views as concerns
from openbeat.events import staff_views as events

app_name = "staff"
urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="staff/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", events.home, name="home"),
    path("meetings/<int:occurrence_id>/", events.meeting, name="meeting"),
    path("meetings/<int:occurrence_id>/check-in/", events.check_in, name="check_in"),
    path("meetings/<int:occurrence_id>/record/", events.record, name="record"),
    path("meetings/<int:occurrence_id>/cancel/", events.cancel, name="cancel"),
    path("meetings/<int:occurrence_id>/move/", events.move, name="move"),
    path("meetings/<int:occurrence_id>/intake/", concerns.intake, name="intake"),
    path("concerns/", concerns.queue, name="concerns"),
    path("concerns/<int:pk>/", concerns.concern, name="concern"),
    path("concerns/<int:pk>/status/", concerns.set_status, name="concern_status"),
    path("concerns/<int:pk>/respond/", concerns.respond, name="concern_respond"),
    path("concerns/<int:pk>/assign/", concerns.assign, name="concern_assign"),
    path("concerns/<int:pk>/reclassify/", concerns.reclassify, name="concern_reclassify"),
    path("concerns/<int:pk>/duplicate/", concerns.duplicate, name="concern_duplicate"),
    path("concerns/<int:pk>/moderate/", concerns.moderate, name="concern_moderate"),
    path("concerns/photos/<int:pk>.jpg", concerns.photo, name="concern_photo"),
]
