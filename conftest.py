from pathlib import Path

import pytest
from django.core.management import call_command

CHARTER_FIXTURE = Path(__file__).resolve().parent / "fixtures" / "charter.json"


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


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with no cached pages and no rate-limit counters."""
    from django.core.cache import cache

    cache.clear()
