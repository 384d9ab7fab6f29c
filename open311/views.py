"""Open311 GeoReport v2 (../shared/reference/open311-georeport-v2.md): the charter's services
and the public state of complaints in JSON and XML, and complaints filed by other systems.

What is public is only what the office's own monthly report could show: the service, the
status, the dates and the tier's office. Never the complainant's name, ID, addresses,
mobile or e-mail, nor their own words (subject, description) or the notes written to them:
the guideline lets only the officers handling the case read those.
"""

import datetime
import json
import logging
import re
import xml.etree.ElementTree as ET
from functools import wraps

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db.models import OuterRef, Q, Subquery
from django.http import HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from core import ratelimit
from core.caching import cached_charter_page
from core.middleware import DATABASE_ERRORS, RETRY_AFTER_SECONDS
from grievances import workflow
from grievances.forms import ComplaintForm
from grievances.models import Grievance, TimelineEntry
from services.charter import last_updated, published_services
from services.models import GrsTier, Service
from services.offices import Site, default_site, site_by_slug

from . import keys

logger = logging.getLogger(__name__)

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
# The spec's XML wraps each list in a plural element whose items have the singular name.
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
# "Default query limit is a span of 90 days or first 1000 requests returned" (GET requests).
MAX_SPAN = datetime.timedelta(days=90)
# The dates a filter may name: far enough from datetime's own limits (years 1 and 9999)
# that adding or subtracting the span, or a time zone's offset, cannot overflow.
EARLIEST_DATE = datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC)
LATEST_DATE = datetime.datetime(9998, 12, 31, 23, 59, 59, tzinfo=datetime.UTC)
MAX_REQUESTS = 1000
MAX_ID = 2**63 - 1  # BigAutoField
REQUESTS_MAX_AGE = 60
TRUE_VALUES = {"true", "1", "yes", "on"}
OTHER_SERVICE_CODE = "other"
# C0 and C1 control characters (Unicode category Cc): refused in every parameter, except
# line breaks and tabs in the free text of a complaint (the spec lets a description carry
# line breaks; the addresses are "text" attributes, several lines on an envelope).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
CONTROL_CHARACTERS_BUT_LINE_BREAKS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
MULTILINE_PARAMETERS = frozenset(
    {
        "description",
        "address_string",
        "attribute[permanent_address]",
        "attribute[present_address]",
        "attribute[complaining_office_address]",
        "attribute[remedy_sought]",
        "attribute[prevention]",
    }
)
# What XML 1.0 cannot carry at all, and the C1 controls besides: never written raw.
NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# In a client's text quoted back, line breaks and tabs are escaped too.
NOT_ECHOED = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# A client's value quoted in an error message is cut to this many characters.
ECHO_LIMIT = 100


class Open311Error(Exception):
    """One or more errors for the spec's error list; ``status`` is the HTTP status.

    ``retry_after`` (seconds) is sent as the Retry-After header, for 429 and 503.
    """

    def __init__(self, status: int, *descriptions: str, retry_after: int | None = None):
        self.status = status
        self.descriptions = descriptions
        self.retry_after = retry_after
        super().__init__("; ".join(descriptions))


def _escape_control(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shown(text: str) -> str:
    """A client's text as quoted in an error: control characters written as \\xNN, and
    cut to ``ECHO_LIMIT`` characters, so that nothing raw or huge is echoed back."""
    if len(text) > ECHO_LIMIT:
        text = text[:ECHO_LIMIT] + "…"
    return NOT_ECHOED.sub(_escape_control, text)


# Rendering: one Python structure, written as JSON or as the spec's XML.


def _element(tag: str, value) -> ET.Element:
    element = ET.Element(tag)
    if isinstance(value, dict):
        for key, item in value.items():
            element.append(_element(key, item))
    elif isinstance(value, list):
        for item in value:
            element.append(_element(ITEM_TAGS[tag], item))
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        # Defence in depth: a character XML cannot carry would make the document unreadable.
        element.text = NOT_IN_XML.sub(_escape_control, str(value))
    return element


def render(fmt: str, root: str, data, *, status: int = 200) -> HttpResponse:
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False)
    else:
        body = XML_DECLARATION + ET.tostring(_element(root, data), encoding="unicode")
    return HttpResponse(body.encode(), status=status, content_type=CONTENT_TYPES[fmt])


