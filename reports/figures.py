"""The GRS monthly report for officers and the public figures for citizens.

The Cabinet Division's GRS guideline (অভিযোগ প্রতিকার ব্যবস্থা সংক্রান্ত নির্দেশিকা ২০১৫,
revised 2018) asks each office for a monthly report to its superior office: carried over
from the previous month, received, disposed, pending within and beyond the time limit,
and the disposal rate, per tier and per service. Every figure here is read from the
cases' timelines, which record each move with its date, so a past month is reported as
it stood then, however the cases moved afterwards.

How a case is counted (the rule every function below follows):

- A case counts at a tier once per *stay* there. A stay starts when the case enters the
  tier: tier 1 on receipt of the complaint, tier 2 or 3 on the escalation or appeal that
  moves it there (guideline: every move restarts the clock for the new tier). Tiers only
  go up, so a case has at most one stay per tier.
- A stay ends when the tier disposes the case, or when the tier lets its deadline pass
  and the case is escalated ("moved up"). An appeal after a disposal starts a stay at
  the next tier; it does not reopen the disposed one.
- So a case escalated from tier 1 to tier 2 in March counts in March as *moved up* at
  tier 1 (neither disposed nor pending there) and as *received* at tier 2; a case
  disposed at tier 1 in March and appealed in April counts as *disposed* at tier 1 in
  March and *received* at tier 2 in April. The "all tiers" line adds the tiers' stays.
- For a month and tier: carried over = stays that started before the month and had not
  ended when it began; received = stays that started in the month; disposed and moved
  up = stays that ended so in the month; pending = stays not ended at the month's end,
  so carried over + received = disposed + moved up + pending.
- Pending beyond the time limit: the tier's deadline, as it stood at the month's end,
  was before the month's last day (the case was overdue on that day, as
  ``Grievance.objects.overdue(today=last_day)`` says); otherwise within the limit.
- Disposal rate = disposed / (carried over + received), in per cent.
- Working days to disposal: working days (``grievances.calendar``) from the stay's start
  to the disposal; its median over the month's disposals. A disposal is within the
  time limit if it came on or before the tier's deadline as it stood at the disposal.
- Satisfied: of the month's disposals the complainant rated, the share rated satisfied.
- A case belongs to the office it is with now (``Grievance.office``): a case forwarded to
  another office counts there, for every month.
- Tier 3 is the Cabinet Division's cell, outside this system: a case that reaches it
  (escalated or appealed there, "for the Cabinet Division cell") starts a stay at tier 3
  that is never pending here, within or beyond a limit: until staff record the cell's
  decision it counts in its own column, *at the Cabinet Division cell*, and the recorded
  decision ends the stay as tier 3's disposal (without working days: the cell's clock
  starts when the complainant files there). So carried over + received = disposed +
  moved up + pending + at the cell. The public figures count this office's disposals
  (tiers 1 and 2); the cell's decisions are not among them.
- A request for information pauses the tier's clock, which moves its deadline: every
  timeline entry records the deadline as the step left it (``TimelineEntry.deadline``),
  and a past moment's deadline is the one the latest entry at the tier recorded by then
  (entries from before that field existed are replayed from the charter as described
  above). A paused case is therefore pending within the limit while its clock is paused.
  "Closed for want of information" is a disposal like any other; its working days count
  the whole stay, the paused days included, while "within the limit" is judged against
  the deadline as the pauses moved it.
- Roll-up (``including_below=True``): an office's figures together with those of every
  office under it (a district with its upazilas, the department with the whole network).
  Each case belongs to exactly one office, so every count of a roll-up is the sum of the
  same count over the offices it covers; a case forwarded between two of them counts once,
  where it is now. Each case's deadline is judged by its own office's GRS table.

The counts are aggregate queries; only the working-day arithmetic (which needs the
holiday calendar) looks at the month's disposals and pending cases one by one.
"""

import datetime
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import TruncMonth
from django.utils import timezone

from grievances import calendar
from grievances.models import Grievance, Rating, TimelineEntry
from grievances.workflow import INVESTIGATION_EXTENSION_WORKING_DAYS, WorkflowError, tier_info
from services import scoping
from services.models import GrsTier, Office, Service

Kind = TimelineEntry.Kind
Channel = Grievance.Channel

