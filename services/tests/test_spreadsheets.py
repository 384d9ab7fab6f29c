"""An office's services as a spreadsheet in admin: export, preview, import
(services/resources.py)."""

import csv
import datetime
import io
import re

import openpyxl
import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from services.models import Charter, Office, Officer, Service, StaffMembership
from services.resources import HEADERS

XLSX, CSV = "0", "1"  # the format choices, in ServiceSpreadsheetAdmin's order

# The charter's columns, in the source document's order, then the English texts.
CHARTER_ORDER = [
    "সেবার ধরন",
    "ক্রমিক নং",
    "সেবার নাম",
    "সেবা প্রদান পদ্ধতি",
    "প্রয়োজনীয় কাগজপত্র",
    "প্রাপ্তি স্থান",
    "সেবার মূল্যের ধরন",
    "সেবার মূল্য (টাকা)",
    "সেবার মূল্য",
    "পরিশোধ পদ্ধতি",
    "সময়সীমার ধরন",
    "সময়সীমা (কার্যদিবস)",
    "সেবা প্রদানের সময়সীমা",
    "দায়িত্বপ্রাপ্ত কর্মকর্তার নাম",
    "দায়িত্বপ্রাপ্ত কর্মকর্তার পদবি",
    "দায়িত্বপ্রাপ্ত কর্মকর্তার কোড",
    "দায়িত্বপ্রাপ্ত কর্মকর্তার ফোন",
    "দায়িত্বপ্রাপ্ত কর্মকর্তার ই-মেইল",
    "উর্ধ্বতন কর্মকর্তার পদবি",
    "উর্ধ্বতন কর্মকর্তার কোড",
    "উর্ধ্বতন কর্মকর্তার ফোন",
    "উর্ধ্বতন কর্মকর্তার ই-মেইল",
    "প্রকাশিত",
]


def _office(name_bn, name_en, *, parent=None, level="upazila"):
    return Office.objects.create(name_bn=name_bn, name_en=name_en, level=level, parent=parent)


@pytest.fixture
def empty_office(charter):
    """A new upazila office of Rangpur district, with a published charter and no services."""
    office = _office(
        "উপজেলা কার্যালয়, পীরগাছা, রংপুর",
        "Upazila office, Pirgachha, Rangpur",
        parent=charter.office.parent,
    )
    _publish_charter(office)
    return office


def _publish_charter(office):
    signatory = Officer.objects.create(
        office=office, designation_bn="উপজেলা আইসিটি অফিসার", designation_en="Upazila ICT Officer"
    )
    return Charter.objects.create(
        office=office,
        title_bn="সিটিজেনস চার্টার",
        government_bn="গণপ্রজাতন্ত্রী বাংলাদেশ সরকার",
        vision_bn="ভিশন",
        mission_bn="মিশন",
        issued_on=datetime.date(2025, 1, 1),
        signatory=signatory,
        is_published=True,
    )


def export(client, office, fmt=XLSX) -> bytes:
    response = client.post(
        reverse("admin:services_service_export"),
        {"office": office.pk, "format": fmt, "resource": "0"},
    )
    assert response.status_code == 200, response.content[:2000]
    return response.content


def upload(client, office, content: bytes, fmt=XLSX):
    name = "services.xlsx" if fmt == XLSX else "services.csv"
    return client.post(
        reverse("admin:services_service_import"),
        {
            "office": office.pk,
            "format": fmt,
            "resource": "0",
            "import_file": SimpleUploadedFile(name, content),
        },
    )


def confirm(client, preview):
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(reverse("admin:services_service_process_import"), data)


def import_file(client, office, content: bytes, fmt=XLSX):
    preview = upload(client, office, content, fmt)
    assert preview.status_code == 200
    assert preview.context.get("confirm_form") is not None, _errors(preview)
    response = confirm(client, preview)
    assert response.status_code == 302, _errors(response)
    return response


def _errors(response) -> str:
    page = response.content.decode()
    found = re.findall(r'<table class="spreadsheet-row-errors">.*?</table>', page, re.S)
    found += re.findall(r'<ul class="errorlist[^"]*">.*?</ul>', page, re.S)
    return "\n".join(found)


