from django.urls import path

from openbeat.problems import views

app_name = "problems"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/actions/<int:action_id>/volunteer/", views.volunteer, name="volunteer"),
    path("volunteer/<str:token>/", views.volunteer_confirm, name="volunteer_confirm"),
    path("opt-out/<str:token>/", views.opt_out, name="opt_out"),
]
