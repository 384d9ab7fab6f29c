"""Admin for Open311 API keys: issue one (its secret is shown once), revoke it."""

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import keys
from .models import ApiKey

READ_ONLY = ["prefix", "created_at", "last_used_at", "revoked_at"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "created_at", "last_used_at", "revoked_at", "is_active"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    actions = ["revoke_keys"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else READ_ONLY

    def get_fields(self, request, obj=None):
        return ["name"] if obj is None else ["name", *READ_ONLY]

    @admin.display(boolean=True, description=_("active"))
    def is_active(self, obj):
        return obj.is_active

    def has_delete_permission(self, request, obj=None):
        # Revoke instead: the record of who held a key stays.
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            request.issued_api_key = keys.generate(obj, now=timezone.now())
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("API key issued"),
            "api_key": obj,
            "raw_key": request.issued_api_key,
        }
        response = TemplateResponse(request, "admin/open311/apikey/issued.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("Revoke the selected keys"), permissions=["change"])
    def revoke_keys(self, request, queryset):
        count = keys.revoke(keys=queryset)
        self.message_user(
            request,
            ngettext("%(count)d key revoked.", "%(count)d keys revoked.", count) % {"count": count},
            messages.SUCCESS,
        )
