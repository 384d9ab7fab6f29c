from django.utils.functional import SimpleLazyObject

from .charter import last_updated
from .offices import site_for_request


def charter(request):
    """The request's office (``office``, and ``office_site``: ``services.offices.Site``), its
    published charter (``charter``, None until published) and the charter's last change,
    fetched only by pages that show them."""
    site = SimpleLazyObject(lambda: site_for_request(request))
    the_charter = SimpleLazyObject(lambda: site.charter if site else None)

    def charter_last_updated():
        return last_updated(the_charter) if the_charter else None

    return {
        "office_site": site,
        "office": SimpleLazyObject(lambda: site.office if site else None),
        "charter": the_charter,
        "charter_last_updated": SimpleLazyObject(charter_last_updated),
    }
