"""``load_holidays`` says which national holidays the `holidays` package could not date, and
admin warns until a holiday editor confirms the year's calendar."""

import datetime
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from grievances import holiday_calendar
from grievances.models import Holiday, HolidayYear

pytestmark = pytest.mark.usefixtures("english")

D = datetime.date
# Not in the package for any year (holidays 0.109): the Buddhist and Hindu holidays of the
# government's list, which follow the lunar calendars the package does not compute.
UNDATED = {"Buddha Purnima", "Janmashtami", "Bijoya Dashami"}


def load(year) -> str:
    out = StringIO()
    call_command("load_holidays", str(year), stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_it_names_the_holidays_it_could_not_date():
    output = load(2026)
    line = next(text for text in output.splitlines() if text.startswith("Not dated"))
    for name in ("Buddha Purnima (বুদ্ধ পূর্ণিমা)", "Janmashtami (জন্মাষ্টমী)"):
        assert name in line
    assert "Bijoya Dashami" in line
    for dated in ("Eid-ul-Fitr", "Ashura", "Shab-e-Barat", "Shab-e-Qadr"):
        assert dated not in line


@pytest.mark.django_db
def test_it_lists_the_lunar_dates_to_check():
    output = load(2026)
    line = next(text for text in output.splitlines() if text.startswith("Lunar dates"))
    # The package's dates for 2026, as it gives them.
    for expected in (
        "Shab-e-Barat 2026-02-04",
        "Shab-e-Qadr 2026-03-17",
        "Eid-ul-Fitr 2026-03-21, 2026-03-22, 2026-03-23",
        "Eid-ul-Azha 2026-05-28, 2026-05-29, 2026-05-30",
        "Ashura 2026-06-26",
    ):
        assert expected in line, expected
    assert Holiday.objects.filter(date=D(2026, 3, 21)).exists()
    assert not Holiday.objects.filter(name_en__icontains="Buddha").exists()


def test_the_package_report_matches_what_the_package_has():
    report = holiday_calendar.package_report(2025)
    assert {holiday.name_en for holiday in report.undated} == UNDATED
    estimated = {holiday.name_en: days for holiday, days in report.estimated}
    assert estimated["Ashura"] == (D(2025, 7, 6),)
    assert estimated["Eid-ul-Azha"] == (D(2025, 6, 7), D(2025, 6, 8), D(2025, 6, 9))


def test_the_coming_year_is_asked_for_from_october():
    assert holiday_calendar.years_to_confirm(D(2025, 9, 30)) == [2025]
    assert holiday_calendar.years_to_confirm(D(2025, 10, 1)) == [2025, 2026]


@pytest.fixture
def holiday_editor(django_user_model):
    user = django_user_model.objects.create_user("clerk", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="holiday editor"))
    return user


@pytest.mark.django_db
def test_admin_warns_until_a_holiday_editor_confirms_the_calendar(client, holiday_editor):
    from django.utils import timezone

    year = timezone.localdate().year
    holiday = Holiday.objects.create(date=D(year, 12, 16), name_bn="বিজয় দিবস", name_en="Victory")
    Holiday.objects.create(date=D(year + 1, 2, 21), name_bn="শহীদ দিবস", name_en="Martyrs")
    client.force_login(holiday_editor)
    changelist = reverse("admin:grievances_holiday_changelist")
    page = client.get(changelist, HTTP_ACCEPT_LANGUAGE="en")
    assert f"The holiday calendar for {year} has not been confirmed" in page.content.decode()
    assert "বুদ্ধ পূর্ণিমা" in page.content.decode()
    response = client.post(
        changelist,
        {"action": "confirm_calendar", "_selected_action": [holiday.pk], "index": "0"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302
    confirmed = HolidayYear.objects.get()
    assert (confirmed.year, confirmed.confirmed_by) == (year, holiday_editor)
    page = client.get(changelist, HTTP_ACCEPT_LANGUAGE="en")
    assert f"The holiday calendar for {year} has not been confirmed" not in page.content.decode()


@pytest.mark.django_db
def test_confirming_twice_keeps_the_first_confirmation(holiday_editor, django_user_model):
    other = django_user_model.objects.create_user("other", is_staff=True)
    assert holiday_calendar.confirm(years=[2026], user=holiday_editor) == [2026]
    assert holiday_calendar.confirm(years=[2026, 2027], user=other) == [2027]
    assert HolidayYear.objects.get(year=2026).confirmed_by == holiday_editor