def _sheet(content: bytes) -> list[list]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def _with_cells(content: bytes, changes: dict[tuple[int, str], object]) -> bytes:
    """The xlsx file with cells changed: (row of the sheet, header) -> value."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book.active
    headers = [cell.value for cell in sheet[1]]
    for (row, header), value in changes.items():
        sheet.cell(row=row, column=headers.index(header) + 1, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _tables(client, office, language) -> str:
    """The service tables of the office's services page, with the office's own address
    (the only office-specific text in them) written the same for every office."""
    page = client.get(f"/{language}/offices/{office.slug}/services/")
    assert page.status_code == 200
    html = page.content.decode()
    tables = re.findall(r"<table class=\"charter-table service-table\">.*?</table>", html, re.S)
    assert len(tables) == 3
    return "\n".join(tables).replace(f"/offices/{office.slug}/", "/offices/OFFICE/")


# --- export ---


def test_the_export_has_the_charters_columns_with_bangla_headers(admin_client, charter):
    rows = _sheet(export(admin_client, charter.office))
    assert rows[0] == HEADERS
    assert rows[0][: len(CHARTER_ORDER)] == CHARTER_ORDER
    assert rows[0][len(CHARTER_ORDER) :] == [
        "সেবার নাম (ইংরেজি)",
        "সেবা প্রদান পদ্ধতি (ইংরেজি)",
        "প্রয়োজনীয় কাগজপত্র (ইংরেজি)",
        "প্রাপ্তি স্থান (ইংরেজি)",
        "সেবার মূল্য (ইংরেজি)",
        "পরিশোধ পদ্ধতি (ইংরেজি)",
        "সেবা প্রদানের সময়সীমা (ইংরেজি)",
        "দায়িত্বপ্রাপ্ত কর্মকর্তার নাম (ইংরেজি)",
        "দায়িত্বপ্রাপ্ত কর্মকর্তার পদবি (ইংরেজি)",
        "দায়িত্বপ্রাপ্ত কর্মকর্তার কোড (ইংরেজি)",
        "উর্ধ্বতন কর্মকর্তার পদবি (ইংরেজি)",
        "উর্ধ্বতন কর্মকর্তার কোড (ইংরেজি)",
    ]
    assert len(rows) == 1 + 19
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["সেবার ধরন"] == "নাগরিক সেবা"
    assert first["ক্রমিক নং"] == 1
    assert first["সেবার নাম"] == "আইসিটি অধিদপ্তর সংক্রান্ত তথ্য প্রদান"
    assert first["সেবার মূল্যের ধরন"] == "বিনামূল্যে"
    assert first["সময়সীমা (কার্যদিবস)"] == 3
    assert first["দায়িত্বপ্রাপ্ত কর্মকর্তার নাম"] == "মৃত্যুঞ্জয় কুমার সেন"
    assert first["দায়িত্বপ্রাপ্ত কর্মকর্তার কোড"] == "উপজেলা কোড-৮৫৪২"
    assert first["দায়িত্বপ্রাপ্ত কর্মকর্তার ফোন"] == "02589978229"  # text: the 0 stays
    assert first["উর্ধ্বতন কর্মকর্তার পদবি"] == "জেলা আইসিটি অফিসার"
    assert first["উর্ধ্বতন কর্মকর্তার ই-মেইল"] == "doict.rangpur@gmail.com"
    assert first["প্রকাশিত"] == "হ্যাঁ"
    assert first["সেবার নাম (ইংরেজি)"].startswith("Information")


def test_the_csv_export_opens_as_utf8_in_a_spreadsheet(admin_client, charter):
    content = export(admin_client, charter.office, CSV)
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == HEADERS and len(rows) == 20


# --- the round trip ---


@pytest.mark.parametrize("language", ["bn", "en"])
def test_kaunias_charter_exported_and_imported_into_an_empty_office_gives_the_same_tables(
    admin_client, client, charter, empty_office, language
):
    assert not Service.objects.filter(office=empty_office).exists()
    import_file(admin_client, empty_office, export(admin_client, charter.office))
    assert Service.objects.filter(office=empty_office).count() == 19
    assert _tables(client, empty_office, language) == _tables(client, charter.office, language)


def test_the_round_trip_works_in_an_office_of_another_district_too(admin_client, client, charter):
    """No Rangpur above it: the superior officer is created in the office, from the file."""
    elsewhere = _office("উপজেলা কার্যালয়, বিরল", "Upazila office, Biral")
    _publish_charter(elsewhere)
    import_file(admin_client, elsewhere, export(admin_client, charter.office))
    assert _tables(client, elsewhere, "bn") == _tables(client, charter.office, "bn")


def test_a_csv_file_goes_round_unchanged(admin_client, charter, empty_office):
    first = export(admin_client, charter.office, CSV)
    import_file(admin_client, empty_office, first, CSV)
    assert export(admin_client, empty_office, CSV) == first


def test_officers_are_matched_by_designation_in_the_office_and_above(
    admin_client, charter, empty_office
):
    rangpur_officer = Officer.objects.get(office=charter.office.parent)
    import_file(admin_client, empty_office, export(admin_client, charter.office))
    services = Service.objects.filter(office=empty_office)
    # The superior officer is the District ICT Officer in Rangpur, not a copy of them.
    assert {s.superior_officer_id for s in services} == {rangpur_officer.pk}
    # The office's own officer (the charter's signatory) took the row's details.
    officer = Officer.objects.get(office=empty_office)
    assert {s.responsible_officer_id for s in services} == {officer.pk}
    assert officer.name_bn == "মৃত্যুঞ্জয় কুমার সেন" and officer.phone == "02589978229"


def test_importing_the_same_file_again_changes_nothing(admin_client, charter):
    before = list(Service.objects.filter(office=charter.office).values())
    officers = list(Officer.objects.values())
    import_file(admin_client, charter.office, export(admin_client, charter.office))
    after = list(Service.objects.filter(office=charter.office).values())
    for row in before + after:
        row.pop("updated_at")
    assert after == before
    assert list(Officer.objects.values()) == officers


# --- preview ---


def test_the_preview_shows_the_rows_and_saves_nothing(admin_client, charter, empty_office):
    content = export(admin_client, charter.office)
    preview = upload(admin_client, empty_office, content)
    page = preview.content.decode()
    assert preview.context["confirm_form"] is not None
    assert "আইসিটি অধিদপ্তর সংক্রান্ত তথ্য প্রদান" in page
    assert page.count('<tr class="new">') == 19
    assert not Service.objects.filter(office=empty_office).exists()
    assert Officer.objects.filter(office=empty_office).count() == 1  # the signatory only
    confirm(admin_client, preview)
    assert Service.objects.filter(office=empty_office).count() == 19


def test_a_changed_cell_shows_as_a_change_in_the_preview(admin_client, charter):
    content = _with_cells(export(admin_client, charter.office), {(2, "সেবার নাম"): "নতুন নাম"})
    preview = upload(admin_client, charter.office, content)
    page = preview.content.decode()
    assert "<ins>নতুন নাম</ins>" in page
    assert 'style="' not in page.split("<body")[1]


# --- bad files ---

BAD_ROWS = {(4, "সেবার মূল্যের ধরন"): "ফ্রি", (6, "সময়সীমা (কার্যদিবস)"): "তিন"}
ERRORS = {
    "bn": [
        ("৪", "সেবার মূল্যের ধরন", "ফ্রি তালিকায় নেই।"),
        ("৬", "সময়সীমা (কার্যদিবস)", "একটি পূর্ণসংখ্যা দিন"),
    ],
    "en": [
        ("4", "সেবার মূল্যের ধরন", "Select a valid choice. ফ্রি is not one of the available choices."),
        ("6", "সময়সীমা (কার্যদিবস)", "Enter a whole number."),
    ],
}


def _error_rows(response) -> list[tuple[str, str, str]]:
    table = re.search(
        r'<table class="spreadsheet-row-errors">.*?<tbody>(.*?)</tbody>',
        response.content.decode(),
        re.S,
    ).group(1)
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", table, re.S)
    return [(number, column, message.replace("&quot;", '"')) for number, column, message in rows]


@pytest.mark.parametrize("language", ["bn", "en"])
def test_a_bad_row_saves_nothing_and_says_why_in_the_staff_members_language(
    admin_client, charter, settings, language
):
    settings.LANGUAGE_CODE = language
    good = export(admin_client, charter.office)
    before = list(Service.objects.filter(office=charter.office).values())
    bad = _with_cells(good, {(2, "সেবার নাম"): "বদলানো নাম", **BAD_ROWS})
    preview = upload(admin_client, charter.office, bad)
    assert preview.context.get("confirm_form") is None
    found = _error_rows(preview)
    for number, column, message in ERRORS[language]:
        assert any(row[0] == number and row[1] == column and message in row[2] for row in found), (
            found
        )
    assert len(found) == 2
    # Nothing saved, not even the good row before the bad ones.
    assert list(Service.objects.filter(office=charter.office).values()) == before


def test_a_confirm_with_a_bad_file_rolls_everything_back(admin_client, charter):
    """The confirm step checks the file again: a file changed after its preview (or a
    confirmation sent without one) saves nothing if any row is wrong."""
    good = export(admin_client, charter.office)
    preview = upload(admin_client, charter.office, _with_cells(good, {(2, "সেবার নাম"): "নতুন"}))
    form = preview.context["confirm_form"]
    bad = upload(
        admin_client, charter.office, _with_cells(good, {(2, "সেবার নাম"): "নতুন", **BAD_ROWS})
    )
    assert bad.context.get("confirm_form") is None
    # The valid preview's form, carrying the bad file instead.
    from services.resources import InFormStorage

    storage = InFormStorage(read_mode="rb")
    storage.save(_with_cells(good, {(2, "সেবার নাম"): "নতুন", **BAD_ROWS}))
    data = {name: form.initial.get(name, "") for name in form.fields}
    data["import_file_name"] = storage.name
    before = list(Service.objects.filter(office=charter.office).values())
    response = admin_client.post(reverse("admin:services_service_process_import"), data)
    assert response.status_code == 200
    assert len(_error_rows(response)) == 2
    assert list(Service.objects.filter(office=charter.office).values()) == before


def test_a_file_without_a_required_column_is_refused(admin_client, charter, empty_office):
    book = openpyxl.load_workbook(io.BytesIO(export(admin_client, charter.office)))
    book.active.delete_cols(HEADERS.index("উর্ধ্বতন কর্মকর্তার পদবি") + 1)
    out = io.BytesIO()
    book.save(out)
    preview = upload(admin_client, empty_office, out.getvalue())
    assert preview.context.get("confirm_form") is None
    errors = _errors(preview)
    assert "উর্ধ্বতন কর্মকর্তার পদবি" in errors and errors.count("<li>") == 1
    assert not Service.objects.filter(office=empty_office).exists()


def test_a_repeated_table_and_serial_is_an_error(admin_client, charter, empty_office):
    content = _with_cells(export(admin_client, charter.office), {(3, "ক্রমিক নং"): 1})
    preview = upload(admin_client, empty_office, content)
    assert preview.context.get("confirm_form") is None
    # Row 3 of the file repeats row 2's table and serial (Bangla digits on a Bangla page).
    [(number, column, message)] = _error_rows(preview)
    assert (number, column) == ("৩", "&mdash;") and "২" in message


def test_text_that_looks_like_a_formula_stays_text(admin_client, charter, empty_office):
    name = '=HYPERLINK("http://evil.example","click")'
    Service.objects.filter(office=charter.office, category="citizen", serial=1).update(name_bn=name)
    content = export(admin_client, charter.office)
    book = openpyxl.load_workbook(io.BytesIO(content))
    cell = book.active.cell(row=2, column=HEADERS.index("সেবার নাম") + 1)
    assert cell.value == name and cell.data_type == "s"
    csv_content = export(admin_client, charter.office, CSV).decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_content
    import_file(admin_client, empty_office, csv_content.encode("utf-8-sig"), CSV)
    assert Service.objects.get(office=empty_office, category="citizen", serial=1).name_bn == name


# --- scope ---


@pytest.fixture
def editor(charter, empty_office):
    user = User.objects.create_user("editor", password="x-long-password-1", is_staff=True)
    user.groups.add(Group.objects.get(name="charter editor"))
    StaffMembership.objects.create(user=user, office=empty_office)
    return user


def test_an_editor_imports_and_exports_only_their_own_office(
    admin_client, client, editor, charter, empty_office
):
    content = export(admin_client, charter.office)
    client.force_login(editor)
    page = client.get(reverse("admin:services_service_import"))
    assert set(page.context["form"].fields["office"].queryset) == {empty_office}
    # Kaunia's services cannot be exported by a Pirgachha editor...
    response = client.post(
        reverse("admin:services_service_export"),
        {"office": charter.office.pk, "format": XLSX, "resource": "0"},
    )
    assert response.status_code == 200 and "office" in response.context["form"].errors
    # ...nor imported into Kaunia, in the first step or by changing the confirm form.
    assert upload(client, charter.office, content).context.get("confirm_form") is None
    preview = upload(client, empty_office, content)
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    data["office"] = charter.office.pk
    before = list(Service.objects.filter(office=charter.office).values())
    client.post(reverse("admin:services_service_process_import"), data)
    assert list(Service.objects.filter(office=charter.office).values()) == before


def test_the_import_page_pulls_nothing_inline_or_from_a_cdn(admin_client, charter):
    for name in ("import", "export"):
        page = admin_client.get(reverse(f"admin:services_service_{name}")).content.decode()
        assert "<script>" not in page and 'style="' not in page and "onchange" not in page
        assert "cdn" not in page.lower()
