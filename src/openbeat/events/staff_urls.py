from django.contrib.auth import views as auth_views
from django.urls import path

from openbeat.events import staff_views

app_name = "staff"
urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="staff/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", staff_views.home, name="home"),
    path("meetings/<int:occurrence_id>/", staff_views.meeting, name="meeting"),
    path("meetings/<int:occurrence_id>/check-in/", staff_views.check_in, name="check_in"),
    path("meetings/<int:occurrence_id>/record/", staff_views.record, name="record"),
    path("meetings/<int:occurrence_id>/cancel/", staff_views.cancel, name="cancel"),
    path("meetings/<int:occurrence_id>/move/", staff_views.move, name="move"),
]
