from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import (
    TranslationAdmin,
    TranslationStackedInline,
    TranslationTabularInline,
)

from . import scoping
from .copying import CopyCharterAction
from .models import Charter, Expectation, GrsTier, Office, OfficeHost, Officer, Service
from .resources import ServiceSpreadsheetAdmin

admin.site.site_header = _("Citizen's charter and GRS administration")
admin.site.site_title = _("Charter administration")

# Fields that name an officer of an office above the record's own (a service's superior
# officer, a GRS tier's officer): they offer the officers of the user's offices and of the
# offices above them; every other officer field only their own offices' officers.
NAMING_FIELDS = {("services", "service", "superior_officer"), ("services", "grstier", "officer")}


def _is_naming_field(app_label, model_name, field_name) -> bool:
    return (app_label, model_name, field_name) in NAMING_FIELDS


def _naming_autocomplete(request) -> bool:
    """Whether ``request`` is the admin's autocomplete for one of the NAMING_FIELDS."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.url_name != "autocomplete":
        return False
    query = request.GET
    source = (query.get("app_label"), query.get("model_name"), query.get("field_name"))
    return _is_naming_field(*source)


def foreign_key_choices(db_field, user):
    """What a select or autocomplete of ``db_field`` may offer ``user``, or None (no limit)."""
    model = db_field.remote_field.model
    if model is Office:
        return scoping.offices_of(user)
    if model is Charter:
        return scoping.charters_of(user)
    if model is Officer:
        opts = db_field.model._meta
        if _is_naming_field(opts.app_label, opts.model_name, db_field.name):
            return scoping.officers_to_name(user)
        return scoping.officers_to_edit(user)
    return None


class OfficeScopedChoices:
    """Selects and autocompletes offer only the user's offices and their records."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        choices = foreign_key_choices(db_field, request.user)
        if choices is not None:
            kwargs["queryset"] = choices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class OfficeScopedAdmin(OfficeScopedChoices):
    """A ModelAdmin limited to the records of the user's offices (``services.scoping``):
    list, search, filters, bulk actions, exports and autocompletes read ``get_queryset``;
    a record of another office is "not found" in the change, delete and history views, and
    a form that would move a record to another office is refused."""

    office_path = "office"  # the lookup from the model to its office ("" for Office)

    def get_queryset(self, request):
        return scoping.scope(super().get_queryset(request), request.user, self.office_path)

    def is_mine(self, request, obj) -> bool:
        if obj is None:
            return True
        return scoping.may_edit(request.user, scoping.office_id_of(obj, self.office_path))

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self.is_mine(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self.is_mine(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self.is_mine(request, obj)

    def save_model(self, request, obj, form, change):
        if not self.is_mine(request, obj):
            raise PermissionDenied
        super().save_model(request, obj, form, change)


class OfficerInline(OfficeScopedChoices, TranslationStackedInline):
    model = Officer
    extra = 0
    fields = [("designation", "name"), "office_code", ("phone", "email"), "photo"]


class OfficeHostInline(admin.TabularInline):
    """Host names that serve the office's pages. Only users given the host-name permissions
    (superusers) change them: each must be in ALLOWED_HOSTS too, which is the server's."""

    model = OfficeHost
    extra = 0


@admin.register(Office)
class OfficeAdmin(OfficeScopedAdmin, TranslationAdmin):
    list_display = ["name", "slug", "level", "parent", "phone", "email"]
    list_filter = ["level"]
    search_fields = [
        "name_bn",
        "name_en",
        "slug",
        "hosts__host",
        "address_bn",
        "address_en",
        "email",
    ]
    autocomplete_fields = ["parent"]
    inlines = [OfficeHostInline, OfficerInline]
    office_path = ""

    # The network's offices and their hierarchy are the superusers' to change; an office's
    # own staff edit its details, officers and charter.
    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not scoping.is_unscoped(request.user):
            readonly += ["parent", "level", "slug"]  # printed QR codes point at the slug
        return readonly

    def has_add_permission(self, request):
        return scoping.is_unscoped(request.user) and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return scoping.is_unscoped(request.user) and super().has_delete_permission(request, obj)


@admin.register(Officer)
class OfficerAdmin(OfficeScopedAdmin, TranslationAdmin):
    list_display = ["designation", "name", "office", "office_code", "phone", "email"]
    list_filter = [("office", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["designation_bn", "designation_en", "name_bn", "name_en", "email", "phone"]
    list_select_related = ["office"]

    def get_queryset(self, request):
        if _naming_autocomplete(request):
            # Offers the officers of the offices above too: named there, never edited here.
            every = super(OfficeScopedAdmin, self).get_queryset(request)
            return every.filter(pk__in=scoping.officers_to_name(request.user).values("pk"))
        return super().get_queryset(request)


class ExpectationInline(OfficeScopedChoices, TranslationTabularInline):
    model = Expectation
    extra = 0


class GrsTierInline(OfficeScopedChoices, TranslationStackedInline):
    model = GrsTier
    extra = 0
    autocomplete_fields = ["officer"]


@admin.register(Charter)
class CharterAdmin(CopyCharterAction, OfficeScopedAdmin, TranslationAdmin):
    list_display = ["title", "office", "issued_on", "signatory", "is_published", "updated_at"]
    list_filter = ["is_published"]
    autocomplete_fields = ["office", "signatory"]
    inlines = [ExpectationInline, GrsTierInline]

    def get_changeform_initial_data(self, request):
        # A charter entered in admin starts unpublished: the public sees it once it is complete.
        return {"is_published": False, **super().get_changeform_initial_data(request)}


@admin.register(Expectation)
class ExpectationAdmin(OfficeScopedAdmin, TranslationAdmin):
    office_path = "charter__office"
    list_display = ["position", "text", "charter"]
    list_display_links = ["text"]
    ordering = ["charter", "position"]
    search_fields = ["text_bn", "text_en"]


@admin.register(GrsTier)
class GrsTierAdmin(OfficeScopedAdmin, TranslationAdmin):
    office_path = "charter__office"
    list_display = ["level", "contact_role", "time_limit_working_days", "charter"]
    list_display_links = ["contact_role"]
    ordering = ["charter", "level"]
    autocomplete_fields = ["officer"]


@admin.register(Service)
class ServiceAdmin(ServiceSpreadsheetAdmin, OfficeScopedAdmin, TranslationAdmin):
    list_display = [
        "serial",
        "name",
        "category",
        "fee_kind",
        "time_limit_kind",
        "time_limit_working_days",
        "is_published",
    ]
    list_display_links = ["name"]
    list_filter = [
        "category",
        "is_published",
        "fee_kind",
        "time_limit_kind",
        ("office", admin.RelatedOnlyFieldListFilter),
    ]
    list_editable = ["is_published"]
    search_fields = ["name_bn", "name_en", "delivery_method_bn", "delivery_method_en"]
    ordering = ["office", "category", "serial"]
    list_select_related = ["office"]
    autocomplete_fields = ["responsible_officer", "superior_officer"]
    fieldsets = [
        (None, {"fields": ["office", "category", "serial", "name", "is_published"]}),
        (
            _("How the service is given"),
            {"fields": ["delivery_method", "required_documents", "documents_source"]},
        ),
        (_("Fee"), {"fields": ["fee_kind", "fee_amount", "fee_payment_method", "fee_text"]}),
        (
            _("Time limit"),
            {"fields": ["time_limit_kind", "time_limit_working_days", "time_limit_text"]},
        ),
        (_("Officers"), {"fields": ["responsible_officer", "superior_officer"]}),
    ]
