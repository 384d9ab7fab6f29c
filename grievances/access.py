"""Which complaints a staff user may see and act on, and which offices' reports.

A complaint is addressed to a post, not to an office's staff: the GRS table of the office
concerned (or of the office above it, ``workflow.tier_info``) names the officer of each
tier, and Kaunia's GRO is the District ICT Officer in Rangpur. The workflow stores that
officer on the case as ``handling_officer`` whenever the case enters a tier or an office
(submission, escalation, appeal, forwarding), and access follows the stored officer, not a
fresh reading of the table:

- a complaint keeps the GRS tiers of the charter edition it was filed under (product
  brief), so a later change to the table does not take an open case away from the
  officer already handling it, nor hand it, half done, to someone who never received it;
  moving it is a step of its own (forwarding, escalation) with its entry in the timeline;
- the stored officer agrees with the deadline, the messages and the timeline, which were
  all made from the same reading of the table;
- it is one indexed column, so an officer's case list stays one query at a million cases.

The person behind a post is the user whose ``StaffProfile.officer`` is that officer: when
a new District ICT Officer takes over, their account gets the same post and sees its cases.
"""

from django.db.models import Q, QuerySet

from services import scoping
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
    """The cases ``user`` sees and acts on. Superusers: every case. A member of a GRS group
    (GRO, appeal officer, Cabinet cell) sees, at the tier of each of their groups:

    - the cases addressed to the post they hold (``handling_officer`` is their profile's
      officer), in whichever office;
    - the cases of the offices they belong to whose tier names no officer;
    - if they hold no post, every case of the offices they belong to (the office's GRS
      desk, as before posts were recorded);
    - for the Cabinet cell belonging to no office, every case at tier 3 (an office's own
      "Cabinet cell" desk sees the cases it handed to the cell, to record the decision).

    Anyone else: nothing."""
    queryset = Grievance.objects.all() if queryset is None else queryset
    if not user.is_active or not user.is_staff:
        return queryset.none()
    if user.is_superuser:
        return queryset
    tiers = tiers_for(user)
    if not tiers:
        return queryset.none()
    profile = StaffProfile.objects.filter(user=user).first()
    post = profile.officer_id if profile is not None else None
    my_offices = scoping.offices_of(user)
    has_offices = my_offices.exists()
    at_my_offices = Q(office__in=my_offices.values("pk"))
    addressed = Q(pk__in=[])
    if post is not None:
        addressed |= Q(handling_officer_id=post)
    if has_offices:
        addressed |= at_my_offices & Q(handling_officer__isnull=True)
        if post is None:
            addressed |= at_my_offices
    allowed = Q(pk__in=[])
    for tier in tiers:
        if tier == GrsTier.Level.CABINET_CELL and not has_offices:
            allowed |= Q(tier=tier)
        else:
            allowed |= Q(tier=tier) & addressed
    return queryset.filter(allowed)


def offices_for(user) -> list[Office]:
    """Offices whose figures ``user`` may see: all for a superuser; else the offices they
    belong to and the office of the post they hold, each with every office under it (a
    district's staff see their district and its upazilas)."""
    if user.is_superuser:
        return list(Office.objects.order_by("level", "name"))
    own = set(scoping.offices_of(user).values_list("pk", flat=True))
    post_office = (
        StaffProfile.objects.filter(user=user, officer__isnull=False)
        .values_list("officer__office_id", flat=True)
        .first()
    )
    if post_office is not None:
        own.add(post_office)
    if not own:
        return []
    allowed = scoping.with_offices_below(own)
    return list(Office.objects.filter(pk__in=allowed).order_by("level", "name"))
