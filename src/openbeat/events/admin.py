from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from modeltranslation.admin import TranslationAdmin

from openbeat.core import access
from openbeat.core.admin import AgencyScopedAdmin
from openbeat.events import actions
from openbeat.events.models import RSVP, Event, Occurrence, Programme


@admin.register(Programme)
class ProgrammeAdmin(TranslationAdmin, AgencyScopedAdmin):
    list_display = ["name", "agency", "contact_officer", "is_listed"]
    list_filter = ["agency", "is_listed"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Event)
class EventAdmin(TranslationAdmin, AgencyScopedAdmin):
    list_display = ["title", "agency", "programme", "start", "rrule", "is_published"]
    list_filter = ["agency", "programme", "is_published"]
    search_fields = ["title"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["co_hosts", "officers"]

    def save_model(self, request, obj, form, change):
        # The write path also creates the dated meetings and records the audit event.
        actions.save_event(obj, is_new=not change, acting_user=request.user)


@admin.register(Occurrence)
class OccurrenceAdmin(AgencyScopedAdmin):
    list_display = ["__str__", "status", "start", "agency"]
    list_filter = ["agency", "status"]
    date_hierarchy = "start"
    fields = ["event", "start", "end", "status", "note", "agenda", "minutes", "walk_ins"]
    readonly_fields = ["event", "start", "end", "status"]

    def has_add_permission(self, request):
        return False  # dated meetings come from their event's rule

    def has_change_permission(self, request, obj=None):
        # Co-hosts may write up the minutes of a meeting they ran together.
        allowed = access.agency_ids(request.user, self.change_role)
        return bool(allowed) and (
            obj is None
            or access.scoped(
                request.user, Occurrence.objects.filter(pk=obj.pk), self.change_role
            ).exists()
        )

    def save_model(self, request, obj, form, change):
        try:
            actions.update_record(
                obj, obj.agenda, obj.minutes, obj.walk_ins, acting_user=request.user
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))


@admin.register(RSVP)
class RSVPAdmin(AgencyScopedAdmin):
    list_display = ["name", "occurrence", "party_size", "status", "checked_in_at"]
    list_filter = ["status", "agency"]
    search_fields = ["name", "email"]
    readonly_fields = [
        "occurrence",
        "name",
        "email",
        "party_size",
        "status",
        "language",
        "created_at",
        "promoted_at",
        "cancelled_at",
        "checked_in_at",
    ]
    exclude = ["token", "form_nonce", "agency"]

    def has_add_permission(self, request):
        return False  # residents reply on the public page

    def has_change_permission(self, request, obj=None):
        return False
