from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import (
    TranslationAdmin,
    TranslationStackedInline,
    TranslationTabularInline,
)

from .models import Charter, Expectation, GrsTier, Office, Officer, Service

admin.site.site_header = _("Citizen's charter and GRS administration")
admin.site.site_title = _("Charter administration")


class OfficerInline(TranslationStackedInline):
    model = Officer
    extra = 0
    fields = [("designation", "name"), "office_code", ("phone", "email"), "photo"]


@admin.register(Office)
class OfficeAdmin(TranslationAdmin):
    list_display = ["name", "level", "parent", "phone", "email"]
    list_filter = ["level"]
    search_fields = ["name_bn", "name_en", "address_bn", "address_en", "email"]
    autocomplete_fields = ["parent"]
    inlines = [OfficerInline]


@admin.register(Officer)
class OfficerAdmin(TranslationAdmin):
    list_display = ["designation", "name", "office", "office_code", "phone", "email"]
    list_filter = ["office"]
    search_fields = ["designation_bn", "designation_en", "name_bn", "name_en", "email", "phone"]
    list_select_related = ["office"]


class ExpectationInline(TranslationTabularInline):
    model = Expectation
    extra = 0


class GrsTierInline(TranslationStackedInline):
    model = GrsTier
    extra = 0
    autocomplete_fields = ["officer"]


@admin.register(Charter)
class CharterAdmin(TranslationAdmin):
    list_display = ["title", "office", "issued_on", "signatory", "updated_at"]
    autocomplete_fields = ["office", "signatory"]
    inlines = [ExpectationInline, GrsTierInline]


@admin.register(Expectation)
class ExpectationAdmin(TranslationAdmin):
    list_display = ["position", "text", "charter"]
    list_display_links = ["text"]
    ordering = ["charter", "position"]
    search_fields = ["text_bn", "text_en"]


@admin.register(GrsTier)
class GrsTierAdmin(TranslationAdmin):
    list_display = ["level", "contact_role", "time_limit_working_days", "charter"]
    list_display_links = ["contact_role"]
    ordering = ["charter", "level"]
    autocomplete_fields = ["officer"]


@admin.register(Service)
class ServiceAdmin(TranslationAdmin):
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
    list_filter = ["category", "is_published", "fee_kind", "time_limit_kind", "office"]
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
