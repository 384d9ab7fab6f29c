"""Reads of the charter that pages, admin and commands share."""

from django.conf import settings
from django.db.models import Max, OuterRef, Subquery
from django.http import Http404

from core.cache import safe_get_many, safe_set
from core.caching import PAGE_TIMEOUT, VERSION_KEY, current_version

from .models import Charter, Service


def current_charter() -> Charter | None:
    """The charter this deployment shows: ``CHARTER_OFFICE_ID``'s, or the first one.

    Kept in the shared cache until charter data changes (the same version as the pages),
    so that the complaint form and the API do not query it on every request; read from
    the database when the cache does not answer.
    """
    office_id = settings.CHARTER_OFFICE_ID
    key = f"charter:current:{office_id or ''}"
    found = safe_get_many([VERSION_KEY, key])
    version = current_version(found)
    if version is None:
        return _find_charter(office_id)
    stored_version, charter = found.get(key, (None, None))
    if stored_version != version:
        charter = _find_charter(office_id)
        safe_set(key, (version, charter), PAGE_TIMEOUT)
    return charter


def _find_charter(office_id) -> Charter | None:
    """The charter with ``services_updated_at``, the latest change to its office's services,
    so that the page footer's "last updated" date costs no query of its own."""
    latest_service_change = (
        Service.objects.filter(office=OuterRef("office"))
        .order_by()
        .values("office")
        .annotate(latest=Max("updated_at"))
        .values("latest")
    )
    charters = (
        Charter.objects.select_related("office__parent__parent", "signatory__office")
        .annotate(services_updated_at=Subquery(latest_service_change))
        .order_by("pk")
    )
    if office_id:
        charters = charters.filter(office_id=office_id)
    return charters.first()


def charter_for_request(request) -> Charter | None:
    """The current charter, fetched once per request by views and templates alike."""
    if not hasattr(request, "_charter"):
        request._charter = current_charter()
    return request._charter


def charter_or_404(request) -> Charter:
    charter = charter_for_request(request)
    if charter is None:
        raise Http404("No charter has been entered yet.")
    return charter


def published_services(charter: Charter):
    return Service.objects.published().filter(office=charter.office_id).with_officers()


def last_updated(charter: Charter):
    """The date of the latest change to the charter or any of its services."""
    if hasattr(charter, "services_updated_at"):
        latest_service_change = charter.services_updated_at
    else:
        latest_service_change = Service.objects.filter(office=charter.office_id).aggregate(
            latest=Max("updated_at")
        )["latest"]
    return max(filter(None, [charter.updated_at, latest_service_change]))
