"""What the print stylesheets do in Chromium: the paper size Chromium takes from the page's own
CSS, column headings on every printed page, rows kept whole; the officers' monthly report on
A4 portrait. Sizes are PDF points: A4 is 210 x 297 mm, 595 x 842 points."""

import importlib
import io
import re
import unicodedata

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from pypdf import PdfReader

from grievances.models import StaffProfile
from services.models import Service

pytestmark = pytest.mark.browser

A4_PORTRAIT = (595, 842)
A4_LANDSCAPE = (842, 595)
# The services tables' column headings, as the English print page writes them.
HEADINGS_EN = "No. Service How it is delivered Documents needed and where to get them"


def _compact(text: str) -> str:
    # NFKC undoes the ligatures the PDF's fonts use (ﬁ → fi); line breaks fall anywhere.
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _pages(pdf: bytes):
    return PdfReader(io.BytesIO(pdf)).pages


def _sizes(pdf: bytes) -> set[tuple[int, int]]:
    return {(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in _pages(pdf)}


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_the_charter_prints_on_a4_landscape_by_its_own_stylesheet(site, page, lang):
    page.goto(f"{site}/{lang}/charter/print/")
    # No paper size from the test: Chromium uses the @page size of the page's CSS, as the
    # browser's print dialog does (without one, Playwright's default is US Letter).
    pdf = page.pdf(prefer_css_page_size=True)
    assert _sizes(pdf) == {A4_LANDSCAPE}


def test_every_printed_page_with_service_rows_repeats_the_column_headings(site, page):
    page.goto(f"{site}/en/charter/print/")
    pages = [_compact(p.extract_text()) for p in _pages(page.pdf(prefer_css_page_size=True))]
    names = [_compact(service.name_en) for service in Service.objects.published()]
    headings = _compact(HEADINGS_EN)
    with_rows = 0
    for number, text in enumerate(pages, 1):
        first_row = min((text.find(name) for name in names if name in text), default=-1)
        if first_row == -1:
            continue
        with_rows += 1
        # The headings come before the page's first row, even where a table runs on.
        assert -1 < text.find(headings) < first_row, f"page {number}: {text[:120]}"
    assert with_rows >= 2, "the service tables fit on one page: nothing to repeat"


def test_printed_rows_are_kept_whole_and_headings_repeat(site, make_page):
    # The width of A4 landscape at 96 dpi, as the print layout is; JavaScript for evaluate().
    page = make_page(viewport={"width": 1123, "height": 794}, java_script_enabled=True)
    page.goto(f"{site}/bn/charter/print/")
    page.emulate_media(media="print")
    rows = page.eval_on_selector_all(
        ".charter-table tbody tr", "rows => rows.map(row => getComputedStyle(row).breakInside)"
    )
    assert len(rows) >= Service.objects.published().count()
    assert set(rows) == {"avoid"}
    headings = page.eval_on_selector_all(
        ".charter-table thead", "heads => heads.map(head => getComputedStyle(head).display)"
    )
    assert headings and set(headings) == {"table-header-group"}


@pytest.fixture
def gro_login(charter, django_user_model):
    """A grievance redress officer of the Kaunia office, logged in through the admin's form."""
    # The live server's database is flushed between tests, taking the migration's groups.
    importlib.import_module("grievances.migrations.0002_officer_groups").create_groups(apps, None)
    user = django_user_model.objects.create_user(
        "gro-print", password="a long test password 1", is_staff=True
    )
    user.groups.add(Group.objects.get(name="GRO"))
    StaffProfile.objects.create(user=user, office=charter.office)

    def login(page, site):
        page.goto(f"{site}/admin/login/")
        page.fill("#id_username", "gro-print")
        page.fill("#id_password", "a long test password 1")
        page.locator("[type=submit]").click()
        assert page.url.rstrip("/").endswith("/admin"), page.url

    return login


def test_the_monthly_report_prints_on_a4_portrait(site, page, charter, gro_login):
    gro_login(page, site)
    report = f"{site}/admin/grievances/grievance/report/?month=2025-03&office={charter.office.pk}"
    page.goto(f"{report}&print=1")
    assert page.locator("html").get_attribute("lang") == "bn"
    assert page.locator("table.report-table").count() >= 1
    pdf = page.pdf(prefer_css_page_size=True)
    assert _sizes(pdf) == {A4_PORTRAIT}
