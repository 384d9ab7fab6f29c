"""Reads of the charter that pages, admin and commands share.

Which office (and so which charter) a request is for is ``services.offices``'s business;
a charter is shown only once it is published.
"""

from django.db.models import Max
from django.http import Http404

from .models import Charter, Service
from .offices import default_site, site_for_request


def current_charter() -> Charter | None:
    """The default office's published charter: ``CHARTER_OFFICE_ID``'s, or the first one.

    Kept in the shared cache until charter data changes (the same version as the pages),
    so that the complaint form and the API do not query it on every request; read from
    the database when the cache does not answer.
    """
    site = default_site()
    return site.charter if site else None


def charter_for_request(request) -> Charter | None:
    """The published charter of the request's office, fetched once per request by views
    and templates alike; None for an office whose charter is not published."""
    site = site_for_request(request)
    return site.charter if site else None


def charter_or_404(request) -> Charter:
    charter = charter_for_request(request)
    if charter is None:
        raise Http404("This office's charter is not published.")
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
