from django.contrib import admin
from modeltranslation.admin import TranslationAdmin

from openbeat.concerns.models import Category, Concern, ResponseTemplate
from openbeat.core.admin import AgencyScopedAdmin


@admin.register(Category)
class CategoryAdmin(TranslationAdmin, AgencyScopedAdmin):
    list_display = ["name", "agency", "is_sensitive", "about_people", "referred_to", "is_active"]
    list_filter = ["agency", "is_sensitive", "is_active"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(ResponseTemplate)
class ResponseTemplateAdmin(AgencyScopedAdmin):
    list_display = ["title", "agency"]
    list_filter = ["agency"]


@admin.register(Concern)
class ConcernAdmin(AgencyScopedAdmin):
    """Read-only here: triage happens on the staff pages, through the concern actions."""

    list_display = ["__str__", "status", "agency", "created_at"]
    list_filter = ["agency", "status", "category"]
    exclude = ["tracking_token", "form_nonce"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
