"""Which complaints a staff user may see: those at their group's tier, for their office."""

from django.db.models import Q, QuerySet

from services.models import GrsTier, Office

from .models import Grievance, StaffProfile

GROUP_TIERS = {
    "GRO": GrsTier.Level.GRO,
    "appeal officer": GrsTier.Level.APPEAL,
    "Cabinet cell": GrsTier.Level.CABINET_CELL,
}


def tiers_for(user) -> set[int]:
    names = user.groups.filter(name__in=GROUP_TIERS).values_list("name", flat=True)
    return {GROUP_TIERS[name] for name in names}


def visible_grievances(user, queryset: QuerySet | None = None) -> QuerySet:
    """Superusers see every case; officers the cases at their tier handled by them or their
    office; the Cabinet cell every case at tier 3 unless its profile names an office."""
    queryset = Grievance.objects.all() if queryset is None else queryset
    if not user.is_active or not user.is_staff:
        return queryset.none()
    if user.is_superuser:
        return queryset
    tiers = tiers_for(user)
    profile = StaffProfile.objects.filter(user=user).first()
    allowed = Q(pk__in=[])
    for tier in tiers:
        if tier == GrsTier.Level.CABINET_CELL and (profile is None or not profile.office_id):
            allowed |= Q(tier=tier)
            continue
        if profile is None:
            continue
        mine = Q(pk__in=[])
        if profile.officer_id:
            mine |= Q(handling_officer_id=profile.officer_id)
        if profile.office_id:
            mine |= Q(office_id=profile.office_id)
        allowed |= Q(tier=tier) & mine
    return queryset.filter(allowed)


def offices_for(user) -> list[Office]:
    """Offices whose figures ``user`` may see: all for a superuser, else their own and below."""
    if user.is_superuser:
        return list(Office.objects.order_by("level", "name"))
    profile = StaffProfile.objects.select_related("officer").filter(user=user).first()
    if profile is None:
        return []
    own = profile.office_id or (profile.officer.office_id if profile.officer else None)
    if own is None:
        return []
    every = list(Office.objects.order_by("level", "name"))
    allowed, frontier = {own}, {own}
    while frontier:  # an office hierarchy is a few levels deep
        frontier = {office.pk for office in every if office.parent_id in frontier} - allowed
        allowed |= frontier
    return [office for office in every if office.pk in allowed]
