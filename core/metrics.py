"""``/metrics`` for Prometheus, answered only to ``METRICS_ALLOWED_NETWORKS``; 404 to anyone else.

The requests, latencies and errors are django-prometheus's (its two middlewares). An app
adds figures read from shared state (the database) at each scrape with
``register_scrape_time_collector`` in its ``AppConfig.ready()``: they are the same whichever
process or server is scraped.

With several gunicorn workers, set ``PROMETHEUS_MULTIPROC_DIR`` (an empty directory, emptied
at each start) so that a scrape adds up the counts of every worker instead of showing
whichever worker answered (prometheus_client's multiprocess mode; docs/deploy.md).
"""

import functools
import ipaddress
import os

from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)

from .ratelimit import _parse

_scrape_time_collectors: list = []
# A request that came through the reverse proxy carries one of these (README's nginx lines).
PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP")


def register_scrape_time_collector(collector) -> None:
    """Add a collector whose figures are computed at each scrape (once per class)."""
    if not any(type(known) is type(collector) for known in _scrape_time_collectors):
        _scrape_time_collectors.append(collector)


@functools.lru_cache(maxsize=4)
def _networks(allowed: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(network, strict=False) for network in allowed)


def may_scrape(request) -> bool:
    """A client connecting directly from ``METRICS_ALLOWED_NETWORKS``.

    ``REMOTE_ADDR`` itself, not ``core.ratelimit.client_ip``: a scraper connects straight to
    the application server. A request relayed by the proxy is refused even though it comes
    from an allowed address (nginx on the same machine is 127.0.0.1): it carries the
    proxy's client-address header.
    """
    address = _parse(request.META.get("REMOTE_ADDR", ""))
    if address is None or not any(
        address in network for network in _networks(tuple(settings.METRICS_ALLOWED_NETWORKS))
    ):
        return False
    relayed = set(PROXY_HEADERS) | ({settings.GRS_CLIENT_IP_HEADER} - {"REMOTE_ADDR"})
    return not any(request.META.get(header) for header in relayed)


def registry() -> CollectorRegistry:
    scraped = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(scraped)
    else:
        scraped.register(REGISTRY)
    for collector in _scrape_time_collectors:
        scraped.register(collector)
    return scraped


@never_cache
def metrics(request):
    if not may_scrape(request):
        raise Http404
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
