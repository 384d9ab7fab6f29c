"""Site-wide fault handling: a database that does not answer gives a plain 503 page."""

import logging
import sys
from contextlib import nullcontext

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import get_language_from_path, override

logger = logging.getLogger(__name__)
DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 120


def _driver_errors() -> tuple[type[BaseException], ...]:
    # The driver's own classes (psycopg2, sqlite3): a server-side cursor closed on a dead
    # connection raises them unwrapped.
    driver = connections["default"].Database
    return (driver.OperationalError, driver.InterfaceError)


def database_unavailable(exception: BaseException | None) -> bool:
    """Whether ``exception`` is, or was raised while handling, a lost database connection.

    Django turns some of them into other errors: a session that cannot be saved becomes
    ``SessionInterrupted`` (a 400), so the whole chain is looked at.
    """
    errors = DATABASE_ERRORS + _driver_errors()
    seen = 0
    while exception is not None and seen < 10:
        if isinstance(exception, errors):
            return True
        exception = exception.__cause__ or exception.__context__
        seen += 1
    return False


def service_unavailable(request) -> HttpResponse:
    """The 503 page, rendered without the request: no context processor, no query."""
    # The path's language; on /admin/ or /healthz the one LocaleMiddleware chose.
    language = get_language_from_path(request.path_info)
    with override(language) if language else nullcontext():
        content = render_to_string("503.html")
    response = HttpResponse(content, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """A view or template that loses the database answers 503, not a 500 with a traceback."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not database_unavailable(exception):
            return None
        # The class only: the message may quote a query and its parameters.
        logger.error("Database unavailable: %s", exception.__class__.__name__)
        return service_unavailable(request)


def server_error(request):
    """``handler500``: a database error raised outside a view (in a middleware) is a 503 too."""
    if database_unavailable(sys.exc_info()[1]):
        return service_unavailable(request)
    return HttpResponse(render_to_string("500.html"), status=500)


def bad_request(request, exception):
    """``handler400``: a session that could not be saved because the database went away is
    a 503 (the complaint may be stored: the page says how to check); anything else a plain
    400 page in the page's language."""
    if database_unavailable(exception):
        logger.error("Database unavailable: %s", exception.__class__.__name__)
        return service_unavailable(request)
    language = get_language_from_path(request.path_info)
    with override(language) if language else nullcontext():
        content = render_to_string("400.html")
    return HttpResponse(content, status=400)
