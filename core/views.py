"""Site-wide pages with no charter in them: the root redirect, language switch, health check."""

from django.conf import settings
from django.db import connection
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.urls import translate_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language_from_path, override
from django.views.decorators.cache import never_cache

from . import cache as shared_cache
from . import heartbeat


def root(request):
    """``/``: Bangla unless the visitor chose English before (language cookie)."""
    language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    return HttpResponseRedirect(f"/{language}/")


def switch_language(request, language):
    """Go to the same page in the other language and remember the choice."""
    if language not in dict(settings.LANGUAGES):
        raise Http404
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = f"/{language}/"
    # Resolve the page in its own language: the browser's Accept-Language (often en-US on a
    # Bangla reader's phone) is the active one here, and /bn/... would not resolve under it.
    with override(get_language_from_path(next_url) or settings.LANGUAGE_CODE):
        response = HttpResponseRedirect(translate_url(next_url, language))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


@never_cache
def healthz(request):
    """For the load balancer: 503 only when this instance cannot serve (no database).

    A lost cache, or a periodic job that has not run for longer than ``HEARTBEAT_MAX_AGE``
    allows (``"stale": [...]``), is ``"degraded"`` with 200: the instance still serves every
    page, the complaint form and tracking (uncached, rate limits per process), and every instance
    shares the one cache, so taking instances out for it would take the whole site down.
    """
    cache_state = "ok" if shared_cache.ping() else "down"
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse(
            {"status": "unavailable", "database": "down", "cache": cache_state}, status=503
        )
    body = {"status": "ok", "database": "ok", "cache": cache_state}
    stale = heartbeat.stale_jobs()
    if stale:
        # The worker or the scheduler stopped: pages still serve, messages or escalations wait.
        body["stale"] = stale
    if cache_state != "ok" or stale:
        body["status"] = "degraded"
    return JsonResponse(body)
