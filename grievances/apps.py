from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrievancesConfig(AppConfig):
    name = "grievances"
    verbose_name = _("Grievance redress")

    def ready(self):
        from core.metrics import register_scrape_time_collector

        from .metrics import GrievancesCollector

        # The outbox backlog and the escalation sweep's heartbeat, read at each /metrics scrape.
        register_scrape_time_collector(GrievancesCollector())
