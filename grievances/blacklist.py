"""The blacklist of guideline §8, read: which mobile numbers and ID numbers an office's
appeal officer has confirmed as sources of false or harassing complaints.

The records are ``BlacklistRecord`` rows, written only by the workflow (a GRO's proposal
from a case, ``workflow.propose_blacklisting``; the appeal officer's decisions,
``workflow.decide_blacklisting``); the latest record for an (office, number) is its state.
A complaint from a confirmed number is received like any other and flagged for the GRO
(``Grievance.blacklisted``), never dropped.
"""

from django.db.models import Q, QuerySet

from services import scoping
from services.models import GrsTier, Office

from .models import BlacklistRecord, Grievance, StaffProfile

Action = BlacklistRecord.Action
IdentifierType = BlacklistRecord.IdentifierType


def state(*, office: Office, identifier_type: str, identifier: str, lock: bool = False) -> str:
    """The latest step for the number at ``office`` ("" if it was never proposed).

    ``lock`` (inside a transaction) holds the office's row, so that two decisions on the
    office's blacklist are taken one after the other."""
    if lock:
        Office.objects.select_for_update().filter(pk=office.pk).first()
    latest = (
        BlacklistRecord.objects.filter(
            office=office, identifier_type=identifier_type, identifier=identifier
        )
        .order_by("-created_at", "-pk")
        .values_list("action", flat=True)
        .first()
    )
    return latest or ""


def _identifiers(*, mobile: str, id_type: str, id_number: str) -> list[tuple[str, str]]:
    found = []
    if mobile:
        found.append((IdentifierType.MOBILE, mobile))
    if id_type and id_number:
        found.append((id_type, id_number))
    return found


def is_blacklisted(*, office: Office, mobile: str, id_type: str = "", id_number: str = "") -> bool:
    """Whether the office's appeal officer has confirmed the mobile number or the ID."""
    return any(
        state(office=office, identifier_type=kind, identifier=number) == Action.CONFIRMED
        for kind, number in _identifiers(mobile=mobile, id_type=id_type, id_number=id_number)
    )


def _complaints_from(identifier_type: str, identifier: str) -> Q:
    if identifier_type == IdentifierType.MOBILE:
        return Q(mobile=identifier)
    return Q(id_type=identifier_type, id_number=identifier)


def refresh_flags(*, office: Office, identifier_type: str, identifier: str) -> int:
    """Flag the office's open complaints from the number as its state now says; returns how
    many changed. A complaint stays flagged while its other number is confirmed."""
    changed = 0
    cases = (
        Grievance.objects.open()
        .filter(office=office, is_anonymous=False)
        .filter(_complaints_from(identifier_type, identifier))
        .only("pk", "mobile", "id_type", "id_number", "blacklisted")
    )
    for case in cases:
        flagged = is_blacklisted(
            office=office, mobile=case.mobile, id_type=case.id_type, id_number=case.id_number
        )
        if flagged != case.blacklisted:
            Grievance.objects.filter(pk=case.pk).update(blacklisted=flagged)
            changed += 1
    return changed


def offices_at_tier(user, level: int) -> set[int]:
    """The offices whose GRS table names the post ``user`` holds at ``level`` (with the
    offices under them, which use that table), and the offices they belong to."""
    offices = set(scoping.offices_of(user).values_list("pk", flat=True))
    post = (
        StaffProfile.objects.filter(user=user, officer__isnull=False)
        .values_list("officer_id", flat=True)
        .first()
    )
    if post is not None:
        tables = GrsTier.objects.filter(level=level, officer_id=post, charter__is_published=True)
        offices |= set(tables.values_list("charter__office_id", flat=True))
    return scoping.with_offices_below(offices) if offices else set()


def visible_records(user, queryset: QuerySet | None = None) -> QuerySet:
    """The blacklist records ``user`` may see: a superuser's, every one; a GRO's or an
    appeal officer's, those of the offices they handle at that tier."""
    queryset = BlacklistRecord.objects.all() if queryset is None else queryset
    if not user.is_active or not user.is_staff:
        return queryset.none()
    if user.is_superuser:
        return queryset
    names = set(user.groups.values_list("name", flat=True))
    offices: set[int] = set()
    for group, level in (("GRO", GrsTier.Level.GRO), ("appeal officer", GrsTier.Level.APPEAL)):
        if group in names:
            offices |= offices_at_tier(user, level)
    return queryset.filter(office_id__in=offices)


def may_decide(user) -> bool:
    """Confirming, turning down and lifting are the appeal officer's (guideline §8)."""
    return user.is_superuser or user.groups.filter(name="appeal officer").exists()
