import datetime
import io

import pytest
from django.core.management import call_command

from grievances import calendar
from grievances.models import Holiday

# Messages and errors made outside a request are read in English here.
pytestmark = pytest.mark.usefixtures("english")

D = datetime.date


def holiday(day, name="Holiday"):
    return Holiday.objects.create(date=day, name_bn=name, name_en=name)


@pytest.mark.django_db
def test_friday_and_saturday_are_not_working_days():
    assert calendar.is_working_day(D(2025, 1, 9))  # Thursday
    assert not calendar.is_working_day(D(2025, 1, 10))  # Friday
    assert not calendar.is_working_day(D(2025, 1, 11))  # Saturday
    assert calendar.is_working_day(D(2025, 1, 12))  # Sunday


@pytest.mark.django_db
def test_a_holiday_in_the_table_is_not_a_working_day():
    holiday(D(2025, 2, 21), "Language Martyrs' Day")
    assert not calendar.is_working_day(D(2025, 2, 21))


@pytest.mark.django_db
def test_the_day_of_receipt_does_not_count():
    assert calendar.add_working_days(D(2025, 1, 5), 1) == D(2025, 1, 6)


@pytest.mark.django_db
def test_adding_working_days_skips_the_weekend():
    assert calendar.add_working_days(D(2025, 1, 9), 1) == D(2025, 1, 12)


@pytest.mark.django_db
def test_thirty_working_days_from_a_sunday():
    # Mon-Thu of the first week (4) + five full weeks (25) + the next Sunday (1).
    assert calendar.add_working_days(D(2025, 1, 5), 30) == D(2025, 2, 16)


@pytest.mark.django_db
def test_receipt_on_a_holiday_counts_from_the_next_working_day():
    holiday(D(2025, 3, 26), "Independence Day")  # a Wednesday
    assert calendar.add_working_days(D(2025, 3, 26), 1) == D(2025, 3, 27)
    assert calendar.add_working_days(D(2025, 3, 25), 1) == D(2025, 3, 27)


@pytest.mark.django_db
def test_counting_across_the_year_end():
    holiday(D(2024, 12, 25), "Christmas Day")
    # Tue 24 Dec: 25 is a holiday, 26 Thu, 27-28 weekend, 29 Sun, 30 Mon, 31 Tue, 1 Jan Wed.
    assert calendar.add_working_days(D(2024, 12, 24), 5) == D(2025, 1, 1)
    assert calendar.working_days_between(D(2024, 12, 24), D(2025, 1, 1)) == 5


@pytest.mark.django_db
def test_a_run_of_eid_holidays_is_skipped():
    for offset in range(9):  # Eid-ul-Fitr 2025: 29 March to 6 April
        holiday(D(2025, 3, 29) + datetime.timedelta(days=offset), "Eid-ul-Fitr")
    assert calendar.add_working_days(D(2025, 3, 27), 1) == D(2025, 4, 7)
    assert calendar.working_days_between(D(2025, 3, 27), D(2025, 4, 7)) == 1


@pytest.mark.django_db
def test_a_holiday_run_longer_than_the_search_window_is_still_skipped():
    for offset in range(120):
        holiday(D(2025, 6, 1) + datetime.timedelta(days=offset))
    assert calendar.add_working_days(D(2025, 5, 29), 1) == D(2025, 9, 29)


@pytest.mark.django_db
def test_working_days_between_is_negative_when_the_end_is_earlier():
    assert calendar.working_days_between(D(2025, 1, 12), D(2025, 1, 9)) == -1
    assert calendar.working_days_between(D(2025, 1, 9), D(2025, 1, 9)) == 0


def test_calendar_arithmetic_needs_no_database():
    working = calendar.WorkingCalendar({D(2025, 1, 12)})
    assert working.add_working_days(D(2025, 1, 9), 1) == D(2025, 1, 13)
    with pytest.raises(ValueError):
        working.add_working_days(D(2025, 1, 9), 0)


@pytest.mark.django_db
def test_load_holidays_fills_a_year_and_keeps_staff_corrections():
    holiday(D(2025, 3, 26), "Corrected by staff")
    call_command("load_holidays", "2025", stdout=io.StringIO())
    assert Holiday.objects.filter(date__year=2025).count() > 5
    assert Holiday.objects.get(date=D(2025, 3, 26)).name_en == "Corrected by staff"
    language_day = Holiday.objects.get(date=D(2025, 2, 21))
    assert language_day.name_bn and language_day.name_en
    before = Holiday.objects.count()
    call_command("load_holidays", "2025", stdout=io.StringIO())
    assert Holiday.objects.count() == before