def render_error(fmt: str, error: Open311Error) -> HttpResponse:
    errors = [{"code": error.status, "description": text} for text in error.descriptions]
    response = render(fmt, "errors", errors, status=error.status)
    patch_cache_control(response, no_store=True)
    if error.retry_after is not None:
        response["Retry-After"] = str(error.retry_after)
    return response


def _parameters(request):
    return request.POST if request.method == "POST" else request.GET


def _check_parameters(request) -> None:
    """No control character in any parameter's name or value, in the query or the body."""
    sources = [request.GET, request.POST] if request.method == "POST" else [request.GET]
    refused = []
    for parameters in sources:
        for name, values in parameters.lists():
            pattern = (
                CONTROL_CHARACTERS_BUT_LINE_BREAKS
                if name in MULTILINE_PARAMETERS
                else CONTROL_CHARACTERS
            )
            bad = CONTROL_CHARACTERS.search(name) or any(pattern.search(v) for v in values)
            if bad and name not in refused:
                refused.append(name)
    if refused:
        raise Open311Error(
            400,
            *(
                _("%(name)s contains control characters, which are not allowed here.")
                % {"name": shown(name)}
                for name in refused
            ),
        )


def _check_jurisdiction(request) -> None:
    """Each office is a jurisdiction, its slug the ``jurisdiction_id`` (``kaunia``); the
    office is put on the request as ``open311_site``.

    Omitted, or equal to ``OPEN311_JURISDICTION_ID`` (the name this endpoint answered to
    when it served one office), it is the deployment's default office. Any other value
    that is not an office's slug is 404 when ``OPEN311_JURISDICTION_ID`` is set; with it
    unset the endpoint keeps answering any jurisdiction_id as the default office, as it
    always has (a deployment serving several offices sets it, so a mistyped slug is refused).
    """
    expected = getattr(settings, "OPEN311_JURISDICTION_ID", "")
    given = _parameters(request).get("jurisdiction_id", "").strip()
    site = None
    if given and given != expected:
        site = site_by_slug(given)
        if site is None and expected:
            raise Open311Error(
                404, _("jurisdiction_id %(id)s was not found.") % {"id": shown(given)}
            )
    request.open311_site = site or default_site()


def _method_not_allowed(request, fmt: str, methods: tuple[str, ...]) -> HttpResponse:
    response = render_error(
        fmt,
        Open311Error(
            405,
            _("The method %(method)s is not allowed here; use %(allowed)s.")
            % {"method": shown(request.method), "allowed": ", ".join(methods)},
        ),
    )
    response["Allow"] = ", ".join(methods)
    return response


def open311_endpoint(*methods: str):
    """Answer every failure in the spec's error list, in the format the URL asked for.

    Checks the method (405), control characters in the parameters and jurisdiction_id, and
    turns ``Open311Error``, a body too large (413) or unreadable (400) and a database that
    does not answer (503, where the rest of the site shows its HTML page) into the list.
    CSRF-exempt: other systems send an api_key, never a session cookie, and a POST to a
    GET-only resource is to get a 405 here, not the CSRF middleware's HTML 403.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, fmt, **kwargs):
            if request.method not in methods:
                return _method_not_allowed(request, fmt, methods)
            try:
                _check_parameters(request)
                _check_jurisdiction(request)
                return view(request, fmt, **kwargs)
            except Open311Error as error:
                return render_error(fmt, error)
            except RequestDataTooBig:
                limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
                description = _("The request body is too large: at most %(limit)s bytes.")
                return render_error(fmt, Open311Error(413, description % {"limit": limit}))
            except (TooManyFieldsSent, TooManyFilesSent, MultiPartParserError):
                description = _(
                    "The request body could not be read: it is malformed or has too many "
                    "parameters."
                )
                return render_error(fmt, Open311Error(400, description))
            except DATABASE_ERRORS as error:
                # The class only: the message may quote a query and its parameters.
                logger.error("Database unavailable: %s", error.__class__.__name__)
                description = _("The service is briefly unavailable. Please try again later.")
                return render_error(
                    fmt, Open311Error(503, description, retry_after=RETRY_AFTER_SECONDS)
                )

        return csrf_exempt(wrapper)

    return decorator


# Services: one per published charter service.


def _site(request) -> Site:
    site = request.open311_site
    if site is None:
        raise Open311Error(400, _("No charter has been entered yet."))
    return site


def _charter(request):
    """The jurisdiction's published charter; an office without one takes no requests."""
    site = _site(request)
    if site.charter is None:
        raise Open311Error(
            400,
            _("The citizen's charter of %(office)s is not published yet.")
            % {"office": site.office},
        )
    return site.charter


