"""Finding a service in the charter by the words a citizen types."""

from collections.abc import Iterable

from core.text import normalize_for_search

from .charter import published_services
from .models import Charter, Service

# Searched in both languages, whichever language the page is in.
SEARCHED_FIELDS = ("name", "delivery_method", "required_documents", "documents_source")
SEARCHED_LANGUAGES = ("bn", "en")


def searchable_text(service: Service) -> str:
    """The service's searched fields in every language, in search form."""
    parts = [
        getattr(service, f"{field}_{language}", "") or ""
        for field in SEARCHED_FIELDS
        for language in SEARCHED_LANGUAGES
    ]
    return normalize_for_search(" ".join(parts))


def query_words(query: str) -> list[str]:
    return normalize_for_search(query).split()


def matches(*, service: Service, words: Iterable[str]) -> bool:
    """Every word appears in the service's text; a part of a word will do (সেবা finds সেবার)."""
    text = searchable_text(service)
    return all(word in text for word in words)


def find_services(*, charter: Charter, query: str) -> list[Service]:
    """Published services of the charter's office matching every word, in the charter's order.

    A charter has a few dozen services, so they are compared in Python, where the text
    can be normalised the same way on both sides; the database cannot do that portably.
    """
    words = query_words(query)
    if not words:
        return []
    found = [
        service for service in published_services(charter) if matches(service=service, words=words)
    ]
    table_order = Service.Category.values
    return sorted(found, key=lambda service: (table_order.index(service.category), service.serial))
