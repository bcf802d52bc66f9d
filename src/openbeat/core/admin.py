"""The Django admin, scoped per agency: staff see and change only their own agencies' rows."""

from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import ForeignKey, ManyToManyField, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from openbeat.core import access, audit, audit_events, images
from openbeat.core.models import Agency, ApiKey, Area, AuditEvent, Role, StaffRole, Venue

admin.site.site_header = "OpenBeat"
admin.site.site_title = _("OpenBeat staff")
admin.site.index_title = _("Agency administration")

AGENCY_FIELDS = {"agency", "co_hosts"}

# The admin of any agency-owned model: its rows are reached through the model's declared
# access paths, not through attributes known here. (Django's ModelAdmin takes no type argument
# at run time; only the checker's declarations do.)
if TYPE_CHECKING:
    ModelAdmin = admin.ModelAdmin[Any]
    VenueTranslationAdmin = TranslationAdmin[Venue]
else:
    ModelAdmin = admin.ModelAdmin
    VenueTranslationAdmin = TranslationAdmin


class AgencyScopedAdmin(ModelAdmin):
    """Rows are filtered through the access helper; writes need a coordinator of the owner."""

    view_role = Role.OFFICER
    change_role = Role.COORDINATOR
    delete_role = Role.ADMIN

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return access.scoped(request.user, super().get_queryset(request), self.view_role)

    def _owner_id(self, obj: Any) -> int:
        owner: int = obj.agency_id
        return owner

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(access.agency_ids(request.user, self.view_role))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(access.agency_ids(request.user, self.view_role))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(access.agency_ids(request.user, self.change_role))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = access.agency_ids(request.user, self.change_role)
        return bool(allowed) and (obj is None or self._owner_id(obj) in allowed)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = access.agency_ids(request.user, self.delete_role)
        return bool(allowed) and (obj is None or self._owner_id(obj) in allowed)

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField[Any] | None:
        if db_field.name == "agency":
            kwargs["queryset"] = access.staff_agencies(request.user, self.change_role)
        elif hasattr(db_field.related_model, "agency"):
            related = db_field.related_model._default_manager.all()
            kwargs["queryset"] = access.scoped(request.user, related, owner_only=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(
        self, db_field: ManyToManyField[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.ModelMultipleChoiceField[Any] | None:
        if db_field.name not in AGENCY_FIELDS and hasattr(db_field.related_model, "agency"):
            related = db_field.related_model._default_manager.all()
            kwargs["queryset"] = access.scoped(request.user, related, owner_only=True)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(
        self, request: HttpRequest, obj: Any, form: forms.ModelForm[Any], change: bool
    ) -> None:
        with transaction.atomic():
            before = audit.snapshot(type(obj).objects.get(pk=obj.pk)) if change else None
            super().save_model(request, obj, form, change)
            audit.record(
                request.user,
                audit_events.admin_change(
                    obj._meta.model_name,
                    audit_events.ADMIN_UPDATE if change else audit_events.ADMIN_CREATE,
                ),
                obj,
                before=before,
                after=audit.snapshot(obj),
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            audit.record(
                request.user,
                audit_events.admin_change(obj._meta.model_name, audit_events.ADMIN_DELETE),
                obj,
                before=audit.snapshot(obj),
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(Agency)
class AgencyAdmin(AgencyScopedAdmin):
    list_display = ["name", "slug", "timezone", "phone"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["embed_snippet"]
    change_role = Role.ADMIN

    @admin.display(description=_("the block for your website (copy it)"))
    def embed_snippet(self, obj: Agency) -> str:
        """What an agency pastes into its own website: the framed block, and the JSON feed."""
        if obj.pk is None:
            return "-"
        base = settings.BASE_URL
        frame = (
            f'<iframe src="{base}{reverse("agency_embed", args=[obj.slug])}" '
            f'title="{obj.name}" width="100%" height="560" style="border:0" loading="lazy">'
            "</iframe>"
        )
        feed = base + reverse("agency_meetings_json", args=[obj.slug])
        return format_html(
            "<p>{}</p><pre><code>{}</code></pre><p>{}</p><pre><code>{}</code></pre><p>{}</p>",
            _(
                "Paste this into a page of your website. It works only on the websites listed "
                "above (add ?lang=es to the address for Spanish)."
            ),
            frame,
            _("Or draw the meetings yourself from this JSON feed (see docs/embedding.md):"),
            feed,
            _("With no website listed, the block cannot be shown in a frame anywhere.")
            if not obj.frame_origins()
            else "",
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return Agency.objects.filter(id__in=access.agency_ids(request.user))

    def _owner_id(self, obj: Any) -> int:
        agency_id: int = obj.pk
        return agency_id

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser


@admin.register(Area)
class AreaAdmin(AgencyScopedAdmin):
    list_display = ["name", "agency", "kind"]
    list_filter = ["agency", "kind"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Venue)
class VenueAdmin(VenueTranslationAdmin, AgencyScopedAdmin):
    list_display = ["name", "address", "agency"]
    list_filter = ["agency"]
    search_fields = ["name", "address"]


class StaffRoleForm(forms.ModelForm[StaffRole]):
    """A photo is stored only re-encoded (no EXIF, no GPS); areas are the agency's own."""

    class Meta:
        model = StaffRole
        fields = [
            "user",
            "agency",
            "role",
            "title",
            "unit",
            "is_public_profile",
            "areas",
            "photo",
        ]

    def clean_photo(self) -> object:
        photo = self.cleaned_data.get("photo")
        if photo and "photo" in self.changed_data:
            clean, _width, _height = images.reencode(photo)
            clean.name = "officer.jpg"
            return clean
        return photo

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        agency, areas = data.get("agency"), data.get("areas")
        if agency is not None and areas is not None:
            foreign = [area.name for area in areas if area.agency_id != agency.pk]
            if foreign:
                self.add_error(
                    "areas",
                    _("%(areas)s belong to another agency.") % {"areas": ", ".join(foreign)},
                )
        return data


@admin.register(StaffRole)
class StaffRoleAdmin(AgencyScopedAdmin):
    list_display = ["user", "agency", "role", "title", "unit", "is_public_profile"]
    list_filter = ["agency", "role", "is_public_profile"]
    filter_horizontal = ["areas"]
    change_role = Role.ADMIN

    form = StaffRoleForm

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField[Any] | None:
        if db_field.name == "user" and not request.user.is_superuser:
            # The agency's own staff, and accounts not yet given to any agency; never another
            # agency's people.
            ids = access.agency_ids(request.user, Role.ADMIN)
            kwargs["queryset"] = (
                get_user_model()
                .objects.filter(Q(staff_roles__agency_id__in=ids) | Q(staff_roles__isnull=True))
                .distinct()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(AuditEvent)
class AuditEventAdmin(AgencyScopedAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_id", "agency"]
    list_filter = ["action"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
    # Who read or changed what is for the agency's administrators (SECURITY.md), not for the
    # officers and coordinators it records.
    view_role = Role.ADMIN

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ApiKey)
class ApiKeyAdmin(AgencyScopedAdmin):
    """Keys are created with `openbeat apikey create` (shown once); here they are listed and revoked."""

    list_display = ["name", "agency", "role", "prefix", "created_at", "last_used_at", "revoked"]
    list_filter = ["agency", "revoked"]
    fields = ["name", "agency", "role", "prefix", "created_at", "last_used_at", "revoked"]
    readonly_fields = ["agency", "prefix", "created_at", "last_used_at"]
    change_role = Role.ADMIN

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
