"""Whole-page cache for the public charter pages, cleared whenever charter data changes.

Every key carries a charter version number; saving or deleting any charter record bumps
it, so an edit in admin shows on the public site at once, on every worker sharing the cache.
"""

import hashlib
import time
from functools import wraps

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.utils.cache import patch_cache_control
from django.utils.http import quote_etag
from django.utils.translation import get_language

VERSION_KEY = "charter:version"
PAGE_TIMEOUT = 24 * 3600
BROWSER_MAX_AGE = 60


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
    """Serve a public page from the cache, per language and full path, with an ETag.

    ``fresh_for`` (seconds) is for a page that also shows data that does not bump the
    charter version (the GRS figures): its cache entry is also replaced every
    ``fresh_for`` seconds. Use as ``@cached_charter_page`` or
    ``@cached_charter_page(fresh_for=600)``.
    """
    if view is None:
        return lambda view: cached_charter_page(view, fresh_for=fresh_for)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        path_hash = hashlib.md5(request.get_full_path().encode(), usedforsecurity=False)
        key = f"charter:page:{charter_version()}:{get_language()}:{path_hash.hexdigest()}"
        if fresh_for:
            key += f":{int(time.time() // fresh_for)}"
        response = cache.get(key)
        if response is None:
            response = view(request, *args, **kwargs)
            if response.status_code == 200 and not response.streaming:
                digest = hashlib.md5(response.content, usedforsecurity=False).hexdigest()
                response["ETag"] = quote_etag(digest)
                patch_cache_control(response, public=True, max_age=BROWSER_MAX_AGE)
                cache.set(key, response, fresh_for or PAGE_TIMEOUT)
        return response

    return wrapper


def _charter_changed(sender, **kwargs):
    clear_charter_pages()


def connect_signals():
    from .models import Charter, Expectation, GrsTier, Office, Officer, Service

    for model in (Office, Officer, Charter, Expectation, GrsTier, Service):
        post_save.connect(_charter_changed, sender=model, dispatch_uid=f"charter-pages-{model}")
        post_delete.connect(_charter_changed, sender=model, dispatch_uid=f"charter-del-{model}")
