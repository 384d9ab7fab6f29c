"""Reads of the charter that pages, admin and commands share."""

from django.conf import settings
from django.db.models import Max

from .models import Charter, Service


def current_charter() -> Charter | None:
    """The charter this deployment shows: ``CHARTER_OFFICE_ID``'s, or the first one."""
    charters = Charter.objects.select_related(
        "office__parent__parent", "signatory__office"
    ).order_by("pk")
    office_id = getattr(settings, "CHARTER_OFFICE_ID", None)
    if office_id:
        charters = charters.filter(office_id=office_id)
    return charters.first()


def published_services(charter: Charter):
    return Service.objects.published().filter(office=charter.office_id).with_officers()


def last_updated(charter: Charter):
    """The date of the latest change to the charter or any of its services."""
    latest_service_change = Service.objects.filter(office=charter.office_id).aggregate(
        latest=Max("updated_at")
    )["latest"]
    return max(filter(None, [charter.updated_at, latest_service_change]))
