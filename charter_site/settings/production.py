"""Production: ``DJANGO_SETTINGS_MODULE=charter_site.settings.production``.

Refuses to start without a real SECRET_KEY, a PostgreSQL DATABASE_URL and a shared cache.
"""

import datetime
import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import (
    DATABASES,
    GRS_CLIENT_IP_HEADER,
    GRS_TRUSTED_PROXIES,
    REDIS_CACHE_OPTIONS,
    env_bool,
    env_list,
    logging_config,
)

DEBUG = False

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("development-only"):
    raise ImproperlyConfigured("Set SECRET_KEY to a random string of at least 50 characters.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set ALLOWED_HOSTS to the site's host names.")

if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("Set DATABASE_URL to the PostgreSQL database (postgres://...).")

# Complainants are told by SMS and e-mail: production sends them for real, never to a console
# log (which would also put their mobile numbers in the logs). Choosing another backend
# takes an explicit SMS_BACKEND / EMAIL_BACKEND.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "grievances.sms.HttpGatewayBackend")
if SMS_BACKEND == "grievances.sms.HttpGatewayBackend" and not os.environ.get("SMS_GATEWAY_URL"):
    raise ImproperlyConfigured("Set SMS_GATEWAY_URL (and SMS_GATEWAY_TOKEN) for the SMS gateway.")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
# Rate limits and cached pages must be shared by every worker. The site carries on when
# Redis is lost (pages uncached, rate limits per process: core/cache.py), so each attempt
# to reach it is cut short.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": REDIS_CACHE_OPTIONS,
    }
}

# Sessions remember which receipts and cases a browser may open, and staff logins: kept in
# the database, so that losing Redis logs nobody out and loses no receipt. Not "cache"
# (gone with Redis) nor "cached_db" (whose load, exists and delete raise when the cache is
# down, and which could bring back a logged-out session from a cache that missed the
# delete): cached public pages never open the session, so this costs one primary-key read
# on the uncached pages of visitors who have one. `manage.py clearsessions` (cron) purges.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Behind a proxy, its client-address header is believed only from the proxy: without
# GRS_TRUSTED_PROXIES every client would share the proxy's address, and its rate limits.
if GRS_CLIENT_IP_HEADER != "REMOTE_ADDR" and not GRS_TRUSTED_PROXIES:
    raise ImproperlyConfigured(
        "Set GRS_TRUSTED_PROXIES to the proxy's address (e.g. 127.0.0.1/32) when "
        "GRS_CLIENT_IP_HEADER is set."
    )

# Behind a TLS-terminating proxy that sets X-Forwarded-Proto; SECURE_SSL_REDIRECT=0 when
# the proxy already redirects http to https.
if env_bool("BEHIND_PROXY", True):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True

# "attachments" as base.py configures it: with more than one app server and no shared
# disk, set ATTACHMENTS_S3_BUCKET (an S3-compatible bucket every server reaches).
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False
WHITENOISE_MAX_AGE = 365 * 24 * 3600

# JSON lines on stdout (journald or the container runtime collects them), with request ids.
LOGGING = logging_config(os.environ.get("LOG_FORMAT", "json"), os.environ.get("LOG_LEVEL", "INFO"))

# Messages go to the worker through the broker, never sent inside a web request.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or REDIS_URL
CELERY_TASK_ALWAYS_EAGER = False
# /healthz says "degraded" when the worker's outbox sweep (every 15 seconds) or the hourly
# escalation sweep has not succeeded for this long.
HEARTBEAT_MAX_AGE = {
    "outbox_sweep": datetime.timedelta(minutes=10),
    "escalation_sweep": datetime.timedelta(hours=26),
}
