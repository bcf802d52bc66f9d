from django.contrib import admin

from openbeat.core.admin import AgencyScopedAdmin
from openbeat.outreach.models import Topic


@admin.register(Topic)
class TopicAdmin(AgencyScopedAdmin):
    list_display = ["name", "agency"]
    list_filter = ["agency"]
    prepopulated_fields = {"slug": ["name"]}