def _services(request):
    """The jurisdiction's published services; none while its charter is not published."""
    site = _site(request)
    if site.charter is None:
        return Service.objects.none()
    return published_services(site.charter)


def service_code(service: Service | None) -> str:
    return f"{service.category}-{service.serial}" if service else OTHER_SERVICE_CODE


def _parse_service_code(code: str) -> Q | None:
    category, separator, serial = code.rpartition("-")
    if not separator or category not in Service.Category.values or not serial.isdecimal():
        return None
    return Q(category=category, serial=int(serial))


def _find_service(services, code: str) -> Service | None:
    match = _parse_service_code(code)
    if match is None:
        return None
    return services.filter(match).first()


def _service(service: Service) -> dict:
    category = service.get_category_display()
    description = _(
        "Complaints about the service “%(service)s”. The charter promises: time limit "
        "%(time_limit)s; fee %(fee)s; responsible officer %(officer)s."
    ) % {
        "service": service.name,
        "time_limit": service.time_limit_text,
        "fee": service.fee_text,
        "officer": service.responsible_officer.designation,
    }
    return {
        "service_code": service_code(service),
        "service_name": service.name,
        "description": description,
        "metadata": True,
        "type": "realtime",
        "keywords": ", ".join([category, _("complaint"), _("grievance")]),
        "group": category,
    }


def _values(choices) -> list[dict]:
    return [{"key": key, "name": str(label)} for key, label in choices]


