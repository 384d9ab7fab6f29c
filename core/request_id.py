"""A request id on every request, its response and every log line it writes; JSON log lines.

``RequestIdMiddleware`` takes ``X-Request-ID`` from a trusted proxy (``GRS_TRUSTED_PROXIES``)
when it is well formed, else makes one, keeps it in a context variable for the request and
sends it back in the ``X-Request-ID`` response header. ``RequestIdFilter`` (on the log
handler) puts it on every record as ``request_id``; ``JsonFormatter`` writes one JSON object
a line (``LOG_FORMAT=json``, production's default).

Log lines carry tracking numbers and record ids, never personal data: the formatter writes a
fixed set of fields, not whatever a caller passed in ``extra``, and the request line has the
path without its query string (a search may hold anything a visitor typed).
"""

import contextvars
import datetime
import json
import logging
import re
import time
import uuid

from .ratelimit import _is_trusted, _parse

HEADER = "X-Request-ID"
META_KEY = "HTTP_X_REQUEST_ID"
# nginx's $request_id (32 hex digits), a UUID, or a load balancer's id: letters, digits and
# -._: only, so a forged value cannot break a log line.
WELL_FORMED = re.compile(r"[A-Za-z0-9._:-]{8,128}")
NO_REQUEST = "-"

current_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)
logger = logging.getLogger("core.requests")


def incoming_request_id(request) -> str | None:
    """The proxy's request id, believed only from a trusted proxy and only when well formed."""
    value = request.META.get(META_KEY, "")
    if not value or not WELL_FORMED.fullmatch(value):
        return None
    if not _is_trusted(_parse(request.META.get("REMOTE_ADDR", ""))):
        return None
    return value


class RequestIdMiddleware:
    """Above the page cache, so that cached pages carry their request's id too.

    Also writes one INFO line a request (``core.requests``): method, path, status and time.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = incoming_request_id(request) or uuid.uuid4().hex
        request.request_id = request_id
        token = current_request_id.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[HEADER] = request_id
            if logger.isEnabledFor(logging.INFO):
                self.log(request, response, time.perf_counter() - started)
            return response
        finally:
            current_request_id.reset(token)

    @staticmethod
    def log(request, response, seconds: float) -> None:
        duration_ms = round(seconds * 1000, 1)
        path = request.path[:200]
        logger.info(
            "%s %s %s %.1f ms",
            request.method,
            path,
            response.status_code,
            duration_ms,
            extra={
                "method": request.method,
                "path": path,
                "status": response.status_code,
                "duration_ms": duration_ms,
            },
        )


class RequestIdFilter(logging.Filter):
    """Puts ``request_id`` on every record: the current request's, or ``-`` outside one.

    Django logs a 4xx/5xx response (``django.request``) after the middleware has returned;
    that record carries the request, whose id is used then.
    """

    def filter(self, record):
        request_id = current_request_id.get()
        if request_id is None:
            request_id = getattr(getattr(record, "request", None), "request_id", None)
        record.request_id = request_id or NO_REQUEST
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line, with a fixed set of fields.

    The standard library is enough for this: a maintained package (python-json-logger)
    would also write every ``extra`` attribute by default (Django passes the request
    object there), which is what a log free of personal data must not do.
    """

    EXTRA_FIELDS = ("method", "path", "status", "duration_ms")

    def format(self, record):
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", NO_REQUEST),
        }
        for field in self.EXTRA_FIELDS:
            if field in record.__dict__:
                entry[field] = record.__dict__[field]
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
