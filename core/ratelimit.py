"""Fixed-window rate limits in the default cache (shared Redis in production).

When the cache does not answer, the same limits are counted in each process's memory
instead: never open, at most N times looser with N processes (two in the README's
gunicorn line), and back to the shared counts as soon as the cache answers again.
"""

import functools
import hashlib
import ipaddress
import logging
import threading
import time

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from .cache import count_in_window, is_down, safe_get

logger = logging.getLogger(__name__)
FALLBACK_LOG_EVERY_SECONDS = 60.0


# --- Who is asking ---


def client_ip(request) -> str:
    """The client's address: ``REMOTE_ADDR``, or, when that is a trusted proxy
    (``GRS_TRUSTED_PROXIES``), the address the proxy put in ``GRS_CLIENT_IP_HEADER``.

    A header from anyone else is ignored: a client could send any address in it. In a list
    (``X-Forwarded-For: client, proxy1, proxy2``), everything left of the last proxy's entry
    was written by the client, so the answer is the right-most address that is not a
    trusted proxy. A malformed value falls back to ``REMOTE_ADDR``.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    header = settings.GRS_CLIENT_IP_HEADER
    if header == "REMOTE_ADDR" or not _is_trusted(_parse(remote)):
        return remote
    return _right_most_untrusted(request.META.get(header, "")) or remote


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    # ::ffff:192.0.2.1 (a dual-stack socket) is 192.0.2.1.
    return getattr(address, "ipv4_mapped", None) or address


@functools.lru_cache(maxsize=4)
def _networks(trusted: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(network, strict=False) for network in trusted)


def _is_trusted(address) -> bool:
    if address is None:
        return False
    return any(address in network for network in _networks(tuple(settings.GRS_TRUSTED_PROXIES)))


def _right_most_untrusted(value: str) -> str | None:
    addresses = []
    for part in reversed(value.split(",")):
        address = _parse(part)
        if address is None:
            return None
        if not _is_trusted(address):
            return str(address)
        addresses.append(address)
    # Every hop is a trusted proxy: the client is inside the trusted networks.
    return str(addresses[-1]) if addresses else None


# --- Counting ---


def _cache_key(scope: str, key: str) -> str:
    # Hashed, so that no mobile number or address sits in the cache in clear text.
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{key}".encode()).hexdigest()[:32]
    return f"grs-rate:{scope}:{digest}"


class _ProcessCounter:
    """Fixed-window counts in this process's memory, for while the cache does not answer.

    Holds at most ``MAX_KEYS`` counters: past that, expired ones go first, then the oldest.
    """

    MAX_KEYS = 10_000

    def __init__(self):
        self._lock = threading.Lock()
        self._counts: dict[str, tuple[float, int]] = {}  # key: (window ends, count)
        self._warned_at: float | None = None

    def count(self, key: str, window: int) -> int:
        now = time.monotonic()
        self._warn(now)
        with self._lock:
            ends, count = self._counts.get(key, (0.0, 0))
            if now >= ends:
                ends, count = now + window, 0
                self._counts.pop(key, None)  # re-inserted last: the newest
            self._counts[key] = (ends, count + 1)
            if len(self._counts) > self.MAX_KEYS:
                self._prune(now)
            return count + 1

    def peek(self, key: str) -> int:
        now = time.monotonic()
        self._warn(now)
        with self._lock:
            ends, count = self._counts.get(key, (0.0, 0))
        return count if now < ends else 0

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()
            self._warned_at = None

    def _prune(self, now: float) -> None:
        self._counts = {key: entry for key, entry in self._counts.items() if entry[0] > now}
        while len(self._counts) > self.MAX_KEYS:
            del self._counts[next(iter(self._counts))]

    def _warn(self, now: float) -> None:
        if self._warned_at is not None and now - self._warned_at < FALLBACK_LOG_EVERY_SECONDS:
            return
        self._warned_at = now
        logger.warning("Cache unavailable: rate limits are counted in this process only")


process_counter = _ProcessCounter()


def exceeded(scope: str, key: str) -> bool:
    """Whether ``key`` has used up its ``scope`` without counting this request."""
    limit, _window = settings.GRS_RATE_LIMITS[scope]
    cache_key = _cache_key(scope, key)
    count = None if is_down() else safe_get(cache_key)
    if count is None and is_down():
        count = process_counter.peek(cache_key)
    return (count or 0) >= limit


def allow(scope: str, key: str) -> bool:
    """Count one request for ``key`` in ``scope``; False once the limit is exceeded."""
    limit, window = settings.GRS_RATE_LIMITS[scope]
    cache_key = _cache_key(scope, key)
    count = count_in_window(cache_key, window)
    if count is None:
        count = process_counter.count(cache_key, window)
    return count <= limit


@receiver(setting_changed)
def _cache_reconfigured(*, setting, **kwargs):
    if setting == "CACHES":  # tests pointing the cache elsewhere start with no counts
        process_counter.clear()
