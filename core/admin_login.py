"""Admin login that stops answering after repeated failures, per client address and per user
name, with the same cache-based limiter as the citizen pages."""

import unicodedata

from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import ratelimit


def login_identity(username: str) -> str:
    """The account a typed user name stands for, as the failure count knows it.

    Authentication reads the name in Unicode NFKC (``UsernameField``, like
    ``AbstractBaseUser.normalize_username``), so ``ｇｒｏ`` (fullwidth) logs in as ``gro``;
    counting the same form, case-folded, puts every spelling of one account in one count,
    ``GRO`` included, though it would not log in.
    """
    name = unicodedata.normalize("NFKC", username.strip())
    return unicodedata.normalize("NFKC", name.casefold())


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "throttled": _("Too many failed logins. Wait 15 minutes and try again."),
    }

    def clean(self):
        address = ratelimit.client_ip(self.request) if self.request else ""
        # The name authentication will use (the field has normalised it); what was typed
        # when the field refused it (too long), which is then not authenticated at all.
        typed = self.cleaned_data.get("username") or str(self.data.get("username", ""))[:150]
        username = login_identity(typed)
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
