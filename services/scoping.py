"""Which offices a staff user works for, and so which charter records they may see and edit.

The one place the admin's office scoping asks (``services/admin.py``, the complaint admin,
the reports): a staff user belongs to the offices of their ``StaffMembership`` rows; a
superuser to every office. Plain functions of the user, no request: a charter editor of
office A never reads or changes office B's charter, services, officers, expectations or
GRS tiers, wherever the record is reached from (list, form, autocomplete, action, import).

Naming is wider than editing: a service's superior officer and a charter's GRS tiers are
officers of the offices above (Kaunia's GRO is the District ICT Officer in Rangpur), so
an editor may *pick* an officer of their offices or of any office above them, but only
*edit* their own offices' officers.
"""

from django.db.models import Model, QuerySet

from .models import Charter, Office, Officer

# An office hierarchy is a few levels deep (department, division, district, upazila); a
# longer chain is a data error, and the walks below stop there instead of looping.
MAX_DEPTH = 10


def is_unscoped(user) -> bool:
    """A superuser sees every office's records."""
    return bool(user.is_active and user.is_superuser)


def offices_of(user) -> QuerySet[Office]:
    """The offices ``user`` belongs to: every office for a superuser, none for a user who is
    not active staff."""
    if is_unscoped(user):
        return Office.objects.all()
    if not (user.is_active and user.is_staff):
        return Office.objects.none()
    return Office.objects.filter(staff_memberships__user=user)


def office_ids_of(user) -> set[int] | None:
    """The ids of ``offices_of(user)``; None for a superuser (every office)."""
    if is_unscoped(user):
        return None
    return set(offices_of(user).values_list("pk", flat=True))


def may_edit(user, office: Office | int | None) -> bool:
    """Whether ``user`` may see and change records of ``office`` (an office or its id)."""
    if is_unscoped(user):
        return True
    if office is None:
        return False
    office_id = office.pk if isinstance(office, Office) else office
    return offices_of(user).filter(pk=office_id).exists()


def scope(queryset: QuerySet, user, path: str = "office") -> QuerySet:
    """``queryset`` limited to the records of ``user``'s offices; ``path`` is the lookup
    from the queryset's model to its office ("office", "charter__office"; "" for offices
    themselves)."""
    if is_unscoped(user):
        return queryset
    lookup = f"{path}__in" if path else "pk__in"
    return queryset.filter(**{lookup: offices_of(user).values("pk")})


def office_id_of(obj: Model, path: str = "office") -> int | None:
    """The id of the office ``obj`` belongs to, following ``path`` as ``scope`` does."""
    if not path:
        return obj.pk
    *through, last = path.split("__")
    for name in through:
        obj = getattr(obj, name, None)
        if obj is None:
            return None
    return getattr(obj, f"{last}_id", None)


def with_offices_above(office_ids) -> set[int]:
    """``office_ids`` and every office above them (parents up to the top)."""
    found = set(office_ids)
    frontier = set(found)
    for _level in range(MAX_DEPTH):
        parents = set(
            Office.objects.filter(pk__in=frontier, parent__isnull=False).values_list(
                "parent_id", flat=True
            )
        )
        frontier = parents - found
        if not frontier:
            break
        found |= frontier
    return found


def with_offices_below(office_ids) -> set[int]:
    """``office_ids`` and every office under them (district → upazilas, and so on)."""
    found = set(office_ids)
    frontier = set(found)
    for _level in range(MAX_DEPTH):
        children = set(Office.objects.filter(parent__in=frontier).values_list("pk", flat=True))
        frontier = children - found
        if not frontier:
            break
        found |= frontier
    return found


def officers_to_edit(user) -> QuerySet[Officer]:
    """Officers whose records ``user`` may change: their offices' officers."""
    return scope(Officer.objects.all(), user)


def officers_to_name(user) -> QuerySet[Officer]:
    """Officers ``user`` may name in a superior-officer or GRS-tier field: those of their
    offices and of every office above them (public charter data, never editable there)."""
    if is_unscoped(user):
        return Officer.objects.all()
    return Officer.objects.filter(office__in=with_offices_above(office_ids_of(user)))


def charters_of(user) -> QuerySet[Charter]:
    return scope(Charter.objects.all(), user)