def _attributes() -> list[dict]:
    """What a complaint needs beyond the standard fields: the guideline's complaint form."""
    yes_no = [("true", _("Yes")), ("false", _("No"))]
    unless_anonymous = _("Required unless the complaint is anonymous.")
    personal = _("Required unless the complaint is anonymous or official.")
    official = _("Required for an official complaint (complaint_type official).")
    optional = _("Optional.")
    annex = _("Asked for by the complaint form (annex খ-১); a complaint without it is received.")
    # The annex খ-১ fields in its order, after the two every complaint needs; description,
    # email and the service are the standard fields.
    rows = [
        (
            "complaint_type",
            "singlevaluelist",
            True,
            _("Type of complaint"),
            "",
            Grievance.ComplaintType.choices,
        ),
        ("subject", "string", True, _("Subject of the complaint, in one line."), "", None),
        (
            "anonymous",
            "singlevaluelist",
            False,
            _(
                "Complain anonymously: no personal details are kept, the complainant gets no "
                "messages and cannot follow the complaint, and the officer may decline it."
            ),
            "",
            yes_no,
        ),
        (
            "complaining_office",
            "string",
            False,
            _("Name of the complaining office.") + " " + official,
            "",
            None,
        ),
        (
            "complaining_office_address",
            "text",
            False,
            _("Address of the complaining office.") + " " + official,
            "",
            None,
        ),
        (
            "writing_officer",
            "string",
            False,
            _("Name and designation of the officer writing.") + " " + official,
            "",
            None,
        ),
        (
            "name",
            "string",
            False,
            _("The complainant's name (first_name and last_name are also accepted).")
            + " "
            + personal,
            "",
            None,
        ),
        (
            "recipient_name",
            "string",
            False,
            _("The service recipient's name, when not the complainant.")
            + " "
            + _("Required unless recipient_relation is self."),
            "",
            None,
        ),
        (
            "recipient_relation",
            "singlevaluelist",
            False,
            _("Who the service recipient is to the complainant; self if not given."),
            "",
            Grievance.RecipientRelation.choices,
        ),
        (
            "id_type",
            "singlevaluelist",
            False,
            _("Identity document.") + " " + personal,
            "",
            Grievance.IdType.choices,
        ),
        (
            "id_number",
            "string",
            False,
            _("Number of the identity document.") + " " + personal,
            _(
                "National ID: 10, 13 or 17 digits; birth registration: 17 digits; "
                "passport: 8 or 9 letters and digits."
            ),
            None,
        ),
        (
            "date_of_birth",
            "datetime",
            False,
            _("Date of birth.") + " " + optional,
            _("A date, for example 2025-01-31."),
            None,
        ),
        (
            "gender",
            "singlevaluelist",
            False,
            _("Gender.") + " " + optional,
            "",
            Grievance.Gender.choices,
        ),
        (
            "education",
            "string",
            False,
            _("Educational qualification.") + " " + optional,
            "",
            None,
        ),
        ("occupation", "string", False, _("Occupation.") + " " + optional, "", None),
        (
            "permanent_address",
            "text",
            False,
            _("Permanent address.") + " " + personal,
            "",
            None,
        ),
        (
            "present_address",
            "text",
            False,
            _("Present address (address_string is also accepted).") + " " + annex,
            "",
            None,
        ),
        (
            "mobile",
            "string",
            False,
            _("Mobile number for the tracking number and messages (phone is also accepted).")
            + " "
            + unless_anonymous,
            _("11 digits starting with 013 to 019, for example 01712345678."),
            None,
        ),
        (
            "service_applied_on",
            "datetime",
            False,
            _(
                "The date the service was applied for. A complaint can be made once the "
                "service's time limit has run out, or earlier if the office has decided."
            )
            + " "
            + _(
                "Required when the service's time limit is a number of working days, unless "
                "office_has_decided is true."
            ),
            _("A date, for example 2025-01-31."),
            None,
        ),
        (
            "service_tracking_number",
            "string",
            False,
            _("The service's tracking number, if any."),
            "",
            None,
        ),
        (
            "office_has_decided",
            "singlevaluelist",
            False,
            _("The office has already decided on the application."),
            "",
            yes_no,
        ),
        ("remedy_sought", "text", False, _("The remedy sought.") + " " + annex, "", None),
        (
            "prevention",
            "text",
            False,
            _("How this can be prevented from happening again.") + " " + annex,
            "",
            None,
        ),
        (
            "declaration",
            "singlevaluelist",
            False,
            _(
                "The complainant declared the information true (annex খ-১); the system "
                "filing the complaint says so with true."
            ),
            "",
            yes_no,
        ),
    ]
    attributes = []
    for order, (code, datatype, required, description, hint, choices) in enumerate(rows, 1):
        attribute = {
            "variable": True,
            "code": code,
            "datatype": datatype,
            "required": required,
            "datatype_description": str(hint) or None,
            "order": order,
            "description": str(description),
        }
        if choices is not None:
            attribute["values"] = _values(choices)
        attributes.append(attribute)
    return attributes


# Service requests: the public state of complaints.


def _w3(moment: datetime.datetime) -> str:
    return timezone.localtime(moment, timezone.get_default_timezone()).isoformat(timespec="seconds")


def _end_of_day(day: datetime.date) -> str:
    """The deadline is the end of its working day, Asia/Dhaka."""
    moment = datetime.datetime.combine(
        day, datetime.time(23, 59, 59), tzinfo=timezone.get_default_timezone()
    )
    return moment.isoformat()


