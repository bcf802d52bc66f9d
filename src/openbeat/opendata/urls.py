from django.urls import path

from openbeat.opendata import views

app_name = "opendata"
urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:dataset>.<slug:fmt>", views.export, name="export"),
]
