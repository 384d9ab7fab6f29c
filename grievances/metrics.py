"""Prometheus gauges about complaints' messages and the escalation sweep, read at each scrape.

Registered by ``GrievancesConfig.ready()`` and served at ``/metrics`` (``core.metrics``).
They come from the database, so every process and server reports the same values: use
``max()`` across instances in queries and alerts. Four short indexed queries a scrape.

- ``grs_outbox_pending_messages``: SMS and e-mails waiting to go out.
- ``grs_outbox_oldest_pending_age_seconds``: how long the oldest of them has waited (0: none).
- ``grs_outbox_failed_messages``: messages given up after ``GRS_OUTBOX_MAX_ATTEMPTS``; a
  pending message that fails for good leaves the backlog, so watch this one rise too.
- ``grs_escalation_last_success_timestamp_seconds``: Unix time of the last successful
  escalation sweep (0: never), from its heartbeat (``grievances.health``).
- ``grs_outbox_sweep_last_success_timestamp_seconds``: the same for the outbox sweep.
"""

import logging

from django.db import DatabaseError
from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from . import health
from .models import OutboxMessage

logger = logging.getLogger(__name__)


def _timestamp(moment) -> float:
    return moment.timestamp() if moment else 0.0


class GrievancesCollector:
    """A ``prometheus_client`` collector: the figures are computed when Prometheus asks."""

    def collect(self):
        now = timezone.now()
        try:
            pending = OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).aggregate(
                count=Count("pk"), oldest=Min("created_at")
            )
            failed = OutboxMessage.objects.filter(status=OutboxMessage.Status.FAILED).count()
            escalated_at = health.last_sweep_at()
            outbox_swept_at = health.last_outbox_sweep_at()
        except DatabaseError as error:
            # The request and process figures still go out; these are absent from the scrape.
            logger.warning("Metrics: database unavailable (%s)", error.__class__.__name__)
            return
        oldest = pending["oldest"]
        yield GaugeMetricFamily(
            "grs_outbox_pending_messages",
            "SMS and e-mails waiting in the outbox.",
            value=pending["count"],
        )
        yield GaugeMetricFamily(
            "grs_outbox_oldest_pending_age_seconds",
            "Seconds the oldest waiting message has waited (0: none waiting).",
            value=max((now - oldest).total_seconds(), 0.0) if oldest else 0.0,
        )
        yield GaugeMetricFamily(
            "grs_outbox_failed_messages",
            "Messages given up after the last attempt.",
            value=failed,
        )
        yield GaugeMetricFamily(
            "grs_escalation_last_success_timestamp_seconds",
            "Unix time of the last successful escalation sweep (0: never).",
            value=_timestamp(escalated_at),
        )
        yield GaugeMetricFamily(
            "grs_outbox_sweep_last_success_timestamp_seconds",
            "Unix time of the last successful outbox sweep (0: never).",
            value=_timestamp(outbox_swept_at),
        )
