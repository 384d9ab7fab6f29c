"""Whole-page cache for the public pages, cleared whenever charter data changes.

Every page is stored with the charter version it was made from; saving or deleting any
charter record bumps the version, so an edit in admin shows on the public site at once,
on every worker sharing the cache.

The cache is reached through ``core.cache``: when it does not answer, pages are rendered
uncached, and an edit made meanwhile bumps the version once the cache answers again.
"""

import hashlib
from functools import wraps

from django.utils.cache import patch_cache_control
from django.utils.http import quote_etag
from django.utils.translation import get_language_from_path, get_language_from_request

from .cache import is_down, safe_add, safe_get, safe_get_many, safe_incr, safe_set

VERSION_KEY = "charter:version"
PAGE_TIMEOUT = 24 * 3600
BROWSER_MAX_AGE = 60
UNCACHED = ("/admin/", "/static/", "/healthz")


# An edit made while the cache did not answer: this process bumps the version as soon as
# the cache answers again, or pages made before the edit would be served once it is back.
_clear_pending = False


def charter_version() -> int | None:
    """The version pages are stored under; None when the cache does not answer."""
    global _clear_pending
    if _clear_pending:
        if not _bump_version():
            return None
        _clear_pending = False
    version = safe_get(VERSION_KEY)
    if version is None:
        if safe_add(VERSION_KEY, 1, timeout=None) is None:
            return None
        version = safe_get(VERSION_KEY)
    return version


def current_version(found: dict) -> int | None:
    """The version, from a ``safe_get_many`` answer that asked for ``VERSION_KEY`` too."""
    return (not _clear_pending and found.get(VERSION_KEY)) or charter_version()


def clear_charter_pages() -> None:
    global _clear_pending
    if not _bump_version():
        _clear_pending = True


def _bump_version() -> bool:
    if safe_incr(VERSION_KEY) is not None:
        return True
    if is_down():
        return False
    return safe_set(VERSION_KEY, 2, timeout=None)  # the key had gone


def cached_charter_page(view=None, *, fresh_for: int | None = None):
    """Mark a public page for ``CharterPageCacheMiddleware`` to cache, per language and path.

    ``fresh_for`` (seconds) is for a page that also shows data that does not bump the
    charter version (the GRS figures): its cache entry expires after ``fresh_for`` seconds.
    Use as ``@cached_charter_page`` or ``@cached_charter_page(fresh_for=600)``.
    """
    if view is None:
        return lambda view: cached_charter_page(view, fresh_for=fresh_for)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.charter_page_timeout = fresh_for or PAGE_TIMEOUT
        return response

    return wrapper


def page_key(request) -> str:
    """Per language, host and path: one deployment serves several offices, each at its own
    path (/bn/offices/<slug>/…) and at its own host names (the same path on another host
    is another office's page). ``get_host`` refuses a host not in ALLOWED_HOSTS (400)."""
    language = get_language_from_path(request.path_info) or get_language_from_request(request)
    where = f"{request.get_host().lower()}{request.get_full_path()}"
    path_hash = hashlib.md5(where.encode(), usedforsecurity=False)
    return f"charter:page:{language}:{path_hash.hexdigest()}"


class CharterPageCacheMiddleware:
    """Answer a cached public page before sessions, CSRF, auth and the view run.

    Placed below GZip and ConditionalGet (so compression and 304s follow each request)
    and above everything else, so a stored page carries the security headers it was
    first sent with. Only responses of views marked ``@cached_charter_page`` are stored.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Query strings are not cached: no public page reads one, and ?x=1, ?x=2... would
        # otherwise fill the shared cache (sessions and rate limits live there too).
        if (
            request.method not in ("GET", "HEAD")
            or request.GET
            or request.path_info.startswith(UNCACHED)
        ):
            return self.get_response(request)
        key = page_key(request)
        # One round trip: the page is stored with the charter version it was made from.
        found = safe_get_many([VERSION_KEY, key])
        version = current_version(found)
        if version is None:  # the cache does not answer: the page is made afresh
            return self.get_response(request)
        stored_version, response = found.get(key, (None, None))
        if stored_version == version:
            return response
        response = self.get_response(request)
        timeout = getattr(response, "charter_page_timeout", None)
        if timeout and response.status_code == 200 and not response.streaming:
            if response.cookies:  # something personal got in: never share it
                return response
            digest = hashlib.md5(response.content, usedforsecurity=False).hexdigest()
            response["ETag"] = quote_etag(digest)
            patch_cache_control(response, public=True, max_age=BROWSER_MAX_AGE)
            safe_set(key, (version, response), timeout)
        return response
