"""How the GRS's periodic work is doing, for metrics and monitoring."""

import datetime

from core import heartbeat


def last_sweep_at() -> datetime.datetime | None:
    """When the escalation sweep last succeeded (None: never on this database)."""
    return heartbeat.last_success("escalation_sweep")


def last_outbox_sweep_at() -> datetime.datetime | None:
    return heartbeat.last_success("outbox_sweep")
