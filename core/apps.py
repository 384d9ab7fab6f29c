from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Site plumbing with no domain models: redirects, caching, rate limits, backups."""

    name = "core"
    verbose_name = _("Site")
