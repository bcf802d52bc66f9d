from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "openbeat.site"
    label = "site"
