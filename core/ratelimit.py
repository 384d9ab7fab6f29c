"""Fixed-window rate limits in the default cache (shared Redis in production)."""

import hashlib

from django.conf import settings
from django.core.cache import cache


def client_ip(request) -> str:
    return request.META.get(settings.GRS_CLIENT_IP_HEADER) or request.META.get("REMOTE_ADDR", "")


def _cache_key(scope: str, key: str) -> str:
    # Hashed, so that no mobile number or address sits in the cache in clear text.
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{key}".encode()).hexdigest()[:32]
    return f"grs-rate:{scope}:{digest}"


def exceeded(scope: str, key: str) -> bool:
    """Whether ``key`` has used up its ``scope`` without counting this request."""
    limit, _window = settings.GRS_RATE_LIMITS[scope]
    return (cache.get(_cache_key(scope, key)) or 0) >= limit


def allow(scope: str, key: str) -> bool:
    """Count one request for ``key`` in ``scope``; False once the limit is exceeded."""
    limit, window = settings.GRS_RATE_LIMITS[scope]
    cache_key = _cache_key(scope, key)
    if cache.add(cache_key, 1, timeout=window):
        return True
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window)
        return True
    return count <= limit
