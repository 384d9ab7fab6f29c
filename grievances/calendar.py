"""The working-day calendar of the GRS: not Friday, not Saturday, not a government holiday.

Holidays come from the admin-edited ``Holiday`` table (the ``holidays`` package only seeds
it). The day of receipt never counts: a deadline is the Nth working day *after* a date.
"""

import datetime
from collections.abc import Iterable

from django.utils import timezone

# Python's weekday(): Monday is 0, so Friday is 4 and Saturday is 5.
WEEKEND = frozenset({4, 5})


class WorkingCalendar:
    """Working-day arithmetic over a fixed set of holidays, with no database access."""

    def __init__(self, holidays: Iterable[datetime.date] = ()):
        self.holidays = frozenset(holidays)

    def is_working_day(self, day: datetime.date) -> bool:
        return day.weekday() not in WEEKEND and day not in self.holidays

    def add_working_days(self, start: datetime.date, count: int) -> datetime.date:
        """The ``count``-th working day after ``start`` (``start`` itself never counts)."""
        if count < 1:
            raise ValueError("count must be at least 1")
        day = start
        remaining = count
        while remaining:
            day += datetime.timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative if earlier)."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(
            1
            for offset in range(1, (end - start).days + 1)
            if self.is_working_day(start + datetime.timedelta(days=offset))
        )


def _holidays_between(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    from .models import Holiday

    return list(Holiday.objects.filter(date__range=(start, end)).values_list("date", flat=True))


def calendar_for(start: datetime.date, end: datetime.date) -> WorkingCalendar:
    """A calendar that knows every holiday from ``start`` to ``end``."""
    return WorkingCalendar(_holidays_between(start, end))


def _span_for(count: int) -> datetime.timedelta:
    # Seven calendar days hold at least five working days unless holidays intervene;
    # a long margin covers a run of Eid holidays.
    return datetime.timedelta(days=count * 7 // 5 + 45)


def today() -> datetime.date:
    """Today in Asia/Dhaka (the project's TIME_ZONE)."""
    return timezone.localdate()


def is_working_day(day: datetime.date) -> bool:
    return calendar_for(day, day).is_working_day(day)


def add_working_days(start: datetime.date, count: int) -> datetime.date:
    """The date ``count`` working days after ``start``; the deadline of a tier that starts then."""
    end = start + _span_for(count)
    while True:
        result = calendar_for(start, end).add_working_days(start, count)
        if result <= end:
            return result
        end += _span_for(count)  # a longer run of holidays than expected: look further


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative if earlier)."""
    return calendar_for(min(start, end), max(start, end)).working_days_between(start, end)
