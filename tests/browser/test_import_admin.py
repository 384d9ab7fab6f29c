"""The service spreadsheet pages and the "start a charter" action, in Chromium at 1280 px with
JavaScript on: they work under the site's strict CSP (not one violation) and offline (no
request leaves the site), and the preview's wide table scrolls inside its box."""

import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from services.models import Charter, Office, Officer, Service

pytestmark = pytest.mark.browser


@pytest.fixture
def admin_page(browser, site, django_user_model):
    # A Bangla-speaking clerk: the browser asks for Bangla, as the office desktops do.
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, accept_downloads=True, locale="bn-BD"
    )
    context.set_default_timeout(15_000)
    staff = django_user_model.objects.create_superuser("admin", "admin@example.com", "pw")
    client = Client()
    client.force_login(staff)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": site}]
    )
    page = context.new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    # Offline: any request to another host is a failure.
    outside = []

    def route(route_request):
        if route_request.request.url.startswith(site):
            route_request.continue_()
        else:
            outside.append(route_request.request.url)
            route_request.abort()

    page.route("**/*", route)
    yield page, problems, outside
    context.close()


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_export_then_import_into_another_office_with_preview(admin_page, site, charter, tmp_path):
    page, problems, outside = admin_page
    target = Office.objects.create(
        name_bn="উপজেলা কার্যালয়, মিঠাপুকুর, রংপুর",
        name_en="Upazila office, Mithapukur, Rangpur",
        level="upazila",
        parent=charter.office.parent,
    )

    # The service list's buttons lead to the export page.
    page.goto(site + reverse("admin:services_service_changelist"))
    page.click("a.export_link")
    page.select_option("#id_office", str(charter.office.pk))
    page.select_option("#id_format", label="xlsx")
    with page.expect_download() as download_info:
        page.click("input[type=submit]")
    download = download_info.value
    assert download.suggested_filename == f"services-{charter.office.slug}.xlsx"
    spreadsheet = tmp_path / "services.xlsx"
    download.save_as(spreadsheet)
    rows = list(openpyxl.load_workbook(io.BytesIO(spreadsheet.read_bytes())).active.values)
    assert rows[0][:3] == ("সেবার ধরন", "ক্রমিক নং", "সেবার নাম") and len(rows) == 20

    page.goto(site + reverse("admin:services_service_changelist"))
    page.click("a.import_link")
    page.select_option("#id_office", str(target.pk))
    page.set_input_files("#id_import_file", str(spreadsheet))
    # import-export's script picks the file type from the file's name.
    assert page.input_value("#id_format") == "0"
    page.click("input[type=submit]")

    # The preview: every row, nothing saved yet, the wide table scrolling in its own box.
    page.wait_for_selector("table.import-preview")
    assert page.locator("table.import-preview tr.new").count() == 19
    assert page.locator(".spreadsheet-preview").evaluate("e => e.scrollWidth > e.clientWidth")
    assert _no_horizontal_scroll(page)
    assert page.locator("input[name=confirm]").is_visible()
    assert not Service.objects.filter(office=target).exists()

    page.click("input[name=confirm]")
    page.wait_for_selector("ul.messagelist li.success")
    assert Service.objects.filter(office=target).count() == 19
    assert Officer.objects.get(office=target).designation_en == "Upazila ICT Officer"
    assert problems == [] and outside == []


def test_a_bad_file_shows_its_rows_errors_under_the_csp(admin_page, site, charter, tmp_path):
    page, problems, outside = admin_page
    client = Client()
    client.force_login(_superuser())
    content = client.post(
        reverse("admin:services_service_export"),
        {"office": charter.office.pk, "format": "0", "resource": "0"},
    ).content
    book = openpyxl.load_workbook(io.BytesIO(content))
    headers = [cell.value for cell in book.active[1]]
    book.active.cell(row=4, column=headers.index("সময়সীমা (কার্যদিবস)") + 1, value="তিন")
    bad = tmp_path / "bad.xlsx"
    book.save(bad)

    page.goto(site + reverse("admin:services_service_import"))
    page.select_option("#id_office", str(charter.office.pk))
    page.set_input_files("#id_import_file", str(bad))
    page.click("input[type=submit]")
    page.wait_for_selector("table.spreadsheet-row-errors")
    errors = page.locator("table.spreadsheet-row-errors tbody tr")
    assert errors.count() == 1
    assert errors.first.inner_text().split("\t")[:2] == ["৪", "সময়সীমা (কার্যদিবস)"]
    assert page.locator("input[name=confirm]").count() == 0
    assert _no_horizontal_scroll(page)
    assert problems == [] and outside == []


def _superuser():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="admin")


def test_the_start_a_charter_page_works_under_the_csp(admin_page, site, charter):
    page, problems, outside = admin_page
    target = Office.objects.create(
        name_bn="উপজেলা কার্যালয়, তারাগঞ্জ, রংপুর",
        name_en="Upazila office, Taraganj, Rangpur",
        level="upazila",
        parent=charter.office.parent,
    )
    page.goto(site + reverse("admin:services_charter_changelist"))
    page.check(f"input[name=_selected_action][value='{charter.pk}']")
    page.select_option("select[name=action]", "copy_to_offices")
    page.click("button[name=index]")
    # The admin's two-box office chooser, drawn by its own script.
    page.wait_for_selector("#id_offices_from")
    page.select_option("#id_offices_from", str(target.pk))
    page.click("#id_offices_add")
    assert _no_horizontal_scroll(page)
    page.click("input[name=copy]")
    page.wait_for_selector("ul.messagelist li.success")
    draft = Charter.objects.get(office=target)
    assert draft.is_published is False
    assert Service.objects.filter(office=target).count() == 19
    assert problems == [] and outside == []
