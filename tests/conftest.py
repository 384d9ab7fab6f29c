"""Fixtures for the cross-cutting tests in this directory (bad input, faults, access, backups)."""

import pytest
from django.utils.functional import empty


@pytest.fixture
def private_media(settings, tmp_path):
    """Attachments go to a fresh directory, so a test can count the files in it."""
    from grievances.models import private_storage

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    private_storage._wrapped = empty
    yield settings.PRIVATE_MEDIA_ROOT
    private_storage._wrapped = empty


@pytest.fixture
def sms_outbox(settings):
    from grievances import sms

    settings.SMS_BACKEND = "grievances.sms.LocmemBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()
