"""The monthly report and the public figures, from a fixture of cases checked by hand.

Calendar: Fridays and Saturdays off, plus the holidays 21 Feb, 26 Mar and 31 Mar 2025.
Tier limits (the Kaunia charter): GRO 30, appeal officer 20, Cabinet cell 60 working days.

case  service  channel  story                                                  deadline(s)
A     S1       web      rec 10 Feb; disposed 5 Mar (17 wd)                     24 Mar
B     S1       web      rec 3 Feb; disposed 20 Feb (13 wd)                     17 Mar
C     S2       post     rec 2 Mar; disposed 20 Mar (14 wd), rated satisfied    15 Apr
D     -        api      rec 31 Mar 23:30 (Dhaka)                               12 May
E     S1       web      rec 1 Apr 00:10 (Dhaka): not March                      -
F     S1       web      rec 5 Jan; escalated by a sweep run on 3 Mar,           16 Feb; T2 17 Mar
                        taking effect 17 Feb (the day after the deadline)
G     S2       web      rec 20 Jan; still at tier 1 on 31 Mar; disposed 2 Apr  3 Mar (50 wd)
H     S1       web      rec 25 Feb; disposed 10 Mar (9 wd), rated unsatisfied;  10 Apr; T2 14 Apr
                        appealed 15 Mar
I     S2       web      rec 5 Mar; disposed 31 Mar 23:00 (16 wd)               20 Apr
J     S1       web      rec 5 Jan; escalated 17 Feb; T2 disposed 12 Mar        16 Feb; T2 17 Mar;
                        (17 wd); appealed 20 Mar: for the Cabinet cell         T3 (the cell's)
K     -        web      rec 12 Feb                                             27 Mar
L     -        web      rec 28 Feb 23:59 (Dhaka); investigation ordered 2 Apr  14 Apr, then 28 Apr
"""

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Group, User
from django.utils import translation

from grievances import workflow
from grievances.models import Grievance, Holiday, StaffProfile
from reports import figures as reports
from services.models import Office, Service
from tests.helpers import at

# Messages and errors made outside a request are read in English here.
pytestmark = pytest.mark.usefixtures("english")

D = datetime.date


@pytest.fixture(autouse=True)
def _language_left_as_found():
    """A request in English leaves English active in the thread; later tests expect Bangla."""
    yield
    translation.deactivate()


@pytest.fixture
def cases(office, file_complaint):
    for day, name in [
        (D(2025, 2, 21), "Language Martyrs' Day"),
        (D(2025, 3, 26), "Independence Day"),
        (D(2025, 3, 31), "Eid ul-Fitr"),
    ]:
        Holiday.objects.create(date=day, name=name)
    s1 = Service.objects.get(category="citizen", serial=1)
    s2 = Service.objects.get(category="citizen", serial=2)
    gro = User.objects.create_user("gro-fixture", is_staff=True)

    def new(received, service=None, channel="web"):
        return file_complaint(now=received, service=service, channel=channel)

    def dispose(case, when):
        return workflow.dispose(grievance=case, actor=gro, decision="Decided.", now=when)

    a = new(at(2025, 2, 10), s1)
    dispose(a, at(2025, 3, 5))
    b = new(at(2025, 2, 3), s1)
    dispose(b, at(2025, 2, 20))
    c = new(at(2025, 3, 2), s2, channel="post")
    dispose(c, at(2025, 3, 20))
    workflow.rate(grievance=c, satisfied=True, now=at(2025, 3, 21))
    new(at(2025, 3, 31, 23, 30), channel="api")  # D
    new(at(2025, 4, 1, 0, 10), s1)  # E
    f = new(at(2025, 1, 5), s1)
    workflow.escalate(grievance=f, today=D(2025, 3, 3), now=at(2025, 3, 3, 1))
    g = new(at(2025, 1, 20), s2)
    h = new(at(2025, 2, 25), s1)
    dispose(h, at(2025, 3, 10))
    workflow.rate(grievance=h, satisfied=False, now=at(2025, 3, 11))
    workflow.appeal(grievance=h, reason="Not satisfied.", now=at(2025, 3, 15))
    i = new(at(2025, 3, 5), s2)
    dispose(i, at(2025, 3, 31, 23))
    j = new(at(2025, 1, 5), s1)
    workflow.escalate(grievance=j, today=D(2025, 2, 17), now=at(2025, 2, 17, 1))
    dispose(j, at(2025, 3, 12))
    workflow.appeal(grievance=j, reason="Not satisfied.", now=at(2025, 3, 20))
    new(at(2025, 2, 12))  # K
    l_case = new(at(2025, 2, 28, 23, 59))  # L
    # April, after the March report's month: must not change March. (An investigation is
    # ordered only while the GRO's limit runs: L's, not K's, which ended on 27 March.)
    dispose(g, at(2025, 4, 2, 11))
    workflow.order_investigation(
        grievance=l_case,
        actor=gro,
        investigating_officer="Upazila ICT Officer",
        due_on=D(2025, 4, 20),
        now=at(2025, 4, 2, 12),
    )
    return {"s1": s1, "s2": s2, "gro": gro}