# Steps that start a stay at a tier, and steps that (re)start its clock.
ENTRY_KINDS = (Kind.SUBMITTED, Kind.ESCALATED, Kind.APPEALED)
# Steps that end a stay by a decision: the office's disposal, or the cell's decision recorded.
DECISION_KINDS = (Kind.DISPOSED, Kind.CELL_DECISION_RECORDED)
CLOCK_KINDS = (*ENTRY_KINDS, Kind.FORWARDED)
# A complaint typed in by staff from a letter, a call or a visit.
STAFF_CHANNELS = tuple(value for value in Channel.values if value not in (Channel.WEB, Channel.API))
TIERS = tuple(GrsTier.Level.values)


# ---------------------------------------------------------------------------- months


def month_start(month: datetime.date) -> datetime.date:
    return month.replace(day=1)


def next_month(month: datetime.date) -> datetime.date:
    first = month_start(month)
    return (first + datetime.timedelta(days=32)).replace(day=1)


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """Midnight of the month's first day and of the next month's, in Asia/Dhaka."""
    zone = timezone.get_default_timezone()
    first = month_start(month)
    after = next_month(first)
    return (
        datetime.datetime(first.year, first.month, 1, tzinfo=zone),
        datetime.datetime(after.year, after.month, 1, tzinfo=zone),
    )


def months_of_year(*, year: int, until: datetime.date) -> list[datetime.date]:
    """First days of the year's months up to and including ``until``'s month."""
    last = until.month if until.year == year else (12 if until.year > year else 0)
    return [datetime.date(year, month, 1) for month in range(1, last + 1)]


# ---------------------------------------------------------------------------- rows


@dataclass
class ReportRow:
    """One line of the monthly report: a tier and a service, a tier, or all tiers."""

    tier: int | None = None
    service: Service | None = None
    # Set on a roll-up's per-service rows: whose service (or "other") the row counts.
    office: Office | None = None
    carried_over: int = 0
    received_web: int = 0
    received_api: int = 0
    received_staff: int = 0
    disposed: int = 0
    moved_up: int = 0
    pending_within: int = 0
    pending_beyond: int = 0
    # Stays at tier 3 not ended at the month's end: with the Cabinet Division's cell, outside
    # this office, so neither within nor beyond this office's time limit.
    with_cell: int = 0
    disposal_working_days: list[int] = field(default_factory=list)
    rated: int = 0
    satisfied: int = 0

    COUNTS = (
        "carried_over",
        "received_web",
        "received_api",
        "received_staff",
        "disposed",
        "moved_up",
        "pending_within",
        "pending_beyond",
        "with_cell",
        "rated",
        "satisfied",
    )

    @property
    def received(self) -> int:
        return self.received_web + self.received_api + self.received_staff

    @property
    def total(self) -> int:
        """Carried over plus received: what the tier had to deal with in the month."""
        return self.carried_over + self.received

    @property
    def pending(self) -> int:
        return self.pending_within + self.pending_beyond

    @property
    def disposal_rate(self) -> float | None:
        """Per cent of the month's total disposed; None when there was nothing to dispose."""
        return round(100 * self.disposed / self.total, 1) if self.total else None

    @property
    def median_working_days(self) -> float | None:
        if not self.disposal_working_days:
            return None
        return round(float(statistics.median(self.disposal_working_days)), 1)

    @property
    def satisfied_share(self) -> float | None:
        """Per cent of rated disposals rated satisfied; None when none was rated."""
        return round(100 * self.satisfied / self.rated, 1) if self.rated else None

    def add(self, other: "ReportRow") -> None:
        for name in self.COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.disposal_working_days.extend(other.disposal_working_days)


@dataclass
class TierSection:
    tier: int
    label: str
    rows: list[ReportRow]
    total: ReportRow


@dataclass
class MonthlyReport:
    office: Office
    month: datetime.date
    tiers: list[TierSection]
    total: ReportRow
    # With every office under ``office`` (``offices``: all the offices counted).
    including_below: bool = False
    offices: list[Office] = field(default_factory=list)

    @property
    def last_day(self) -> datetime.date:
        return next_month(self.month) - datetime.timedelta(days=1)


# ---------------------------------------------------------------------------- queries


def covered_offices(office: Office, *, including_below: bool = False) -> list[Office]:
    """The offices a report of ``office`` counts: itself, or itself and every office under
    it, by level and name."""
    if not including_below:
        return [office]
    ids = scoping.with_offices_below({office.pk})
    return list(Office.objects.filter(pk__in=ids).order_by("level", "name"))


