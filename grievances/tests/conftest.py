import datetime
import zoneinfo

import pytest
from django.core.cache import cache
from django.utils import translation
from django.utils.functional import empty

from grievances import sms

DHAKA = zoneinfo.ZoneInfo("Asia/Dhaka")


def at(year, month, day, hour=10, minute=0) -> datetime.datetime:
    """A moment in Asia/Dhaka, as the office's clock shows it."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=DHAKA)


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    settings.SMS_BACKEND = "grievances.sms.LocmemBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    from grievances.models import private_storage

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    private_storage._wrapped = empty
    yield settings.PRIVATE_MEDIA_ROOT
    private_storage._wrapped = empty


@pytest.fixture(autouse=True)
def english():
    """Messages outside a request in English, so tests can read them; pages pick their own."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def office(charter):
    return charter.office


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
