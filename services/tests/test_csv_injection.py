"""CSV formula injection: text typed in admin (a service's name) must reach a spreadsheet as
text, never as a formula, in the public service tables and in the admin's monthly report.

OWASP's rule: a cell that begins with =, +, -, @, tab or carriage return gets a single quote
in front. Numbers (negative ones too) and Bangla text are written as they are.
"""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.utils import translation

from core.text import spreadsheet_safe
from grievances.models import StaffProfile
from reports import figures
from reports.admin import report_csv_rows
from services.models import Service
from tests.helpers import at

HYPERLINK = '=HYPERLINK("http://evil","x")'
SUM = "@SUM(1)"


def counts(text: str) -> list[str]:
    """A report line's figures, space separated, "·" for an empty cell."""
    return ["" if cell == "·" else cell for cell in text.split()]


def read_csv(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


# The function


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (HYPERLINK, "'" + HYPERLINK),
        (SUM, "'@SUM(1)"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("+880 241 024071", "'+880 241 024071"),  # else Excel reads a formula and errs
        # Numbers stay numbers, written as text or not.
        ("-5", "-5"),
        ("-3.5", "-3.5"),
        ("+12", "+12"),
        ("-১২", "-১২"),
        (-5, -5),
        (Decimal("-1.5"), Decimal("-1.5")),
        (7, 7),
        (None, None),
        # Text that does not begin with a formula character is left alone.
        ("বিনামূল্যে", "বিনামূল্যে"),
        ("০৩ (তিন) কার্যদিবস", "০৩ (তিন) কার্যদিবস"),
        ("a=b", "a=b"),
        ("02-588809216", "02-588809216"),
        ("", ""),
    ],
)
def test_spreadsheet_safe(value, expected):
    assert spreadsheet_safe(value) == expected


# The public service table


@pytest.mark.django_db
def test_service_table_csv_escapes_formulas_in_the_charter_text(client, charter):
    Service.objects.filter(category="citizen", serial=1).update(name_en=HYPERLINK)
    Service.objects.filter(category="citizen", serial=2).update(
        name_en=SUM, documents_source_en="-1+1"
    )
    rows = read_csv(client.get("/en/services/citizen.csv"))
    assert rows[0] == [
        "No.",
        "Service",
        "How it is delivered",
        "Documents needed",
        "Where to get the documents",
        "Fee",
        "How to pay",
        "Time limit",
        "Responsible officer",
        "Superior officer",
    ]
    officer = (
        "Mrittunjoy Kumar Sen, Upazila ICT Officer, Upazila code 8542, 02589978229, "
        "ap.kaunia@doict.gov.bd"
    )
    superior = "District ICT Officer, District code 85, 02-588809216, doict.rangpur@gmail.com"
    assert rows[1] == [
        "1",
        "'" + HYPERLINK,
        "Official website, telephone, e-mail or in person",
        "Application form, where applicable",
        "Upazila office, Kaunia, Rangpur",
        "Free of charge",
        "",
        "3 (three) working days (where applicable)",
        officer,
        superior,
    ]
    assert rows[2] == [
        "2",
        "'@SUM(1)",
        "Official website, telephone, e-mail, in person, or as requested",
        "Application form, where applicable",
        "'-1+1",
        "Free of charge",
        "",
        "3 (three) working days (where applicable)",
        officer,
        superior,
    ]
    # An untouched service is written exactly as before.
    assert rows[3] == [
        "3",
        "Help and advice on using the computer and language labs set up in educational "
        "institutions and other places",
        "Official website, telephone, e-mail, in person, or as requested",
        "Application form, where applicable",
        "Upazila office, Kaunia, Rangpur",
        "Free of charge",
        "",
        "Immediately / working days (where applicable)",
        officer,
        superior,
    ]


@pytest.mark.django_db
def test_service_table_csv_in_bangla_is_unchanged(client, charter):
    Service.objects.filter(category="citizen", serial=1).update(name_bn="=১+১")
    rows = read_csv(client.get("/bn/services/citizen.csv"))
    assert rows[0][:3] == ["ক্রমিক নং", "সেবার নাম", "সেবা প্রদান পদ্ধতি"]
    assert rows[1][:2] == ["1", "'=১+১"]
    assert rows[2] == [
        "2",
        "মাঠ পর্যায়ের সকল ধরনের আইসিটি সংশ্লিষ্ট পণ্য ও সেবার বিষয়ে পরামর্শ ও সহায়তা প্রদান",
        "দাপ্তরিক ওয়েব সাইট/ টেলিফোন/ ই-মেইল/ সরাসরি/ চাহিদা মোতাবেক",
        "প্রযোজ্য ক্ষেত্রে আবেদনপত্র",
        "উপজেলা কার্যালয়, কাউনিয়া, রংপুর",
        "বিনামূল্যে",
        "",
        "০৩ (তিন) কার্যদিবস (প্রযোজ্য ক্ষেত্রে)",
        "মৃত্যুঞ্জয় কুমার সেন, উপজেলা আইসিটি অফিসার, উপজেলা কোড-৮৫৪২, 02589978229, ap.kaunia@doict.gov.bd",
        "জেলা আইসিটি অফিসার, জেলা কোড-৮৫, 02-588809216, doict.rangpur@gmail.com",
    ]


