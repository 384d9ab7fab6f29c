"""Which office a public page is for, and links that keep a visitor inside that office.

One deployment serves the pages of every office. A request is for:

1. the office named in its path, ``/<lang>/offices/<slug>/…``: the views mounted there
   (``for_each_office`` in ``charter_site/urls.py``) are wrapped by ``office_page``, which
   puts the slug on the request and answers 404 for an unknown one;
2. else the office whose host name (``OfficeHost``) the request came to, at the unprefixed
   addresses. Django refuses a host that is not in ALLOWED_HOSTS before this is read, so an
   office's host name goes in both;
3. else the deployment's default office: ``CHARTER_OFFICE_ID``, or the office of the first
   published charter. The unprefixed addresses, a printed contract, keep serving it.

What a page needs of its office (a ``Site``) is read in one query and kept in the shared
cache until charter data changes, under the same version as the cached pages.

Links: templates write ``{% office_url "services:list" %}`` (``services.templatetags.offices``),
which stays under ``/<lang>/offices/<slug>/`` when the request came through it. Addresses
printed or published elsewhere (the QR code, charter.json) come from ``public_url``.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.db.models import Exists, Max, OuterRef, Q, Subquery
from django.http import Http404
from django.http.request import split_domain_port
from django.urls import NoReverseMatch, URLPattern, reverse

from core.cache import safe_get_many, safe_set
from core.caching import PAGE_TIMEOUT, VERSION_KEY, current_version

from .models import SLUG_PATTERN, Charter, GrsTier, Office, OfficeHost, Service

# The URL namespace the offices' pages are mounted under (charter_site/urls.py).
NAMESPACE = "office"


@dataclass(frozen=True)
class Site:
    """One office's public pages: what every page of the office shows."""

    office: Office
    # The published charter; None until there is one: the pages then say so.
    charter: Charter | None
    # Addressed as offices/<slug>/ from SITE_URL (for QR codes and data): every office but
    # the default one reached at the unprefixed addresses of the main host.
    prefixed: bool
    # An office without a published charter: the GRS row (tier 1) of the nearest office
    # above with a published charter, whose GRO takes its complaints; None if there is none.
    gro_above: GrsTier | None = None

    @property
    def takes_complaints(self) -> bool:
        return self.charter is not None or self.gro_above is not None


# --- Finding the site ---


def _offices():
    """Offices with what their pages show: parents, the charter and its signatory, and
    ``services_updated_at`` (the latest change to the office's services, for the footer)."""
    latest_service_change = (
        Service.objects.filter(office=OuterRef("pk"))
        .order_by()
        .values("office")
        .annotate(latest=Max("updated_at"))
        .values("latest")
    )
    return Office.objects.select_related(
        "parent__parent__parent", "charter__signatory__office"
    ).annotate(services_updated_at=Subquery(latest_service_change))


def published_charter(office: Office) -> Charter | None:
    charter = getattr(office, "charter", None)  # a missing one-to-one raises AttributeError
    return charter if charter is not None and charter.is_published else None


def ancestors(office: Office) -> list[Office]:
    found, current = [], office.parent
    while current is not None and current not in found:
        found.append(current)
        current = current.parent
    return found


def _gro_above(office: Office) -> GrsTier | None:
    chain = ancestors(office)
    if not chain:
        return None
    tiers = {
        tier.charter.office_id: tier
        for tier in GrsTier.objects.filter(
            level=GrsTier.Level.GRO, charter__is_published=True, charter__office__in=chain
        ).select_related("charter", "officer__office")
    }
    return next((tiers[parent.pk] for parent in chain if parent.pk in tiers), None)


def _site(office: Office | None, *, prefixed: bool) -> Site | None:
    if office is None:
        return None
    charter = published_charter(office)
    if charter is not None:
        charter.services_updated_at = office.services_updated_at
        return Site(office=office, charter=charter, prefixed=prefixed)
    return Site(office=office, charter=None, prefixed=prefixed, gro_above=_gro_above(office))


def _find_by_slug(slug: str) -> Site | None:
    return _site(_offices().filter(slug=slug).first(), prefixed=True)


