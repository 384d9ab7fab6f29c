import subprocess
import sys

from django.conf import settings

CHECK = """
import gc
import django
django.setup()
from django.db.models.signals import post_save
from services.models import Service
gc.collect()
print(len(post_save._live_receivers(Service)[0]))
"""


def test_charter_edits_keep_clearing_the_page_cache_with_debug_off():
    # Production runs with DEBUG off; a weakly connected local receiver is then collected
    # and charter edits stop clearing the cached pages.
    result = subprocess.run(
        [sys.executable, "-c", CHECK],
        cwd=settings.BASE_DIR,
        env={"DJANGO_SETTINGS_MODULE": "charter_site.settings.test", "DEBUG": "false"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert int(result.stdout.split()[-1]) >= 1
