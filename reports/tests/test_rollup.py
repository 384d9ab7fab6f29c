"""Reports roll up: an office's monthly report and public figures with every office under
it are the sums of the offices' own, checked by hand on a small district."""

import csv
import datetime
import io

import pytest

from grievances import workflow
from reports import figures
from services.models import Office, Officer
from tests.helpers import at
from tests.network_helpers import (
    DEPUTY_DIRECTOR,
    DISTRICT_ICT_OFFICER,
    make_charter,
    make_office,
    make_officer,
    make_staff,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

D = datetime.date
MARCH = D(2025, 3, 1)


def file(office, when, **overrides):
    values = {
        "office": office,
        "complaint_type": "citizen",
        "subject": "No reply",
        "description": "Nobody answered.",
        "name": "Rahima Begum",
        "id_type": "nid",
        "id_number": "1234567890",
        "mobile": "01712345678",
        "now": when,
        **overrides,
    }
    return workflow.submit(**values)


@pytest.fixture
def district(charter):
    """Rangpur district with Kaunia and Gangachara under it, and, elsewhere, Dinajpur
    district with Birampur; complaints up to the end of March 2025:

    - Kaunia: C (web, 5 Jan, never disposed: beyond its limit at the end of March),
      A (web, 2 March, disposed 10 March), B (web, 3 March, pending);
    - Gangachara: D (API, 4 March, disposed 20 March), E (by post, 5 March, pending);
    - Birampur (not under Rangpur): F (web, 2 March).
    """
    rangpur = Office.objects.get(pk=2)
    department = Office.objects.get(pk=1)
    district_officer = Officer.objects.get(pk=DISTRICT_ICT_OFFICER)
    deputy_director = Officer.objects.get(pk=DEPUTY_DIRECTOR)
    gangachara = make_office("Test Gangachara", rangpur)
    make_charter(
        gangachara,
        signatory=make_officer(gangachara),
        tiers={1: (district_officer, 30), 2: (deputy_director, 20)},
    )
    dinajpur = make_office("Test Dinajpur", department, level="district")
    dinajpur_officer = make_officer(dinajpur, "District ICT Officer")
    make_charter(dinajpur, signatory=dinajpur_officer, tiers={1: (dinajpur_officer, 30)})
    birampur = make_office("Test Birampur", dinajpur)

    kaunia = charter.office
    file(kaunia, at(2025, 1, 5))
    a = file(kaunia, at(2025, 3, 2))
    workflow.dispose(grievance=a, actor=None, decision="Done", now=at(2025, 3, 10))
    file(kaunia, at(2025, 3, 3))
    d = file(gangachara, at(2025, 3, 4), channel="api")
    workflow.dispose(grievance=d, actor=None, decision="Done", now=at(2025, 3, 20))
    file(gangachara, at(2025, 3, 5), channel="post")
    file(birampur, at(2025, 3, 2))
    return {
        "department": department,
        "rangpur": rangpur,
        "kaunia": kaunia,
        "gangachara": gangachara,
        "dinajpur": dinajpur,
        "birampur": birampur,
    }


def counts(row: figures.ReportRow) -> dict[str, int]:
    return {name: getattr(row, name) for name in figures.ReportRow.COUNTS}


def summed(rows) -> dict[str, int]:
    total = dict.fromkeys(figures.ReportRow.COUNTS, 0)
    for row in rows:
        for name, value in counts(row).items():
            total[name] += value
    return total


def test_the_district_roll_up_is_the_sum_of_its_offices(district):
    rollup = figures.monthly_report(office=district["rangpur"], month=MARCH, including_below=True)
    assert rollup.including_below
    assert set(rollup.offices) == {district["rangpur"], district["kaunia"], district["gangachara"]}
    # By hand: C carried over; A, B by web, D by API, E by post received; A and D disposed;
    # B and E pending within the limit, C beyond it. Birampur's F is another district's.
    expected = {
        "carried_over": 1,
        "received_web": 2,
        "received_api": 1,
        "received_staff": 1,
        "disposed": 2,
        "moved_up": 0,
        "pending_within": 2,
        "pending_beyond": 1,
        "with_cell": 0,
        "rated": 0,
        "satisfied": 0,
    }
    assert counts(rollup.total) == expected
    assert (rollup.total.total, rollup.total.disposal_rate) == (5, 40.0)
    own = {
        name: figures.monthly_report(office=district[name], month=MARCH)
        for name in ("rangpur", "kaunia", "gangachara")
    }
    assert counts(own["kaunia"].total) == {
        **expected,
        "received_api": 0,
        "received_staff": 0,
        "disposed": 1,
        "pending_within": 1,
    }
    assert counts(own["gangachara"].total) == {
        **expected,
        "carried_over": 0,
        "received_web": 0,
        "disposed": 1,
        "pending_within": 1,
        "pending_beyond": 0,
    }
    assert summed(report.total for report in own.values()) == expected
    # Tier by tier too, and the disposal times are the offices' put together.
    for tier_rollup, *tier_own in zip(rollup.tiers, *(r.tiers for r in own.values()), strict=True):
        assert counts(tier_rollup.total) == summed(section.total for section in tier_own)
    assert sorted(rollup.total.disposal_working_days) == sorted(
        days for report in own.values() for days in report.total.disposal_working_days
    )
    # Each office's rows are labelled with it.
    labelled = {(row.office, row.service) for row in rollup.tiers[0].rows}
    assert labelled == {(district["kaunia"], None), (district["gangachara"], None)}
    # Without the roll-up, the district office alone has nothing.
    assert counts(own["rangpur"].total) == dict.fromkeys(figures.ReportRow.COUNTS, 0)


def test_the_department_roll_up_counts_the_whole_network(district):
    rollup = figures.monthly_report(
        office=district["department"], month=MARCH, including_below=True
    )
    assert rollup.total.received == 5  # A, B, D, E and Birampur's F
    parts = [figures.monthly_report(office=office, month=MARCH).total for office in rollup.offices]
    assert counts(rollup.total) == summed(parts)


def test_public_figures_roll_up_too(district):
    today = D(2025, 3, 31)
    rollup = figures.public_figures(office=district["rangpur"], today=today, including_below=True)
    assert [(m.month, m.received, m.disposed) for m in rollup.months] == [
        (D(2025, 1, 1), 1, 0),
        (D(2025, 2, 1), 0, 0),
        (D(2025, 3, 1), 4, 2),
    ]
    parts = [
        figures.public_figures(office=district[name], today=today)
        for name in ("rangpur", "kaunia", "gangachara")
    ]
    for n, month in enumerate(rollup.months):
        assert month.received == sum(part.months[n].received for part in parts)
        assert month.disposed == sum(part.months[n].disposed for part in parts)
        assert month.disposed_within_limit == sum(
            part.months[n].disposed_within_limit for part in parts
        )
    # Without the keyword, an office's own figures only.
    assert figures.public_figures(office=district["rangpur"], today=today).received == 0


REPORT = "/admin/grievances/grievance/report/"


def test_district_staff_choose_the_roll_up_in_the_report_form(client, django_user_model, district):
    staff = make_staff(
        django_user_model,
        "district",
        "GRO",
        post=DISTRICT_ICT_OFFICER,
        offices=[district["rangpur"]],
    )
    client.force_login(staff)
    query = {"month": "2025-03", "office": district["rangpur"].pk, "including_below": "on"}
    response = client.get(REPORT, query)
    assert response.status_code == 200
    assert response.context["report"].total.received == 4
    assert response.context["report"].including_below
    download = client.get(REPORT, {**query, "format": "csv"}, headers={"accept-language": "en"})
    assert "with-offices-below" in download["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8")[1:])))
    services = [row[1] for row in rows[1:]]
    assert f"{district['kaunia']}: Other or not named" in services
    assert f"{district['gangachara']}: Other or not named" in services
    # An office below theirs, alone; never another district's.
    below = client.get(REPORT, {"month": "2025-03", "office": district["kaunia"].pk})
    assert below.context["report"].total.received == 2
    elsewhere = client.get(REPORT, {**query, "office": district["dinajpur"].pk})
    assert elsewhere.context["report"] is None
    assert "office" in elsewhere.context["form"].errors


def test_upazila_staff_cannot_roll_up_their_district(client, django_user_model, district):
    staff = make_staff(django_user_model, "kaunia", "GRO", offices=[district["kaunia"]])
    client.force_login(staff)
    query = {"month": "2025-03", "office": district["rangpur"].pk, "including_below": "on"}
    response = client.get(REPORT, query)
    assert response.context["report"] is None
    assert "office" in response.context["form"].errors
