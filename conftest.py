"""Fixtures every test may use; plain helper functions are in ``tests/helpers.py``.

Browser-only fixtures (Chromium, pages, axe-core) are in ``tests/browser/conftest.py``.
"""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation
from django.utils.functional import empty

from tests.helpers import at

CHARTER_FIXTURE = Path(__file__).resolve().parent / "fixtures" / "charter.json"


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres_only"):
        from django.db import connection

        if connection.vendor != "postgresql":
            pytest.skip("needs PostgreSQL (row locks, concurrent transactions)")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the real charter once for the whole session."""
    with django_db_blocker.unblock():
        call_command("loaddata", CHARTER_FIXTURE, verbosity=0)


@pytest.fixture
def charter(db):
    """The Kaunia charter; reloaded if a transactional test flushed the database."""
    from services.charter import current_charter

    found = current_charter()
    if found is None:
        call_command("loaddata", CHARTER_FIXTURE, verbosity=0)
        found = current_charter()
    return found


@pytest.fixture
def office(charter):
    return charter.office


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts and ends with no cached pages and no rate-limit counters."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    """SMS go to a list in memory that the test can read."""
    from grievances import sms

    settings.SMS_BACKEND = "grievances.sms.LocmemBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Attachments go to a fresh directory, so a test can count the files in it: the local
    storage whatever the environment configures (ATTACHMENTS_S3_BUCKET)."""
    from grievances.models import private_storage

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {"BACKEND": "grievances.models.PrivateFileSystemStorage"},
    }
    private_storage._wrapped = empty
    yield settings.PRIVATE_MEDIA_ROOT
    private_storage._wrapped = empty


@pytest.fixture
def english():
    """Text made outside a request (messages, errors) in English; pages pick their own."""
    with translation.override("en"):
        yield


@pytest.fixture
def file_complaint(office):
    """Submit a complaint through the workflow with sensible defaults."""
    from grievances import workflow

    def file(**overrides):
        values = {
            "office": office,
            "complaint_type": "citizen",
            "subject": "No reply to my application",
            "description": "I applied three weeks ago and nobody answered.",
            "name": "Rahima Begum",
            "id_type": "nid",
            "id_number": "1234567890",
            "permanent_address": "Village Haragach, Kaunia, Rangpur",
            "mobile": "01712345678",
            "email": "rahima@example.com",
            "now": at(2025, 1, 5),
        }
        values.update(overrides)
        return workflow.submit(**values)

    return file
