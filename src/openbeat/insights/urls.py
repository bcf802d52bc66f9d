from django.urls import path

from openbeat.insights import views

app_name = "insights"
urlpatterns = [
    path("meetings/<slug:slug>/<str:date_key>/", views.walk_in, name="walk_in"),
    path("<str:token>/", views.survey, name="survey"),
]
