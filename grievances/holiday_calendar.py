"""Bangladesh's national holidays, what the `holidays` package can date of them, and which
years' holiday tables a holiday editor has confirmed.

The Holiday table, not the package, is the truth (product brief): the package has no
Buddha Purnima, Janmashtami or Bijoya Dashami, and dates the Islamic holidays by an
estimate of the lunar calendar that the moon sighting committee may move by a day. So
``load_holidays`` says what it could not date, and admin warns until a holiday editor has
checked a year's table against the government's published list and confirmed it.
"""

import datetime
from dataclasses import dataclass

import holidays
from django.db import transaction
from django.utils import timezone

from .models import HolidayYear

# The government publishes the coming year's holiday list in the autumn: from this day of
# the year on, admin asks for the coming year's table to be confirmed too.
NEXT_YEAR_CONFIRMATION_FROM = (10, 1)


@dataclass(frozen=True)
class NationalHoliday:
    name_en: str
    name_bn: str
    # What the `holidays` package calls it (its en_US names), if it has it at all.
    package_names: tuple[str, ...] = ()
    lunar: bool = False  # dated by the moon: the package's date is an estimate


# The religious and lunar holidays of the government's yearly list (the fixed national
# days, 21 February to 25 December, are all in the package and always on their dates).
NATIONAL_HOLIDAYS = (
    NationalHoliday("Shab-e-Barat", "শবে বরাত", ("Mid-Sha'ban",), lunar=True),
    NationalHoliday("Shab-e-Qadr", "শবে কদর", ("Laylat al-Qadr",), lunar=True),
    NationalHoliday("Jumatul Bidah", "জুমাতুল বিদা", ("Jumu'atul-Wida",), lunar=True),
    NationalHoliday("Eid-ul-Fitr", "ঈদুল ফিতর", ("Eid al-Fitr",), lunar=True),
    NationalHoliday("Eid-ul-Azha", "ঈদুল আজহা", ("Eid al-Adha",), lunar=True),
    NationalHoliday("Ashura", "আশুরা", ("Ashura",), lunar=True),
    NationalHoliday("Eid-e-Milad-un-Nabi", "ঈদে মিলাদুন্নবী", ("Prophet's Birthday",), lunar=True),
    NationalHoliday("Buddha Purnima", "বুদ্ধ পূর্ণিমা", ("Buddha Purnima", "Vesak"), lunar=True),
    NationalHoliday("Janmashtami", "জন্মাষ্টমী", ("Janmashtami",), lunar=True),
    NationalHoliday(
        "Bijoya Dashami", "বিজয়া দশমী", ("Vijayadashami", "Bijoya Dashami", "Dussehra"), lunar=True
    ),
)


@dataclass(frozen=True)
class PackageReport:
    """What the package gives for a year: the holidays it has no date for, and the lunar
    ones it dated by estimate (each with its dates)."""

    year: int
    undated: tuple[NationalHoliday, ...]
    estimated: tuple[tuple[NationalHoliday, tuple[datetime.date, ...]], ...]


def package_calendar(year: int, language: str):
    return holidays.country_holidays("BD", years=year, language=language)


def package_report(year: int) -> PackageReport:
    calendar = package_calendar(year, "en_US")
    undated, estimated = [], []
    for holiday in NATIONAL_HOLIDAYS:
        dates = tuple(
            sorted(
                day
                for day, names in calendar.items()
                if any(
                    name.lower() in part.lower()
                    for part in names.split("; ")
                    for name in holiday.package_names
                )
            )
        )
        if not dates:
            undated.append(holiday)
        elif holiday.lunar:
            estimated.append((holiday, dates))
    return PackageReport(year, tuple(undated), tuple(estimated))


def years_to_confirm(today: datetime.date) -> list[int]:
    """The years whose holiday table must be confirmed by ``today``: this year, and the
    coming one from October."""
    years = [today.year]
    if (today.month, today.day) >= NEXT_YEAR_CONFIRMATION_FROM:
        years.append(today.year + 1)
    return years


def unconfirmed_years(today: datetime.date) -> list[int]:
    wanted = years_to_confirm(today)
    confirmed = set(HolidayYear.objects.filter(year__in=wanted).values_list("year", flat=True))
    return [year for year in wanted if year not in confirmed]


def confirm(*, years, user, now: datetime.datetime | None = None) -> list[int]:
    """Record that ``user`` checked the holiday table of each of ``years``; returns the
    years newly confirmed."""
    now = now or timezone.now()
    done = []
    with transaction.atomic():
        for year in sorted(set(years)):
            _row, created = HolidayYear.objects.get_or_create(
                year=year, defaults={"confirmed_at": now, "confirmed_by": user}
            )
            if created:
                done.append(year)
    return done
