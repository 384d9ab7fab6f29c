"""The Celery app: the worker (`celery -A charter_site worker`) sends queued messages
seconds after they are queued; the scheduler (`celery -A charter_site beat`) runs the
periodic jobs in ``CELERY_BEAT_SCHEDULE``."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "charter_site.settings.base")

app = Celery("charter_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
