"""Whole-page cache for the public pages, cleared whenever charter data changes.

Every page is stored with the charter version it was made from; saving or deleting any
charter record bumps the version, so an edit in admin shows on the public site at once,
on every worker sharing the cache.
"""

import hashlib
from functools import wraps

from django.core.cache import cache
from django.utils.cache import patch_cache_control
from django.utils.http import quote_etag
from django.utils.translation import get_language_from_path, get_language_from_request

VERSION_KEY = "charter:version"
PAGE_TIMEOUT = 24 * 3600
BROWSER_MAX_AGE = 60
UNCACHED = ("/admin/", "/static/", "/healthz")


def charter_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY, 1)
    return version


def clear_charter_pages() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 2, timeout=None)


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
    language = get_language_from_path(request.path_info) or get_language_from_request(request)
    path_hash = hashlib.md5(request.get_full_path().encode(), usedforsecurity=False)
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
        found = cache.get_many([VERSION_KEY, key])
        version = found.get(VERSION_KEY) or charter_version()
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
            cache.set(key, (version, response), timeout)
        return response