def _stay_entries(offices: list[Office]):
    """Timeline entries that start a stay at a tier, for the offices' cases."""
    return TimelineEntry.objects.filter(
        kind__in=ENTRY_KINDS, grievance__office__in=[office.pk for office in offices]
    ).order_by()


def _stay_end(kinds: tuple, tier_field: str) -> Subquery:
    """When the stay in the outer row ended by one of ``kinds`` (a decision, or an
    escalation), if it did."""
    return Subquery(
        TimelineEntry.objects.filter(
            grievance=OuterRef("grievance"), kind__in=kinds, **{tier_field: OuterRef("to_tier")}
        )
        .order_by("created_at")
        .values("created_at")[:1]
    )


def _recorded_deadline(before) -> Subquery:
    """The deadline of the outer row's tier as the latest step at or before ``before``
    recorded it (None for cases whose steps predate ``TimelineEntry.deadline``)."""
    return Subquery(
        TimelineEntry.objects.filter(
            grievance=OuterRef("grievance"),
            to_tier=OuterRef("to_tier"),
            created_at__lte=before,
            deadline__isnull=False,
        )
        .order_by("-created_at", "-pk")
        .values("deadline")[:1]
    )


def _clock_start(before) -> Subquery:
    """When the clock of the outer row's tier last (re)started at or before ``before``."""
    return Subquery(
        TimelineEntry.objects.filter(
            grievance=OuterRef("grievance"),
            to_tier=OuterRef("to_tier"),
            kind__in=CLOCK_KINDS,
            created_at__lte=before,
        )
        .order_by("-created_at")
        .values("created_at")[:1]
    )


def _investigation(before) -> Exists:
    """Whether an investigation was ordered since the clock started, by ``before``."""
    return Exists(
        TimelineEntry.objects.filter(
            grievance=OuterRef("grievance"),
            to_tier=OuterRef("to_tier"),
            kind=Kind.INVESTIGATION_ORDERED,
            created_at__gte=OuterRef("clock_start"),
            created_at__lte=before,
        )
    )


def _last_clock_change() -> Subquery:
    """The last step that set the deadline now stored on the case, at the outer row's tier."""
    return Subquery(
        TimelineEntry.objects.filter(
            grievance=OuterRef("grievance"),
            to_tier=OuterRef("to_tier"),
            kind__in=(*CLOCK_KINDS, Kind.INVESTIGATION_ORDERED),
        )
        .order_by("-created_at")
        .values("created_at")[:1]
    )


DEADLINE_FIELDS = (
    "grievance__office",
    "to_tier",
    "clock_start",
    "investigation",
    "last_clock_change",
    "grievance__tier",
    "grievance__deadline",
    "recorded_deadline",
)


class _Deadlines:
    """The deadline a stay had at a given moment, from the timeline.

    The deadline stored on the case is used while nothing has moved its clock since that
    moment; otherwise it is recomputed the way the workflow set it (tier limit from the
    charter, plus the investigation extension), with one calendar for all rows.
    """

    def __init__(self, offices: list[Office]):
        self.offices = {office.pk: office for office in offices}
        self._limits: dict[tuple[int, int], int | None] = {}

    def limit(self, office_id: int, tier: int) -> int | None:
        """The tier's limit in the GRS table of the case's office (or the one above it)."""
        key = (office_id, tier)
        if key not in self._limits:
            try:
                office = self.offices[office_id]
                self._limits[key] = tier_info(office=office, level=tier).working_days
            except WorkflowError:  # the charter lost that tier: keep the stored deadline
                self._limits[key] = None
        return self._limits[key]

    def _limit_of(self, row: dict) -> int | None:
        return self.limit(row["grievance__office"], row["to_tier"])

    def stored_still_applies(self, row: dict, moment: datetime.datetime) -> bool:
        if row["grievance__tier"] == row["to_tier"] and row["last_clock_change"] <= moment:
            return True
        return self._limit_of(row) is None

    def compute(self, rows: list[dict], moments: list[datetime.datetime]) -> list[datetime.date]:
        replay = [
            (row, timezone.localdate(row["clock_start"]))
            for row, moment in zip(rows, moments, strict=True)
            if row.get("recorded_deadline") is None and not self.stored_still_applies(row, moment)
        ]
        if replay:
            first = min(start for _row, start in replay)
            longest = max(self._limit_of(row) for row, _start in replay)
            span = datetime.timedelta(
                days=(longest + INVESTIGATION_EXTENSION_WORKING_DAYS) * 7 // 5 + 120
            )
            cal = calendar.calendar_for(first, max(start for _row, start in replay) + span)
        deadlines = []
        for row, moment in zip(rows, moments, strict=True):
            if row.get("recorded_deadline") is not None:
                deadlines.append(row["recorded_deadline"])
                continue
            if self.stored_still_applies(row, moment):
                deadlines.append(row["grievance__deadline"])
                continue
            days = self._limit_of(row)
            if row["investigation"]:
                days += INVESTIGATION_EXTENSION_WORKING_DAYS
            deadlines.append(cal.add_working_days(timezone.localdate(row["clock_start"]), days))
        return deadlines