def figures(row):
    return {
        "carried_over": row.carried_over,
        "received_web": row.received_web,
        "received_api": row.received_api,
        "received_staff": row.received_staff,
        "disposed": row.disposed,
        "moved_up": row.moved_up,
        "pending_within": row.pending_within,
        "pending_beyond": row.pending_beyond,
        "disposal_rate": row.disposal_rate,
        "median_working_days": row.median_working_days,
        "satisfied_share": row.satisfied_share,
    }


def expect(carried, web, api, staff, disposed, moved, within, beyond, rate, median, satisfied):
    return dict(
        zip(
            [
                "carried_over",
                "received_web",
                "received_api",
                "received_staff",
                "disposed",
                "moved_up",
                "pending_within",
                "pending_beyond",
                "disposal_rate",
                "median_working_days",
                "satisfied_share",
            ],
            [carried, web, api, staff, disposed, moved, within, beyond, rate, median, satisfied],
            strict=True,
        )
    )


@pytest.mark.django_db
def test_march_report_matches_the_hand_checked_figures(office, cases):
    report = reports.monthly_report(office=office, month=D(2025, 3, 17))
    tier1, tier2, tier3 = report.tiers
    by_service = {row.service: figures(row) for row in tier1.rows}
    assert by_service == {
        # A, F, H carried; A and H disposed (17, 9 wd); F moved up; H rated unsatisfied
        cases["s1"]: expect(3, 0, 0, 0, 2, 1, 0, 0, 66.7, 13, 0.0),
        # G carried and overdue since 3 Mar; C (post) and I (web) received and disposed
        cases["s2"]: expect(1, 1, 0, 1, 2, 0, 0, 1, 66.7, 15, 100.0),
        # K, L carried; D received by API at 23:30 on 31 Mar; K overdue as of 31 Mar
        None: expect(2, 0, 1, 0, 0, 0, 2, 1, 0.0, None, None),
    }
    assert figures(tier1.total) == expect(6, 1, 1, 1, 4, 1, 2, 2, 44.4, 15, 50.0)
    # J carried (escalated in Feb) and disposed in 17 wd; F escalated in (on 3 Mar, from
    # 17 Feb: due 17 Mar, so beyond the limit on 31 Mar), H appealed in (due 14 Apr)
    assert [row.service for row in tier2.rows] == [cases["s1"]]
    assert figures(tier2.total) == expect(1, 2, 0, 0, 1, 0, 1, 1, 33.3, 17, None)
    # J appealed to the cell on 20 Mar: at the cell, neither within nor beyond a limit here
    assert figures(tier3.total) == expect(0, 1, 0, 0, 0, 0, 0, 0, 0.0, None, None)
    assert (tier1.total.with_cell, tier2.total.with_cell, tier3.total.with_cell) == (0, 0, 1)
    assert figures(report.total) == expect(7, 4, 1, 1, 5, 1, 3, 3, 38.5, 16, 50.0)
    assert report.total.with_cell == 1


