from django.urls import path

from openbeat.hotspots import views

app_name = "hotspots"
urlpatterns = [
    path("agencies/<slug:slug>/hotspots/", views.agency_hotspots, name="agency"),
]