def _requests_queryset(site: Site):
    """The complaints about the jurisdiction's office."""
    latest_step = (
        TimelineEntry.objects.filter(grievance=OuterRef("pk"))
        .order_by("-created_at", "-pk")
        .values("kind")[:1]
    )
    return (
        Grievance.objects.filter(office=site.office)
        .select_related("service", "office__parent__parent")
        .annotate(latest_step=Subquery(latest_step))
        .order_by("-received_at", "-pk")
    )


class TierContacts:
    """Every GRS table row, read once, so each complaint's agency costs no query."""

    def __init__(self):
        tiers = GrsTier.objects.select_related("charter", "officer__office")
        self.by_office = {(tier.charter.office_id, tier.level): tier for tier in tiers}

    def agency(self, grievance: Grievance) -> str | None:
        # As workflow.tier_info: an office without a charter uses its parent's GRS table.
        office = grievance.office
        while office is not None:
            tier = self.by_office.get((office.pk, grievance.tier))
            if tier is not None:
                if tier.officer is None:
                    return tier.contact_role
                return f"{tier.contact_role}: {tier.officer.designation}, {tier.officer.office}"
            office = office.parent
        return None


def _request(grievance: Grievance, contacts: TierContacts) -> dict:
    step = grievance.latest_step
    return {
        "service_request_id": str(grievance.pk),
        "status": "open" if grievance.is_open else "closed",
        "status_notes": str(TimelineEntry.Kind(step).label) if step else None,
        "service_name": grievance.service.name
        if grievance.service
        else _("Another service (not in the charter)"),
        "service_code": service_code(grievance.service),
        "description": None,
        "agency_responsible": contacts.agency(grievance),
        "service_notice": None,
        "requested_datetime": _w3(grievance.received_at),
        "updated_datetime": _w3(grievance.updated_at),
        "expected_datetime": _end_of_day(grievance.deadline),
    }


def _requests(grievances) -> list[dict]:
    contacts = TierContacts()
    return [_request(grievance, contacts) for grievance in grievances]


def _listed(parameters, name: str) -> list[str]:
    """A parameter that may be repeated and comma delimited."""
    return [
        value.strip()
        for given in parameters.getlist(name)
        for value in given.split(",")
        if value.strip()
    ]