@dataclass(frozen=True)
class Disposal:
    """One disposal at a tier, with what the report and the public figures need of it."""

    tier: int
    service_id: int | None
    office_id: int
    disposed_on: datetime.date
    working_days: int
    within_limit: bool
    satisfied: bool | None


def disposals(
    *,
    office: Office,
    start: datetime.datetime,
    end: datetime.datetime,
    including_below: bool = False,
    offices: list[Office] | None = None,
) -> list[Disposal]:
    """Every disposal of the office's cases from ``start`` (inclusive) to ``end``; with
    ``including_below``, of the cases of every office under it too (``offices``, when
    given, are those offices, already found)."""
    if offices is None:
        offices = covered_offices(office, including_below=including_below)
    rows = list(
        TimelineEntry.objects.filter(
            kind=Kind.DISPOSED,
            grievance__office__in=[one.pk for one in offices],
            created_at__gte=start,
            created_at__lt=end,
        )
        .order_by()
        .annotate(
            stay_start=Subquery(
                TimelineEntry.objects.filter(
                    grievance=OuterRef("grievance"),
                    to_tier=OuterRef("to_tier"),
                    kind__in=ENTRY_KINDS,
                )
                .order_by("created_at")
                .values("created_at")[:1]
            ),
            # The day the stay took effect, when not the day it was recorded (a late sweep).
            stay_effective=Subquery(
                TimelineEntry.objects.filter(
                    grievance=OuterRef("grievance"),
                    to_tier=OuterRef("to_tier"),
                    kind__in=ENTRY_KINDS,
                )
                .order_by("created_at")
                .values("effective_on")[:1]
            ),
            clock_start=_clock_start(OuterRef("created_at")),
            investigation=_investigation(OuterRef("created_at")),
            last_clock_change=_last_clock_change(),
            recorded_deadline=_recorded_deadline(OuterRef("created_at")),
            satisfied=Subquery(
                Rating.objects.filter(
                    grievance=OuterRef("grievance"), tier=OuterRef("to_tier")
                ).values("satisfied")[:1]
            ),
        )
        .values(
            "created_at",
            "stay_start",
            "stay_effective",
            "grievance__service",
            "satisfied",
            *DEADLINE_FIELDS,
        )
    )
    if not rows:
        return []
    moments = [row["created_at"] for row in rows]
    deadlines = _Deadlines(offices).compute(rows, moments)
    days_of = [
        (
            row["stay_effective"] or timezone.localdate(row["stay_start"]),
            timezone.localdate(row["created_at"]),
        )
        for row in rows
    ]
    cal = calendar.calendar_for(min(a for a, _b in days_of), max(b for _a, b in days_of))
    return [
        Disposal(
            tier=row["to_tier"],
            service_id=row["grievance__service"],
            office_id=row["grievance__office"],
            disposed_on=disposed_on,
            working_days=cal.working_days_between(started_on, disposed_on),
            within_limit=disposed_on <= deadline,
            satisfied=row["satisfied"],
        )
        for row, deadline, (started_on, disposed_on) in zip(rows, deadlines, days_of, strict=True)
    ]


