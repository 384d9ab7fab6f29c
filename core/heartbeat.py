"""Heartbeats of periodic jobs (the outbox sweep, the escalation sweep).

A job calls ``beat(name)`` when it finishes; ``stale_jobs`` names the jobs whose last
success is older than ``settings.HEARTBEAT_MAX_AGE`` allows (or that never ran), so that
``/healthz`` can say "degraded" before anyone notices a complaint that did not move.
"""

import datetime

from django.conf import settings
from django.utils import timezone

from .models import Heartbeat


def beat(name: str, *, now: datetime.datetime | None = None) -> None:
    Heartbeat.objects.update_or_create(
        name=name, defaults={"last_success_at": now or timezone.now()}
    )


def last_success(name: str) -> datetime.datetime | None:
    return Heartbeat.objects.filter(name=name).values_list("last_success_at", flat=True).first()


def stale_jobs(*, now: datetime.datetime | None = None) -> list[str]:
    """Jobs this deployment expects (``HEARTBEAT_MAX_AGE``) that are late or never ran."""
    now = now or timezone.now()
    expected: dict[str, datetime.timedelta] = settings.HEARTBEAT_MAX_AGE
    if not expected:
        return []
    seen = dict(Heartbeat.objects.filter(name__in=expected).values_list("name", "last_success_at"))
    return sorted(
        name for name, max_age in expected.items() if name not in seen or now - seen[name] > max_age
    )
