"""The default cache, reached so that losing it slows the site down instead of stopping it.

The cache (Redis in production) only makes the site faster and shares the rate-limit
counters between processes; nothing in it is the only copy of anything. Every use goes
through these functions: when the cache does not answer they answer "nothing there"
(``None``, ``{}``, ``False``) and the caller carries on without it, rendering the page
uncached, reading the charter from the database, counting rate limits in this process.

After a failure this process leaves the cache alone for ``BACKOFF_SECONDS``, so a burst
of requests does not wait on a dead server once per call (the connection attempt itself
is bounded by ``socket_connect_timeout`` in ``CACHES["default"]["OPTIONS"]``). The outage
is logged when it starts, at most once a minute while it lasts, and when it ends.
"""

import logging
import threading
import time

from django.core.cache import cache
from django.core.signals import setting_changed
from django.dispatch import receiver
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# What a cache that does not answer raises: the Redis client's errors (refused, timed out,
# reset, out of memory), and plain socket errors from any other backend.
CACHE_ERRORS = (RedisError, OSError)
BACKOFF_SECONDS = 5.0
LOG_EVERY_SECONDS = 60.0
HEALTH_KEY = "core:healthz"

_lock = threading.Lock()
_down_until = 0.0  # time.monotonic() before which this process does not try the cache
_down_since: float | None = None
_logged_at = 0.0


def is_down() -> bool:
    """Whether this process is leaving the cache alone after a recent failure."""
    return time.monotonic() < _down_until


def _failed(error: Exception) -> None:
    global _down_until, _down_since, _logged_at
    now = time.monotonic()
    with _lock:
        _down_until = now + BACKOFF_SECONDS
        started = _down_since is None
        if started:
            _down_since = now
        elif now - _logged_at < LOG_EVERY_SECONDS:
            return
        _logged_at = now
        lasted = now - _down_since
    if started:
        logger.warning(
            "Cache unavailable (%s: %s): pages are served uncached and rate limits counted "
            "per process until it answers again",
            error.__class__.__name__,
            error,
        )
    else:
        logger.warning("Cache still unavailable after %d s (%s)", lasted, error.__class__.__name__)


def _answered() -> None:
    global _down_until, _down_since
    if _down_since is None:
        return
    with _lock:
        since, _down_since, _down_until = _down_since, None, 0.0
    if since is not None:
        logger.warning("Cache answers again after %d s", time.monotonic() - since)


def _call(method: str, *args, **kwargs):
    """``(True, result)``, or ``(False, None)`` when the cache is down or does not answer."""
    if is_down():
        return False, None
    try:
        result = getattr(cache, method)(*args, **kwargs)
    except CACHE_ERRORS as error:
        _failed(error)
        return False, None
    _answered()
    return True, result


def safe_get(key: str, default=None):
    answered, value = _call("get", key, default)
    return value if answered else default


def safe_get_many(keys: list[str]) -> dict:
    return _call("get_many", keys)[1] or {}


def safe_set(key: str, value, timeout) -> bool:
    return _call("set", key, value, timeout)[0]


def safe_add(key: str, value, timeout) -> bool | None:
    """True if added, False if the key was there, None if the cache did not answer."""
    answered, added = _call("add", key, value, timeout)
    return added if answered else None


def safe_incr(key: str, delta: int = 1) -> int | None:
    """The new value; None if the key is missing or the cache did not answer."""
    try:
        answered, value = _call("incr", key, delta)
    except ValueError:  # missing key
        return None
    return value if answered else None


def count_in_window(key: str, window: int) -> int | None:
    """Count one more event under ``key`` in a fixed window of ``window`` seconds.

    The count so far, this one included; None if the cache did not answer.
    """
    added = safe_add(key, 1, window)
    if added is None:
        return None
    if added:
        return 1
    count = safe_incr(key)
    if count is not None:
        return count
    if is_down():
        return None
    # Expired between add and incr: this is the first event of a new window.
    return 1 if safe_set(key, 1, window) else None


def ping() -> bool:
    """Whether the cache answers now, tried even during the back-off (for ``/healthz``)."""
    try:
        cache.get(HEALTH_KEY)
    except CACHE_ERRORS as error:
        _failed(error)
        return False
    _answered()
    return True


def reset() -> None:
    """Forget any outage: the cache has been reconfigured."""
    global _down_until, _down_since, _logged_at
    with _lock:
        _down_until, _down_since, _logged_at = 0.0, None, 0.0


@receiver(setting_changed)
def _cache_reconfigured(*, setting, **kwargs):
    if setting == "CACHES":
        reset()