@pytest.mark.django_db
def test_february_report_counts_the_case_received_at_23_59_on_the_last_day(office, cases):
    report = reports.monthly_report(office=office, month=D(2025, 2, 1))
    tier1, tier2, tier3 = report.tiers
    # carried F, G, J; received A, B, H, K, L; B disposed; J moved up; F overdue since 16 Feb
    assert figures(tier1.total) == expect(3, 5, 0, 0, 1, 1, 5, 1, 12.5, 13, None)
    assert figures(tier2.total) == expect(0, 1, 0, 0, 0, 0, 1, 0, 0.0, None, None)
    assert tier3.rows == []


@pytest.mark.django_db
def test_carried_over_plus_received_equals_disposed_moved_up_and_pending(office, cases):
    for month in range(1, 5):
        report = reports.monthly_report(office=office, month=D(2025, month, 1))
        for section in report.tiers:
            for row in [*section.rows, section.total]:
                assert row.total == row.disposed + row.moved_up + row.pending + row.with_cell


@pytest.mark.django_db
def test_public_figures_per_month_of_this_year(office, cases):
    result = reports.public_figures(office=office, today=D(2025, 4, 2))
    rows = [
        (m.month, m.received, m.disposed, m.disposed_within_limit, m.average_working_days)
        for m in result.months
    ]
    assert rows == [
        (D(2025, 1, 1), 3, 0, 0, None),  # F, G, J
        (D(2025, 2, 1), 5, 1, 1, 13.0),  # A, B, H, K, L; B
        (D(2025, 3, 1), 3, 5, 5, 14.6),  # C, D, I; A, C, H, I, J (17+14+9+16+17)/5
        (D(2025, 4, 1), 1, 1, 0, 50.0),  # E; G, a month late
    ]
    assert (result.received, result.disposed, result.within_limit_share) == (12, 7, 85.7)
    assert result.average_working_days == 19.4  # 136 / 7


@pytest.fixture
def gro_user(office):
    user = User.objects.create_user("anik", password="x-long-password-1", is_staff=True)
    user.groups.add(Group.objects.get(name="GRO"))
    StaffProfile.objects.create(user=user, office=office)
    return user


@pytest.fixture
def charter_editor(db):
    user = User.objects.create_user("clerk", password="x-long-password-1", is_staff=True)
    user.groups.add(Group.objects.get(name="charter editor"))
    return user


REPORT = "/admin/grievances/grievance/report/"


@pytest.mark.django_db
def test_gro_opens_the_monthly_report_of_their_office(client, office, cases, gro_user):
    client.force_login(gro_user)
    response = client.get(REPORT, {"month": "2025-03", "office": office.pk})
    assert response.status_code == 200
    assert response.context["report"].total.disposed == 5
    assert "css/reports.css" in response.content.decode()


@pytest.mark.django_db
def test_monthly_report_is_refused_to_the_charter_editor(client, office, cases, charter_editor):
    client.force_login(charter_editor)
    assert client.get(REPORT, {"month": "2025-03", "office": office.pk}).status_code == 403


@pytest.mark.django_db
def test_gro_cannot_choose_another_office(client, office, cases, gro_user):
    other = Office.objects.exclude(pk=office.pk).exclude(parent=office).first()
    client.force_login(gro_user)
    response = client.get(REPORT, {"month": "2025-03", "office": other.pk})
    assert response.status_code == 200
    assert response.context["report"] is None
    assert "office" in response.context["form"].errors


@pytest.mark.django_db
def test_report_downloads_as_csv_with_a_bom(client, office, cases, gro_user):
    client.force_login(gro_user)
    response = client.get(
        REPORT,
        {"month": "2025-03", "office": office.pk, "format": "csv"},
        headers={"accept-language": "en"},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "grs-report" in response["Content-Disposition"]
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content[1:])))
    assert rows[0][:3] == ["Tier", "Service", "Carried over"]
    assert rows[-1][2:] == [
        "7",
        "4",
        "1",
        "1",
        "6",
        "13",
        "5",
        "1",
        "3",
        "3",
        "1",
        "38.5",
        "16.0",
        "2",
        "50.0",
    ]


