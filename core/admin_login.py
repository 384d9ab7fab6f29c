"""Admin login that stops answering after repeated failures, per client address and per user
name, with the same cache-based limiter as the citizen pages."""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import ratelimit


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "throttled": _("Too many failed logins. Wait 15 minutes and try again."),
    }

    def clean(self):
        address = ratelimit.client_ip(self.request) if self.request else ""
        username = str(self.data.get("username", "")).strip().casefold()[:150]
        if ratelimit.exceeded("admin_login_ip", address) or ratelimit.exceeded(
            "admin_login_user", username
        ):
            # Refused before the password is checked, so guessing on teaches nothing.
            raise ValidationError(self.error_messages["throttled"], code="throttled")
        try:
            return super().clean()
        except ValidationError:
            ratelimit.allow("admin_login_ip", address)
            ratelimit.allow("admin_login_user", username)
            raise
