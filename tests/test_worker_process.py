"""A real Celery worker on the real Redis broker sends a complaint's receipt SMS seconds
after the complaint is committed (PostgreSQL: the worker is another process and must see
the test's database)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection, transaction

from charter_site.celery import app as celery_app
from grievances.models import OutboxMessage
from tests.helpers import at

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

BROKER = os.environ.get("TEST_CELERY_BROKER_URL", "redis://127.0.0.1:6379/7")


def _database_url() -> str:
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{user}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def broker():
    client = redis.Redis.from_url(BROKER)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Redis is not running at {BROKER}")
        pytest.skip(f"Redis is not running at {BROKER}")
    client.flushdb()
    yield BROKER
    client.flushdb()


@pytest.fixture
def worker(broker, tmp_path):
    """A worker process sending SMS to files under ``tmp_path / "sms"``."""
    sms_dir = tmp_path / "sms"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "charter_site.settings.base",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": broker,
        "SMS_BACKEND": "grievances.sms.FileBackend",
        "SMS_FILE_PATH": str(sms_dir),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "charter_site",
            "worker",
            "--pool=solo",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=(tmp_path / "worker.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    previous = {
        "broker_url": celery_app.conf.broker_url,
        "task_always_eager": celery_app.conf.task_always_eager,
    }
    try:
        celery_app.conf.update(broker_url=broker, task_always_eager=False)
        _forget_broker_connections()
        yield sms_dir
    finally:
        celery_app.conf.update(**previous)
        _forget_broker_connections()
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _forget_broker_connections():
    # Earlier tests ran tasks eagerly; a producer made then would still publish to the
    # in-memory broker of the test settings.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def _wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_the_worker_sends_the_receipt_sms_seconds_after_the_commit(worker, file_complaint):
    with transaction.atomic():
        grievance = file_complaint(now=at(2025, 1, 5))
    started = time.monotonic()

    def delivered() -> str:
        files = list(Path(worker).glob("*.log"))
        return files[0].read_text(encoding="utf-8") if files else ""

    assert _wait_for(lambda: grievance.tracking_number in delivered()), "no SMS within 30 s"
    assert time.monotonic() - started < 30
    assert _wait_for(
        lambda: not OutboxMessage.objects.filter(grievance=grievance, status="pending").exists()
    )
    sms = OutboxMessage.objects.get(grievance=grievance, channel="sms")
    assert (sms.status, sms.attempts) == ("sent", 1)
    assert delivered().count(grievance.tracking_number) == 1
