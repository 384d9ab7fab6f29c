"""Settings read from the environment, with safe development defaults.

Development uses this module as it is; ``production.py`` hardens it and ``test.py`` speeds it
up. Every environment variable read here or there is in the README's table.
"""

import ipaddress
import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

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
    "core",
    "services",
    "grievances",
    "reports",
    "open311",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
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
    # Last, so that its process_exception runs first: a lost database answers 503.
    "core.middleware.DatabaseUnavailableMiddleware",
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# backup_site writes JSON whose times keep their microseconds (the timeline's "when").
SERIALIZATION_MODULES = {"exactjson": "core.backup_format"}
# restore_site refuses to merge into a database that already holds rows of these.
BACKUP_PROTECTED_MODELS = ["grievances.Grievance"]

# --- Grievance redress ---
# Complaint attachments: outside MEDIA_ROOT, never served by URL; admin streams them.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", BASE_DIR / "private_media"))
# SMS backends: grievances.sms.ConsoleBackend / FileBackend / LocmemBackend / HttpGatewayBackend
SMS_BACKEND = os.environ.get("SMS_BACKEND", "grievances.sms.ConsoleBackend")
SMS_FILE_PATH = os.environ.get("SMS_FILE_PATH", str(BASE_DIR / "sms_outbox"))
SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
SMS_GATEWAY_TOKEN = os.environ.get("SMS_GATEWAY_TOKEN", "")
SMS_GATEWAY_SENDER = os.environ.get("SMS_GATEWAY_SENDER", "")
SMS_GATEWAY_TIMEOUT = int(os.environ.get("SMS_GATEWAY_TIMEOUT", "10"))
# Outbox: attempts before a message is marked failed (retries back off exponentially).
GRS_OUTBOX_MAX_ATTEMPTS = int(os.environ.get("GRS_OUTBOX_MAX_ATTEMPTS", "8"))
# Rate limits as (requests, seconds), counted in the default cache (Redis in production).
GRS_RATE_LIMITS = {
    "submit_ip": (10, 3600),
    "submit_mobile": (5, 24 * 3600),
    "track_ip": (30, 3600),
    "track_mobile": (10, 3600),
    # Failed admin logins, per client address and per user name.
    "admin_login_ip": (20, 900),
    "admin_login_user": (5, 900),
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