@pytest.mark.django_db
def test_printed_report_is_in_bangla_on_a4(client, office, cases, gro_user):
    client.force_login(gro_user)
    response = client.get(REPORT, {"month": "2025-03", "office": office.pk, "print": "1"})
    page = response.content.decode()
    assert '<html lang="bn">' in page
    assert "৩৮.৫%" in page  # the disposal rate, in Bangla digits
    # That Chromium prints it on A4: tests/browser/test_print_css.py.


@pytest.mark.django_db
def test_changelist_links_the_report_and_offline_entry(client, office, gro_user):
    client.force_login(gro_user)
    page = client.get("/admin/grievances/grievance/").content.decode()
    assert REPORT in page
    assert "/admin/grievances/grievance/offline/" in page


# ---------------------------------------------------------------------------- offline entry

OFFLINE = "/admin/grievances/grievance/offline/"


def offline_data(**overrides):
    data = {
        "channel": "post",
        "received_on": "2025-03-02",
        "received_time": "",
        "language": "bn",
        "complaint_type": "citizen",
        "subject": "Letter about training",
        "description": "Sent by post.",
        "name": "Karim Mia",
        "id_type": "nid",
        "id_number": "1234567890",
        "permanent_address": "Kaunia, Rangpur",
        "mobile": "01812345678",
        "other_service": "Training",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_staff_record_a_posted_complaint_with_its_real_date_of_receipt(
    client, office, gro_user, monkeypatch
):
    from grievances import calendar as grs_calendar

    monkeypatch.setattr(grs_calendar, "today", lambda: D(2025, 3, 20))
    client.force_login(gro_user)
    response = client.post(OFFLINE, offline_data())
    case = Grievance.objects.get(subject="Letter about training")
    assert response.status_code == 302
    assert case.channel == "post"
    assert case.received_at == at(2025, 3, 2)
    assert case.deadline == D(2025, 4, 13)  # 30 working days from 2 Mar (no holidays here)
    assert case.tracking_number.startswith("GRS-2025-")
    assert case.timeline.get().actor == gro_user
    report = reports.monthly_report(office=office, month=D(2025, 3, 1))
    assert report.total.received_staff == 1


@pytest.mark.django_db
@pytest.mark.parametrize("received_on", ["2025-03-21", "2024-03-19"])
def test_date_of_receipt_is_not_in_the_future_nor_over_a_year_ago(
    client, office, gro_user, monkeypatch, received_on
):
    from grievances import calendar as grs_calendar

    monkeypatch.setattr(grs_calendar, "today", lambda: D(2025, 3, 20))
    client.force_login(gro_user)
    response = client.post(OFFLINE, offline_data(received_on=received_on))
    assert response.status_code == 200
    assert "received_on" in response.context["form"].errors
    assert not Grievance.objects.exists()


@pytest.mark.django_db
def test_offline_entry_is_refused_to_the_charter_editor(client, office, charter_editor):
    client.force_login(charter_editor)
    assert client.get(OFFLINE).status_code == 403


# ---------------------------------------------------------------------------- public page


@pytest.mark.django_db
def test_public_grs_page_shows_this_years_figures_and_charts(client, office, cases, monkeypatch):
    from grievances import calendar as grs_calendar

    monkeypatch.setattr(grs_calendar, "today", lambda: D(2025, 4, 2))
    page = client.get("/bn/grs/").content.decode()
    assert "৮৫.৭%" in page  # 6 of 7 disposals within the time limit
    assert "১৯.৪" in page  # average working days
    assert page.count('role="img"') == 2
    assert "<title id=" in page and "aria-labelledby=" in page
    assert 'style="' not in page and "<style" not in page
    en = client.get("/en/grs/").content.decode()
    assert "85.7%" in en and "Complaints received" in en
    for personal in ("Rahima", "01712345678", "1234567890", "rahima@example.com", "GRS-2025-"):
        assert personal not in page and personal not in en
