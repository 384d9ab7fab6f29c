from django.contrib import admin

from .admin_login import ThrottledAdminAuthenticationForm
from .models import Heartbeat

# Every staff login, not only the GRS officers', is throttled after repeated failures.
admin.site.login_form = ThrottledAdminAuthenticationForm


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    """For superusers: when each periodic job last succeeded."""

    list_display = ["name", "last_success_at"]
    readonly_fields = ["name", "last_success_at"]

    def has_add_permission(self, request):
        return False
