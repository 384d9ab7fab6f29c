from django.utils.functional import SimpleLazyObject

from .charter import charter_for_request, last_updated


def charter(request):
    """The charter and its last change, fetched only by pages that show them."""
    the_charter = SimpleLazyObject(lambda: charter_for_request(request))

    def charter_last_updated():
        return last_updated(the_charter) if the_charter else None

    return {"charter": the_charter, "charter_last_updated": SimpleLazyObject(charter_last_updated)}
