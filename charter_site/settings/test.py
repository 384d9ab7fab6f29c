"""Tests: development settings, made fast. ``pytest.ini`` selects this module."""

from .base import *  # noqa: F403

# A test user's password is hashed in microseconds instead of PBKDF2's tens of milliseconds.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Each test process keeps its own cache, whatever REDIS_URL says; tests that need the real
# Redis configure it themselves.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SMS_BACKEND = "grievances.sms.LocmemBackend"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run in the test's own process, right after the transaction commits (tests that
# need a real worker start one: tests/test_worker.py).
CELERY_BROKER_URL = "memory://"
CELERY_TASK_ALWAYS_EAGER = True