# The monthly report in admin


@pytest.fixture
def gro_user(office):
    user = User.objects.create_user("anik", password="x-long-password-1", is_staff=True)
    user.groups.add(Group.objects.get(name="GRO"))
    StaffProfile.objects.create(user=user, office=office)
    return user


@pytest.mark.django_db
def test_report_csv_download_with_a_renamed_service(client, office, file_complaint, gro_user):
    """The report names a service after its table and number, so the name never begins a
    cell; the whole download is as written by hand."""
    Service.objects.filter(category="citizen", serial=1).update(name_en=HYPERLINK)
    file_complaint(service=Service.objects.get(category="citizen", serial=1), now=at(2025, 3, 5))
    client.force_login(gro_user)
    response = client.get(
        "/admin/grievances/grievance/report/",
        {"month": "2025-03", "office": office.pk, "format": "csv"},
        headers={"accept-language": "en"},
    )
    assert response.status_code == 200
    one_case = counts("0 1 0 0 1 1 0 0 1 0 0 0.0 · 0 ·")
    no_case = counts("0 0 0 0 0 0 0 0 0 0 0 · · 0 ·")
    assert read_csv(response) == [
        [
            "Tier",
            "Service",
            "Carried over",
            "Received: web form",
            "Received: API",
            "Received: entered by staff",
            "Received",
            "Total",
            "Disposed",
            "Moved up a tier",
            "Pending within the time limit",
            "Pending beyond the time limit",
            "At the Cabinet Division cell",
            "Disposal rate (%)",
            "Median working days to disposal",
            "Rated disposals",
            "Satisfied (%)",
        ],
        [
            "Grievance redress officer (GRO)",
            'Citizen services 1: =HYPERLINK("http://evil","x")',
            *one_case,
        ],
        ["Grievance redress officer (GRO)", "All services", *one_case],
        ["Appeal officer", "All services", *no_case],
        ["Cabinet Division grievance management cell", "All services", *no_case],
        ["All tiers", "All services", *one_case],
    ]


class Named:
    """Stands in for a service: the report writes ``str(service)``."""

    def __init__(self, name):
        self.name = name

    def __str__(self):
        return self.name


def test_report_csv_rows_escape_every_cell_that_begins_a_formula(office):
    rows = [
        figures.ReportRow(tier=1, service=Named(HYPERLINK), received_web=2, disposed=1),
        figures.ReportRow(
            tier=1,
            service=Named(SUM),
            received_api=1,
            disposed=1,
            disposal_working_days=[4],
            rated=1,
            satisfied=1,
        ),
        # Not a real figure: a negative number must reach the sheet as a number.
        figures.ReportRow(tier=1, service=Named("সংশোধন"), carried_over=-1),
    ]
    total = figures.ReportRow(tier=1, received_web=2, received_api=1, disposed=2)
    section = figures.TierSection(1, "-GRO", rows, total)
    report = figures.MonthlyReport(
        office=office, month=datetime.date(2025, 3, 1), tiers=[section], total=total
    )
    with translation.override("en"):
        written = report_csv_rows(report)
    assert written[1:] == [
        ["'-GRO", "'" + HYPERLINK, *counts("0 2 0 0 2 2 1 0 0 0 0 50.0 · 0 ·")],
        ["'-GRO", "'@SUM(1)", *counts("0 0 1 0 1 1 1 0 0 0 0 100.0 4.0 1 100.0")],
        ["'-GRO", "সংশোধন", *counts("-1 0 0 0 0 -1 0 0 0 0 0 -0.0 · 0 ·")],
        ["'-GRO", "All services", *counts("0 2 1 0 3 3 2 0 0 0 0 66.7 · 0 ·")],
        ["All tiers", "All services", *counts("0 2 1 0 3 3 2 0 0 0 0 66.7 · 0 ·")],
    ]