def _counts(offices: list[Office], start: datetime.datetime, end: datetime.datetime):
    """Per tier, office and service: carried over, received by channel, disposed, moved up."""
    in_month = {"gte": start, "lt": end}

    def ended_in_month(name):
        return Q(**{f"{name}__gte": start, f"{name}__lt": end})

    def not_ended_before(name, moment):
        return Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__gte": moment})

    received = Q(created_at__gte=in_month["gte"])
    return (
        _stay_entries(offices)
        .filter(created_at__lt=end)
        .annotate(
            disposed_at=_stay_end(DECISION_KINDS, "to_tier"),
            left_at=_stay_end((Kind.ESCALATED,), "from_tier"),
        )
        .filter(not_ended_before("disposed_at", start), not_ended_before("left_at", start))
        .values("to_tier", "grievance__office", "grievance__service")
        .annotate(
            carried_over=Count("pk", filter=Q(created_at__lt=start)),
            received_web=Count("pk", filter=received & Q(grievance__channel=Channel.WEB)),
            received_api=Count("pk", filter=received & Q(grievance__channel=Channel.API)),
            received_staff=Count("pk", filter=received & Q(grievance__channel__in=STAFF_CHANNELS)),
            disposed=Count("pk", filter=ended_in_month("disposed_at")),
            moved_up=Count("pk", filter=ended_in_month("left_at")),
        )
        .order_by("to_tier", "grievance__office", "grievance__service")
    )


def _pending_at(offices: list[Office], end: datetime.datetime) -> list[dict]:
    """Stays not ended at ``end``, with what is needed to tell their deadline then."""
    return list(
        _stay_entries(offices)
        .filter(created_at__lt=end)
        .annotate(
            disposed_at=_stay_end(DECISION_KINDS, "to_tier"),
            left_at=_stay_end((Kind.ESCALATED,), "from_tier"),
        )
        .filter(
            Q(disposed_at__isnull=True) | Q(disposed_at__gte=end),
            Q(left_at__isnull=True) | Q(left_at__gte=end),
        )
        .annotate(
            clock_start=_clock_start(end),
            investigation=_investigation(end),
            last_clock_change=_last_clock_change(),
            recorded_deadline=_recorded_deadline(end),
        )
        .values("grievance__service", *DEADLINE_FIELDS)
    )


# ---------------------------------------------------------------------------- the report


def monthly_report(
    *, office: Office, month: datetime.date, including_below: bool = False
) -> MonthlyReport:
    """The guideline's monthly report of ``office`` for ``month`` (any day of it); with
    ``including_below``, of the office and every office under it together, each office's
    services on rows of their own (labelled with the office)."""
    month = month_start(month)
    start, end = month_bounds(month)
    last_day = next_month(month) - datetime.timedelta(days=1)
    offices = covered_offices(office, including_below=including_below)
    # (tier, office id, service id) -> row; the service, when named, is that office's.
    rows: dict[tuple[int, int, int | None], ReportRow] = defaultdict(ReportRow)

    for counted in _counts(offices, start, end):
        key = (counted["to_tier"], counted["grievance__office"], counted["grievance__service"])
        row = rows[key]
        for name in ("carried_over", "received_web", "received_api", "received_staff"):
            setattr(row, name, counted[name])
        row.disposed, row.moved_up = counted["disposed"], counted["moved_up"]

    pending = []
    for stay in _pending_at(offices, end):
        key = (stay["to_tier"], stay["grievance__office"], stay["grievance__service"])
        if stay["to_tier"] == GrsTier.Level.CABINET_CELL:  # outside this office's clock
            rows[key].with_cell += 1
        else:
            pending.append(stay)
    deadlines = _Deadlines(offices).compute(pending, [end] * len(pending))
    for stay, deadline in zip(pending, deadlines, strict=True):
        row = rows[(stay["to_tier"], stay["grievance__office"], stay["grievance__service"])]
        if deadline < last_day:
            row.pending_beyond += 1
        else:
            row.pending_within += 1

    for disposal in disposals(office=office, start=start, end=end, offices=offices):
        row = rows[(disposal.tier, disposal.office_id, disposal.service_id)]
        row.disposal_working_days.append(disposal.working_days)
        if disposal.satisfied is not None:
            row.rated += 1
            row.satisfied += int(disposal.satisfied)

    services = Service.objects.in_bulk({key[2] for key in rows if key[2]})
    by_id = {one.pk: one for one in offices}
    position = {one.pk: n for n, one in enumerate(offices)}
    total = ReportRow()
    sections = []
    for tier in TIERS:
        keys = [key for key in rows if key[0] == tier]
        keys.sort(key=lambda key: (position[key[1]], _service_order(services.get(key[2]))))
        section_rows = [
            replace(
                rows[key],
                tier=tier,
                service=services.get(key[2]),
                office=by_id[key[1]] if including_below else None,
            )
            for key in keys
        ]
        tier_total = _sum(section_rows, tier=tier)
        total.add(tier_total)
        sections.append(TierSection(tier, str(GrsTier.Level(tier).label), section_rows, tier_total))
    return MonthlyReport(
        office=office,
        month=month,
        tiers=sections,
        total=total,
        including_below=including_below,
        offices=offices,
    )


