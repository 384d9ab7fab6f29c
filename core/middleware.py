"""Site-wide fault handling: a database that does not answer gives a plain 503 page."""

import logging
import sys
from contextlib import nullcontext

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import get_language_from_path, override

logger = logging.getLogger(__name__)
DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 120


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
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        # The class only: the message may quote a query and its parameters.
        logger.error("Database unavailable: %s", exception.__class__.__name__)
        return service_unavailable(request)


def server_error(request):
    """``handler500``: a database error raised outside a view (in a middleware) is a 503 too."""
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        return service_unavailable(request)
    return HttpResponse(render_to_string("500.html"), status=500)
