from django.urls import path

from openbeat.projects import views

app_name = "projects"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/sign-up/", views.sign_up, name="sign_up_create"),
    path("sign-ups/<str:token>/", views.manage, name="sign_up"),
    path("sign-ups/<str:token>/confirm/", views.confirm, name="confirm"),
]