def _parse_w3(parameters, name: str) -> datetime.datetime | None:
    value = parameters.get(name, "").strip()
    if not value:
        return None
    try:
        moment = parse_datetime(value)
        if moment is None and (day := parse_date(value)) is not None:
            moment = datetime.datetime.combine(day, datetime.time())
    except ValueError:
        moment = None
    if moment is None:
        raise Open311Error(
            400,
            _("%(name)s must be a w3 date and time, e.g. 2010-01-01T00:00:00Z.") % {"name": name},
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    if not EARLIEST_DATE <= moment <= LATEST_DATE:
        raise Open311Error(
            400,
            _("%(name)s must lie between %(earliest)s and %(latest)s.")
            % {
                "name": name,
                "earliest": EARLIEST_DATE.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "latest": LATEST_DATE.strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
        )
    return moment


def _filter_requests(parameters, *, site: Site, now: datetime.datetime):
    queryset = _requests_queryset(site)
    ids = _listed(parameters, "service_request_id")
    if ids:  # "This overrides all other arguments."
        # An id past the largest primary key (a 64-bit integer) cannot exist, and would
        # overflow the database driver.
        numbers = [int(value) for value in ids if value.isdecimal()]
        return queryset.filter(pk__in=[number for number in numbers if number <= MAX_ID])

    codes = _listed(parameters, "service_code")
    if codes:
        matches = Q(pk__in=[])
        for code in codes:
            if code == OTHER_SERVICE_CODE:
                matches |= Q(service__isnull=True)
            elif (match := _parse_service_code(code)) is not None:
                matches |= Q(service__in=Service.objects.filter(match, office=site.office))
        queryset = queryset.filter(matches)

    statuses = set(_listed(parameters, "status"))
    if statuses - {"open", "closed"}:
        raise Open311Error(400, _("status must be open, closed or both, comma delimited."))
    if statuses == {"open"}:
        queryset = queryset.filter(status__in=Grievance.OPEN_STATUSES)
    elif statuses == {"closed"}:
        queryset = queryset.exclude(status__in=Grievance.OPEN_STATUSES)

    start, end = _parse_w3(parameters, "start_date"), _parse_w3(parameters, "end_date")
    if start and end:
        if end < start:
            raise Open311Error(400, _("end_date is before start_date."))
        if end - start > MAX_SPAN:
            raise Open311Error(400, _("start_date and end_date may not span more than 90 days."))
    elif start:
        end = start + MAX_SPAN
    elif end:
        start = end - MAX_SPAN
    else:
        start = now - MAX_SPAN
    queryset = queryset.filter(received_at__gte=start)
    if end:
        queryset = queryset.filter(received_at__lte=end)
    return queryset


# POST requests: a complaint filed by another system, through the web form's own checks.

# Where each complaint form field comes from, for error messages.
FORM_PARAMETERS = {
    "description": "description",
    "email": "email",
    "service": "service_code",
    "other_service": "service_code",
    "is_anonymous": "attribute[anonymous]",
}


def _form_data(parameters, service: Service) -> dict:
    def attribute(code):
        return parameters.get(f"attribute[{code}]", "").strip()

    def given(name):
        return parameters.get(name, "").strip()

    full_name = " ".join(filter(None, [given("first_name"), given("last_name")]))
    applied_on = attribute("service_applied_on")
    return {
        "complaint_type": attribute("complaint_type"),
        "subject": attribute("subject"),
        "description": given("description"),
        "is_anonymous": attribute("anonymous").lower() in TRUE_VALUES,
        "name": attribute("name") or full_name,
        "id_type": attribute("id_type"),
        "id_number": attribute("id_number"),
        "permanent_address": attribute("permanent_address"),
        "present_address": attribute("present_address") or given("address_string"),
        "mobile": attribute("mobile") or given("phone"),
        "email": given("email"),
        "service": str(service.pk),
        # A "datetime" attribute may come as a full timestamp; the form wants the date.
        "service_applied_on": applied_on.split("T")[0],
        "service_tracking_number": attribute("service_tracking_number"),
        "office_has_decided": attribute("office_has_decided").lower() in TRUE_VALUES,
        "complaining_office": attribute("complaining_office"),
        "complaining_office_address": attribute("complaining_office_address"),
        "writing_officer": attribute("writing_officer"),
        "recipient_name": attribute("recipient_name"),
        "recipient_relation": attribute("recipient_relation"),
        "date_of_birth": attribute("date_of_birth").split("T")[0],
        "gender": attribute("gender"),
        "education": attribute("education"),
        "occupation": attribute("occupation"),
        "remedy_sought": attribute("remedy_sought"),
        "prevention": attribute("prevention"),
        "declaration": attribute("declaration").lower() in TRUE_VALUES,
    }


def _parameter(field: str) -> str:
    return FORM_PARAMETERS.get(field, f"attribute[{field}]")


def _form_errors(form) -> list[str]:
    descriptions = []
    for field, messages in form.errors.items():
        for message in messages:
            descriptions.append(
                message if field == "__all__" else f"{_parameter(field)}: {message}"
            )
    return descriptions


def _create_request(request, fmt: str) -> HttpResponse:
    parameters = request.POST
    raw_key = parameters.get("api_key", "").strip()
    if not raw_key:
        raise Open311Error(403, _("api_key is missing: ask the office for a key."))
    api_key = keys.authenticate(raw_key)
    if api_key is None:
        raise Open311Error(403, _("Invalid api_key: the key is unknown or has been revoked."))
    # Every request with the key counts, refused or not: a leaked key files only so much,
    # anonymous complaints included (they have no mobile number to limit).
    if not ratelimit.allow("open311_key", str(api_key.pk)):
        raise Open311Error(
            429,
            _("Too many requests with this api_key. Please try again later."),
            retry_after=settings.GRS_RATE_LIMITS["open311_key"][1],
        )
    charter = _charter(request)
    code = parameters.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, _("service_code was not provided."))
    service = _find_service(published_services(charter), code)
    if service is None:
        raise Open311Error(404, _("service_code %(code)s was not found.") % {"code": shown(code)})

    form = ComplaintForm(
        _form_data(parameters, service),
        charter=charter,
        today=timezone.localdate(),
        relayed=True,  # another system files for the complainant
    )
    if not form.is_valid():
        raise Open311Error(400, *_form_errors(form))
    data = form.cleaned_data
    if data["mobile"] and not ratelimit.allow("submit_mobile", data["mobile"]):
        raise Open311Error(
            429,
            _("Too many complaints from this mobile number today."),
            retry_after=settings.GRS_RATE_LIMITS["submit_mobile"][1],
        )
    try:
        grievance = workflow.submit(
            office=charter.office,
            **form.complaint(),
            channel=Grievance.Channel.API,
            language=get_language(),
        )
    except workflow.IneligibleComplaint as error:
        # The guideline's conditions, judged by the workflow: named like the form's errors.
        raise Open311Error(400, f"{_parameter(error.field)}: {error.message}") from error
    except workflow.WorkflowError as error:
        raise Open311Error(400, str(error.message)) from error
    notice = _(
        "Complaint received. Tracking number: %(tracking_number)s. The grievance redress "
        "officer is to decide by %(deadline)s."
    ) % {"tracking_number": grievance.tracking_number, "deadline": grievance.deadline.isoformat()}
    created = [{"service_request_id": str(grievance.pk), "service_notice": notice}]
    response = render(fmt, "service_requests", created)
    patch_cache_control(response, no_store=True)
    return response


# Views.


@open311_endpoint("GET", "HEAD")
def discovery(request, fmt):
    charter = _charter(request)
    office = charter.office
    changeset = _w3(last_updated(charter))
    endpoint_url = request.build_absolute_uri(reverse("open311:discovery", args=[fmt]))
    contact = ", ".join(filter(None, [str(office), office.phone, office.email]))
    return render(
        fmt,
        "discovery",
        {
            "changeset": changeset,
            "contact": contact,
            "key_service": _("Ask the office for an API key: %(contact)s") % {"contact": contact},
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": endpoint_url.rsplit("/", 1)[0],
                    "changeset": changeset,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    )


@open311_endpoint("GET", "HEAD")
@cached_charter_page
def service_list(request, fmt):
    return render(fmt, "services", [_service(service) for service in _services(request)])


@open311_endpoint("GET", "HEAD")
@cached_charter_page
def service_definition(request, fmt, code):
    service = _find_service(_services(request), code)
    if service is None:
        raise Open311Error(404, _("service_code %(code)s was not found.") % {"code": shown(code)})
    return render(
        fmt,
        "service_definition",
        {"service_code": service_code(service), "attributes": _attributes()},
    )


@open311_endpoint("GET", "HEAD", "POST")
def requests(request, fmt):
    if request.method == "POST":
        return _create_request(request, fmt)
    grievances = _filter_requests(request.GET, site=_site(request), now=timezone.now())
    response = render(fmt, "service_requests", _requests(grievances[:MAX_REQUESTS]))
    patch_cache_control(response, public=True, max_age=REQUESTS_MAX_AGE)
    return response


@open311_endpoint("GET", "HEAD")
def request_detail(request, fmt, request_id):
    grievance = None
    if request_id.isdecimal():
        grievance = _requests_queryset(_site(request)).filter(pk=int(request_id)).first()
    if grievance is None:
        raise Open311Error(
            404, _("service_request_id %(id)s was not found.") % {"id": shown(request_id)}
        )
    response = render(fmt, "service_requests", _requests([grievance]))
    patch_cache_control(response, public=True, max_age=REQUESTS_MAX_AGE)
    return response


@csrf_exempt  # any method: a 404 in the spec's format, not the CSRF middleware's 403
def not_found(request, path=""):
    fmt = "json" if request.path.endswith(".json") else "xml"
    return render_error(
        fmt, Open311Error(404, _("No such Open311 resource; see discovery.xml or services.xml."))
    )
