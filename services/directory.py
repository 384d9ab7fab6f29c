"""The directory of offices: every office by the hierarchy, each with the grievance redress
officer (GRO) who takes its complaints, and a search by name however it was typed.

Two queries whatever the number of offices (about 600 for the Department of ICT): the
offices, and tier 1 of every published GRS table. The hierarchy is walked in Python.
"""

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef

from core.text import normalize_for_search

from .models import Charter, GrsTier, Office

LEVEL_ORDER = {level: rank for rank, level in enumerate(Office.Level.values)}
# Offices grouped under a district: the district office and everything below it.
DISTRICT = Office.Level.DISTRICT


@dataclass
class Entry:
    office: Office
    published: bool
    # Tier 1 of the office's published GRS table, or of the nearest office above it with
    # one: whom a complaint about this office goes to. None: nobody has published one yet.
    gro: GrsTier | None
    gro_office: Office | None


@dataclass
class Group:
    """A district office with the offices below it; ``office`` None for the offices above
    the districts (ministry, department, divisions) and any not under a district."""

    office: Office | None
    entries: list[Entry] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"office-{self.office.slug}" if self.office else "head-offices"


def _sort_key(office: Office):
    return (LEVEL_ORDER.get(office.level, len(LEVEL_ORDER)), str(office.name))


def _chain(office: Office, by_pk: dict[int, Office]):
    """The office and every office above it, nearest first."""
    seen = set()
    current = office
    while current is not None and current.pk not in seen:
        seen.add(current.pk)
        yield current
        current = by_pk.get(current.parent_id)


def _entries(offices: list[Office], shown: list[Office]) -> list[Entry]:
    """An entry for each office in ``shown``; ``offices`` are all of them, for the hierarchy."""
    by_pk = {office.pk: office for office in offices}
    tiers = {
        tier.charter.office_id: tier
        for tier in GrsTier.objects.filter(
            level=GrsTier.Level.GRO, charter__is_published=True
        ).select_related("charter", "officer")
    }
    entries = []
    for office in shown:
        gro = next((tiers[o.pk] for o in _chain(office, by_pk) if o.pk in tiers), None)
        gro_office = None
        if gro is not None and gro.officer is not None:
            gro_office = by_pk.get(gro.officer.office_id)
        entries.append(Entry(office, office.published, gro, gro_office))
    return entries


def _all_offices() -> list[Office]:
    published = Charter.objects.filter(office=OuterRef("pk"), is_published=True)
    offices = Office.objects.annotate(published=Exists(published)).only(
        "pk", "parent_id", "level", "slug", "name_bn", "name_en"
    )
    return sorted(offices, key=_sort_key)


def _district_of(office: Office, by_pk: dict[int, Office]) -> Office | None:
    return next((o for o in _chain(office, by_pk) if o.level == DISTRICT), None)


def _groups(entries: list[Entry]) -> list[Group]:
    by_pk = {entry.office.pk: entry.office for entry in entries}
    head = Group(office=None)
    districts: dict[int, Group] = {}
    for entry in entries:  # in hierarchy order: districts come before the offices below
        district = _district_of(entry.office, by_pk)
        if district is None:
            head.entries.append(entry)
        else:
            districts.setdefault(district.pk, Group(office=district)).entries.append(entry)
    groups = [head] if head.entries else []
    return groups + sorted(districts.values(), key=lambda group: str(group.office.name))


def matches(office: Office, words: list[str]) -> bool:
    """Every word is in the office's Bangla or English name (or its slug)."""
    text = normalize_for_search(" ".join([office.name_bn or "", office.name_en or "", office.slug]))
    return all(word in text for word in words)


def office_directory(*, query: str = "") -> dict:
    """``groups`` (every office, grouped by district), or with a ``query`` the ``results``
    (the offices whose name has every word of it, in the hierarchy's order)."""
    offices = _all_offices()
    words = normalize_for_search(query).split()
    if words:
        found = [office for office in offices if matches(office, words)]
        return {"results": _entries(offices, found) if found else [], "count": len(offices)}
    return {"groups": _groups(_entries(offices, offices)), "count": len(offices)}