def _service_order(service: Service | None):
    if service is None:
        return (1, "", 0)
    return (0, service.category, service.serial)


def _sum(rows: Iterable[ReportRow], *, tier: int | None = None) -> ReportRow:
    total = ReportRow(tier=tier)
    for row in rows:
        total.add(row)
    return total


def offices_with_complaints() -> list[Office]:
    return list(Office.objects.filter(Exists(Grievance.objects.filter(office=OuterRef("pk")))))


# ---------------------------------------------------------------------------- public


@dataclass(frozen=True)
class MonthFigures:
    month: datetime.date
    received: int
    disposed: int
    disposed_within_limit: int
    average_working_days: float | None

    @property
    def disposed_beyond_limit(self) -> int:
        return self.disposed - self.disposed_within_limit

    @property
    def within_limit_share(self) -> float | None:
        """Per cent of the month's disposals made within the time limit."""
        if not self.disposed:
            return None
        return round(100 * self.disposed_within_limit / self.disposed, 1)


@dataclass(frozen=True)
class PublicFigures:
    year: int
    months: list[MonthFigures]

    @property
    def received(self) -> int:
        return sum(month.received for month in self.months)

    @property
    def disposed(self) -> int:
        return sum(month.disposed for month in self.months)

    @property
    def disposed_within_limit(self) -> int:
        return sum(month.disposed_within_limit for month in self.months)

    @property
    def within_limit_share(self) -> float | None:
        if not self.disposed:
            return None
        return round(100 * self.disposed_within_limit / self.disposed, 1)

    @property
    def average_working_days(self) -> float | None:
        weighted = [
            (month.average_working_days, month.disposed)
            for month in self.months
            if month.average_working_days is not None
        ]
        if not weighted:
            return None
        return round(sum(a * n for a, n in weighted) / sum(n for _a, n in weighted), 1)


def public_figures(
    *, office: Office, today: datetime.date, including_below: bool = False
) -> PublicFigures:
    """This year's figures per month, up to ``today``: counts and averages, never a case.

    Received = new complaints (tier 1 stays started in the month); disposed = disposals at
    any tier in the month, within the limit and working days as defined above. With
    ``including_below``, the figures of the office and every office under it together.
    Costs one aggregate query (and one per level of offices for a roll-up), plus the
    disposals' details (and the holidays) when there are any.
    """
    offices = covered_offices(office, including_below=including_below)
    year = today.year
    months = months_of_year(year=year, until=today)
    start, _ = month_bounds(datetime.date(year, 1, 1))
    _, end = month_bounds(today)
    zone = timezone.get_default_timezone()
    # One aggregate query for the counts; the disposals' details only if there are any.
    per_month = (
        TimelineEntry.objects.filter(
            grievance__office__in=[one.pk for one in offices],
            kind__in=(Kind.SUBMITTED, Kind.DISPOSED),
            created_at__gte=start,
            created_at__lt=end,
        )
        .order_by()
        .annotate(month=TruncMonth("created_at", tzinfo=zone))
        .values("month")
        .annotate(
            received=Count("pk", filter=Q(kind=Kind.SUBMITTED)),
            disposed=Count("pk", filter=Q(kind=Kind.DISPOSED)),
        )
    )
    counts = {timezone.localtime(row["month"], zone).date(): row for row in per_month}
    received = {month: row["received"] for month, row in counts.items()}
    by_month: dict[datetime.date, list[Disposal]] = defaultdict(list)
    if any(row["disposed"] for row in counts.values()):
        for disposal in disposals(office=office, start=start, end=end, offices=offices):
            by_month[month_start(disposal.disposed_on)].append(disposal)
    figures = []
    for month in months:
        done = by_month.get(month, [])
        average = round(sum(d.working_days for d in done) / len(done), 1) if done else None
        figures.append(
            MonthFigures(
                month=month,
                received=received.get(month, 0),
                disposed=len(done),
                disposed_within_limit=sum(d.within_limit for d in done),
                average_working_days=average,
            )
        )
    return PublicFigures(year=year, months=figures)