def _find_by_host(host: str | None) -> Site | None:
    """The office with this host name, else the default office: one query."""
    if settings.CHARTER_OFFICE_ID:
        default = Q(pk=settings.CHARTER_OFFICE_ID)
    else:
        default = Q(charter__is_published=True)
    offices = _offices()
    if host:
        by_host = Exists(OfficeHost.objects.filter(office=OuterRef("pk"), host=host))
        offices = offices.annotate(by_host=by_host).filter(Q(by_host=True) | default)
        office = offices.order_by("-by_host", "charter__pk").first()
        return _site(office, prefixed=bool(office and office.by_host))
    return _site(offices.filter(default).order_by("charter__pk").first(), prefixed=False)


def _cached(key: str, find) -> Site | None:
    """``find()``, kept in the shared cache with the charter version; read from the
    database when the cache does not answer. Offices that do not exist are not kept."""
    found = safe_get_many([VERSION_KEY, key])
    version = current_version(found)
    if version is None:
        return find()
    stored_version, site = found.get(key, (None, None))
    if stored_version != version:
        site = find()
        if site is not None:
            safe_set(key, (version, site), PAGE_TIMEOUT)
    return site


def site_by_slug(slug: str) -> Site | None:
    if not re.match(SLUG_PATTERN, slug):
        return None
    return _cached(f"charter:site:office:{slug}", lambda: _find_by_slug(slug))


def site_by_host(host: str | None) -> Site | None:
    return _cached(f"charter:site:host:{host or ''}", lambda: _find_by_host(host))


def default_site() -> Site | None:
    """The deployment's default office, as the unprefixed addresses of the main host show it."""
    return site_by_host(None)


def _host(request) -> str:
    domain, _port = split_domain_port(request.get_host())  # refuses hosts not allowed
    return domain


def site_for_request(request) -> Site | None:
    """The office the request is for (see the module's docstring), once per request."""
    if not hasattr(request, "_office_site"):
        slug = getattr(request, "office_slug", None)
        request._office_site = (
            site_by_slug(slug) if slug is not None else site_by_host(_host(request))
        )
    return request._office_site


def site_or_404(request) -> Site:
    site = site_for_request(request)
    if site is None:
        raise Http404("No office has been entered yet.")
    return site


def office_for_request(request) -> Office | None:
    site = site_for_request(request)
    return site.office if site else None


# --- The offices' pages ---


def office_page(view):
    """The view, for the office named by the URL's ``office`` slug."""

    @wraps(view)
    def wrapped(request, *args, office, **kwargs):
        request.office_slug = office
        request._office_site = site_by_slug(office)
        if request._office_site is None:
            raise Http404("No such office.")
        return view(request, *args, **kwargs)

    return wrapped


def for_each_office(patterns: Iterable[URLPattern], names: Iterable[str] | None = None):
    """The URL patterns again (those named in ``names``, or all), their views wrapped by
    ``office_page``: for mounting under ``offices/<slug:office>/``."""
    names = set(names) if names is not None else None
    return [
        URLPattern(
            pattern.pattern, office_page(pattern.callback), pattern.default_args, pattern.name
        )
        for pattern in patterns
        if names is None or pattern.name in names
    ]


def office_url(request, viewname: str, *args) -> str:
    """``reverse(viewname, args)``, inside the request's office when the request came
    through ``/<lang>/offices/<slug>/`` and the page exists there too; the shared pages
    (tracking a complaint, the directory) have one address for every office."""
    slug = getattr(request, "office_slug", None)
    if slug:
        try:
            return reverse(f"{NAMESPACE}:{viewname}", args=[slug, *args])
        except NoReverseMatch:
            pass
    return reverse(viewname, args=args)


def public_url(request, viewname: str, *args) -> str:
    """The absolute address of one of the request's office's pages, for print and data (the
    QR code, charter.json): on SITE_URL, under offices/<slug>/ unless the office is the
    default one reached at the unprefixed addresses (whose printed addresses stay as they are)."""
    site = site_or_404(request)
    if site.prefixed:
        path = reverse(f"{NAMESPACE}:{viewname}", args=[site.office.slug, *args])
    else:
        path = reverse(viewname, args=args)
    return settings.SITE_URL.rstrip("/") + path


def office_prefix(request) -> str:
    """``offices/<slug>/`` for an office addressed so (see ``public_url``), else ``""``."""
    site = site_or_404(request)
    return f"offices/{site.office.slug}/" if site.prefixed else ""
