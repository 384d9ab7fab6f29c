"""Whether the office may receive a complaint: the guideline's conditions, judged on the day
the complaint was received.

``workflow.submit`` is the authority, whatever the channel (web form, Open311, staff entry
of a letter or call); it raises ``IneligibleComplaint`` for the first problem found. The
complaint forms ask the same functions first, to show each message on its own field in the
page's language. Each function returns an ``Ineligibility`` or None.
"""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from core.templatetags.local_format import digits, local_date
from services.models import Service

from . import calendar
from .models import Grievance

# No office in any charter offered services before this; older dates are typing mistakes
# (0025 for 2025, 1925 for 2025).
EARLIEST_SERVICE_DATE = datetime.date(2000, 1, 1)


@dataclass(frozen=True)
class Ineligibility:
    """Why a complaint cannot be received: ``field`` is the complaint form field concerned."""

    field: str
    message: str
    code: str


# Annex খ-১: what a named complaint must give, by its type. An official (দাপ্তরিক) complaint
# is written by an office: its name and address and the officer writing stand in for a
# person's ID and addresses. The optional fields (date of birth, gender, education,
# occupation, e-mail) are never required.
PERSONAL_FIELDS = ("name", "id_type", "id_number", "permanent_address", "present_address")
OFFICIAL_FIELDS = ("complaining_office", "complaining_office_address", "writing_officer")


def required_fields(*, complaint_type: str, is_anonymous: bool) -> tuple[str, ...]:
    """The complaint form's fields a complaint of ``complaint_type`` must fill in."""
    if is_anonymous:
        return ()
    if complaint_type == Grievance.ComplaintType.OFFICIAL:
        return (*OFFICIAL_FIELDS, "mobile")
    return (*PERSONAL_FIELDS, "mobile")


def id_number_problem(*, id_type: str, id_number: str) -> Ineligibility | None:
    """The ID number must have its document's format (an empty one is a missing field)."""
    if not id_type or not id_number:
        return None
    # isascii(): str.isdigit() also takes superscripts and other scripts' digits.
    digits, plain = id_number.isascii() and id_number.isdigit(), id_number.isascii()
    valid = {
        Grievance.IdType.NATIONAL_ID: digits and len(id_number) in (10, 13, 17),
        Grievance.IdType.BIRTH_REGISTRATION: digits and len(id_number) == 17,
        Grievance.IdType.PASSPORT: plain and id_number.isalnum() and 8 <= len(id_number) <= 9,
    }.get(id_type)
    if valid:
        return None
    messages = {
        Grievance.IdType.NATIONAL_ID: _("A national ID number has 10, 13 or 17 digits."),
        Grievance.IdType.BIRTH_REGISTRATION: _("A birth registration number has 17 digits."),
        Grievance.IdType.PASSPORT: _(
            "A passport number has 8 or 9 letters and digits, for example A01234567."
        ),
    }
    if id_type not in messages:  # only a direct call can get here: the forms offer three
        return Ineligibility(
            "id_type", _("Choose a national ID, birth registration or passport."), "invalid"
        )
    return Ineligibility("id_number", messages[id_type], "invalid")


def service_date_problem(
    *,
    applied_on: datetime.date | None,
    received_on: datetime.date,
    today: datetime.date | None = None,
) -> Ineligibility | None:
    """The service was applied for on or before the day of receipt, and not before 2000.

    ``today`` (the office's clock now; the day of receipt if not given) only chooses the
    words: a complaint entered later is told about its date of receipt, not "the future".
    """
    if applied_on is None:
        return None
    if applied_on > received_on:
        if today is None or received_on >= today:
            message = _("The date cannot be in the future.")
        else:
            message = _("The date cannot be later than the date of receipt (%(date)s).") % {
                "date": local_date(received_on)
            }
        return Ineligibility("service_applied_on", message, "future")
    if applied_on < EARLIEST_SERVICE_DATE:
        return Ineligibility(
            "service_applied_on", _("The date is too long ago: check the year."), "too_early"
        )
    return None


def service_time_limit_ends(
    *, service: Service | None, applied_on: datetime.date | None
) -> datetime.date | None:
    """The last day of the service's own time limit (working days from the application)."""
    if (
        service is None
        or applied_on is None
        or service.time_limit_kind != Service.TimeLimitKind.WORKING_DAYS
    ):
        return None
    return calendar.add_working_days(applied_on, service.time_limit_working_days)


def service_time_limit_problem(
    *,
    service: Service | None,
    applied_on: datetime.date | None,
    office_has_decided: bool,
    received_on: datetime.date,
) -> Ineligibility | None:
    """The guideline admits a complaint only once the service's own time limit has run out,
    unless the office has already decided."""
    if office_has_decided:
        return None
    ends = service_time_limit_ends(service=service, applied_on=applied_on)
    if ends is None or ends < received_on:
        return None
    return Ineligibility(
        "service_applied_on",
        _(
            "The office has until %(date)s to provide this service. A complaint can "
            "be made after that date, or now if the office has already decided on "
            "your application: then tick the box below."
        )
        % {"date": local_date(ends)},
        "service_time_not_over",
    )


def service_date_missing_problem(
    *,
    service: Service | None,
    applied_on: datetime.date | None,
    office_has_decided: bool,
) -> Ineligibility | None:
    """A service with a time limit in working days needs the application date, or the early
    filing check could not be made; a service given immediately, or with no fixed limit,
    does not (its limit cannot be counted from a date).

    The complaint forms (web, staff entry, Open311) ask this; ``workflow.submit`` does not,
    so that staff code recording a complaint without the date is not refused."""
    if (
        office_has_decided
        or applied_on is not None
        or service is None
        or service.time_limit_kind != Service.TimeLimitKind.WORKING_DAYS
    ):
        return None
    return Ineligibility(
        "service_applied_on",
        _(
            "Give the date you applied for the service: the office has %(days)s working days "
            "to provide it, and a complaint can be made once they have passed. If the office "
            "has already decided on your application, tick the box below instead."
        )
        % {"days": digits(service.time_limit_working_days)},
        "service_date_needed",
    )


def service_problem(
    *,
    service: Service | None,
    applied_on: datetime.date | None,
    office_has_decided: bool,
    received_on: datetime.date,
    today: datetime.date | None = None,
) -> Ineligibility | None:
    """The service's date, then its time limit (which needs a sensible date)."""
    return service_date_problem(
        applied_on=applied_on, received_on=received_on, today=today
    ) or service_time_limit_problem(
        service=service,
        applied_on=applied_on,
        office_has_decided=office_has_decided,
        received_on=received_on,
    )


def problems(
    *,
    is_anonymous: bool,
    id_type: str,
    id_number: str,
    service: Service | None,
    service_applied_on: datetime.date | None,
    office_has_decided: bool,
    received_on: datetime.date,
    today: datetime.date | None = None,
) -> list[Ineligibility]:
    """Every reason the complaint cannot be received on ``received_on``, in form order."""
    found = []
    if not is_anonymous:  # an ID given with any type of complaint must be well formed
        found.append(id_number_problem(id_type=id_type, id_number=id_number))
    found.append(
        service_problem(
            service=service,
            applied_on=service_applied_on,
            office_has_decided=office_has_decided,
            received_on=received_on,
            today=today,
        )
    )
    return [problem for problem in found if problem is not None]
