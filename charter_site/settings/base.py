"""Settings read from the environment, with safe development defaults.

Development uses this module as it is; ``production.py`` hardens it and ``test.py`` speeds it
up. Every environment variable read here or there is in the README's table.
"""

import ipaddress
import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def database_from_url(url: str) -> dict:
    """Turn ``sqlite:///path`` or ``postgres://user:pass@host:port/name`` into a DATABASES entry."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        # sqlite:///relative.db and sqlite:////absolute/path.db, as dj-database-url reads them
        path = unquote(parsed.path)[1:]
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": path or BASE_DIR / "db.sqlite3"}
    if parsed.scheme in {"postgres", "postgresql", "pgsql"}:
        options = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": int(os.environ.get("CONN_MAX_AGE", "60")),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    raise ValueError(f"Unsupported DATABASE_URL scheme: {parsed.scheme!r}")


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "development-only-key-do-not-use-in-production")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "csp",
    "django_prometheus",
    # Spreadsheet import and export of an office's services in admin (services/resources.py).
    "import_export",
    "core",
    "services",
    "grievances",
    "reports",
    "open311",
]

MIDDLEWARE = [
    # First and last: requests, latencies and errors for /metrics (django-prometheus).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Above the page cache, so that cached pages carry their request id too.
    "core.request_id.RequestIdMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "core.caching.CharterPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last but one, so that its process_exception runs before every other's but
    # PrometheusAfterMiddleware's (which only counts the exception): a lost database answers 503.
    "core.middleware.DatabaseUnavailableMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

# No inline script or style anywhere, public site and admin alike.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True

ROOT_URLCONF = "charter_site.urls"
WSGI_APPLICATION = "charter_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "services.context_processors.charter",
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The site carries on without the cache (core/cache.py), so a Redis that does not answer
# must cost a fraction of a second, not the operating system's minutes-long TCP timeout.
REDIS_CACHE_OPTIONS = {"socket_connect_timeout": 0.25, "socket_timeout": 0.5}
_redis_url = os.environ.get("REDIS_URL")
if _redis_url:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _redis_url,
            "OPTIONS": REDIS_CACHE_OPTIONS,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "bn"
LANGUAGES = [("bn", _("Bangla")), ("en", _("English"))]
MODELTRANSLATION_DEFAULT_LANGUAGE = "bn"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("bn",)
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Dhaka"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("MANIFEST_STATIC", False)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not env_bool("MANIFEST_STATIC", False)
WHITENOISE_MAX_AGE = 365 * 24 * 3600 if env_bool("MANIFEST_STATIC", False) else 60
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "grs@doict.kaunia.rangpur.gov.bd")

# Public site's canonical origin, used in QR codes and links in messages.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
# The office whose charter the site shows (its primary key); unset: the first charter.
CHARTER_OFFICE_ID = (
    int(os.environ["CHARTER_OFFICE_ID"]) if os.environ.get("CHARTER_OFFICE_ID") else None
)
# Open311: the jurisdiction_id this endpoint answers to; unset: any (the parameter is optional).
OPEN311_JURISDICTION_ID = os.environ.get("OPEN311_JURISDICTION_ID", "")


def logging_config(log_format: str, level: str) -> dict:
    """Every record gets the request id (core/request_id.py); ``json``: one JSON object a
    line on stdout, for the log collector; ``text``: readable lines on stderr."""
    if log_format not in {"json", "text"}:
        raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {log_format!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "core.request_id.RequestIdFilter"}},
        "formatters": {
            "json": {"()": "core.request_id.JsonFormatter"},
            "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout" if log_format == "json" else "ext://sys.stderr",
                "formatter": log_format,
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
    }


LOGGING = logging_config(
    os.environ.get("LOG_FORMAT", "text"), os.environ.get("LOG_LEVEL", "WARNING")
)

# /metrics answers only clients connecting from these networks (404 to everyone else).
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS", "127.0.0.1/32,::1/128")
for _network in METRICS_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(f"METRICS_ALLOWED_NETWORKS: {_error}") from None

# backup_site writes JSON whose times keep their microseconds (the timeline's "when").
SERIALIZATION_MODULES = {"exactjson": "core.backup_format"}
# restore_site refuses to merge into a database that already holds rows of these.
BACKUP_PROTECTED_MODELS = ["grievances.Grievance"]

# --- Grievance redress ---
# Complaint attachments: never served by URL; admin streams them to staff allowed to see the
# case. By default on this server's disk under PRIVATE_MEDIA_ROOT (outside MEDIA_ROOT); with
# ATTACHMENTS_S3_BUCKET in an S3-compatible bucket that every app server reaches, private
# objects (boto3 takes the credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or
# its other usual sources). A signed URL, if anything ever asks for one, lasts 5 minutes.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", BASE_DIR / "private_media"))
ATTACHMENTS_S3_BUCKET = os.environ.get("ATTACHMENTS_S3_BUCKET", "")
if ATTACHMENTS_S3_BUCKET:
    STORAGES["attachments"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": ATTACHMENTS_S3_BUCKET,
            "endpoint_url": os.environ.get("ATTACHMENTS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("ATTACHMENTS_S3_REGION") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 300,
            "signature_version": "s3v4",
            "file_overwrite": False,
        },
    }
else:
    STORAGES["attachments"] = {"BACKEND": "grievances.models.PrivateFileSystemStorage"}
# SMS backends: grievances.sms.ConsoleBackend / FileBackend / LocmemBackend / HttpGatewayBackend
SMS_BACKEND = os.environ.get("SMS_BACKEND", "grievances.sms.ConsoleBackend")
SMS_FILE_PATH = os.environ.get("SMS_FILE_PATH", str(BASE_DIR / "sms_outbox"))
SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
SMS_GATEWAY_TOKEN = os.environ.get("SMS_GATEWAY_TOKEN", "")
SMS_GATEWAY_SENDER = os.environ.get("SMS_GATEWAY_SENDER", "")
SMS_GATEWAY_TIMEOUT = int(os.environ.get("SMS_GATEWAY_TIMEOUT", "10"))
# Outbox: attempts before a message is marked failed (retries back off exponentially).
GRS_OUTBOX_MAX_ATTEMPTS = int(os.environ.get("GRS_OUTBOX_MAX_ATTEMPTS", "8"))
# The Cabinet Division cell's e-mail address: when set, each case that reaches tier 3 has its
# summary e-mailed there for the cell's information (the complainant still files it at
# grs.gov.bd). Empty: nothing is sent to the cell.
GRS_CABINET_CELL_EMAIL = os.environ.get("GRS_CABINET_CELL_EMAIL", "").strip()
# Rate limits as (requests, seconds), counted in the default cache (Redis in production).
GRS_RATE_LIMITS = {
    # Complaint forms per client address: complete ones, and incomplete ones that carried files.
    "submit_ip": (10, 3600),
    # Web complaints with one mobile number before the next is flagged for the GRO (never
    # refused), counted in the database; and receipt SMS to one number (more get none).
    "submit_mobile": (5, 24 * 3600),
    "receipt_sms_mobile": (3, 24 * 3600),
    # Wrong tracking guesses (number + mobile that match no case): per client address, per
    # session, and per tracking number (then new sessions need an SMS code for that number).
    "track_ip": (30, 3600),
    "track_session": (10, 3600),
    "track_number": (10, 3600),
    # One-time codes by SMS to one mobile number (grievances/mobile_verification.py).
    "mobile_code_mobile": (3, 3600),
    # Failed admin logins, per client address and per user name.
    "admin_login_ip": (20, 900),
    "admin_login_user": (5, 900),
    # Open311 POST requests per API key (a partner system's whole traffic, anonymous
    # complaints included): a leaked key files at most this many before it is revoked.
    "open311_key": (120, 3600),
}
# Only for load tests, where every request comes from one address: multiplies the limits.
_rate_limit_scale = int(os.environ.get("GRS_RATE_LIMIT_SCALE", "1"))
GRS_RATE_LIMITS = {
    scope: (count * _rate_limit_scale, window) for scope, (count, window) in GRS_RATE_LIMITS.items()
}
# The request header that holds the client's address behind the proxy, e.g. "HTTP_X_REAL_IP"
# or "HTTP_X_FORWARDED_FOR"; believed only from the trusted proxies below.
GRS_CLIENT_IP_HEADER = os.environ.get("GRS_CLIENT_IP_HEADER", "REMOTE_ADDR")
# Networks of the reverse proxies whose GRS_CLIENT_IP_HEADER is believed, e.g.
# "127.0.0.1/32,10.0.0.0/8". Empty: no header is believed; REMOTE_ADDR is the client.
GRS_TRUSTED_PROXIES = env_list("GRS_TRUSTED_PROXIES", "")
for _network in GRS_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(f"GRS_TRUSTED_PROXIES: {_error}") from None

# --- Worker and scheduler (Celery) ---
# The broker: CELERY_BROKER_URL, else REDIS_URL. Without one (development, `make run`),
# tasks run in the web process right after the transaction that queued them commits.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or _redis_url or "memory://"
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL == "memory://"
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged only when it has finished, and re-delivered if its worker died:
# the outbox and the message id as idempotency key keep a re-delivery from sending twice.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 300}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A web request hands a task over once and moves on: with the broker down, the outbox
# sweep sends the message later, and the citizen does not wait for retries.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_TIMEZONE = TIME_ZONE
# The worker logs through LOGGING (JSON lines with request ids in production), not Celery's own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE = {
    # Whatever a lost task left behind, and retries after a gateway failure. Every 15 s: a
    # killed worker's message waits at most that long, and at 500 a run the retries after a
    # gateway outage go out at up to 2,000 a minute (bench/RESULTS.md, "Messages in seconds").
    "send-due-messages": {"task": "grievances.tasks.send_due_messages", "schedule": 15.0},
    # Hourly, though deadlines pass at midnight: a missed run is caught up within the hour.
    "escalate-overdue": {
        "task": "grievances.tasks.escalate_overdue_cases",
        "schedule": crontab(minute=15),
    },
    "officer-digest": {
        "task": "grievances.tasks.queue_officer_digest",
        "schedule": crontab(minute=30, hour=8, day_of_week="sun-thu"),
    },
}
# Periodic jobs whose heartbeat /healthz checks: name -> the age at which it is stale.
# Development and tests run no scheduler; production expects one (production.py).
HEARTBEAT_MAX_AGE = {}
