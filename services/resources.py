"""An office's charter services as a spreadsheet (.xlsx or .csv), both ways, in admin.

Built on django-import-export: ``ServiceResource`` maps one service to one row, in the
charter's own column order with Bangla headers (the English texts follow in columns of
their own); ``ServiceSpreadsheetAdmin`` adds Import and Export to the service list, with
the office chosen on the page.

An import is previewed before anything is saved (import-export's confirm step), then
saved in one transaction that is rolled back whole if any row fails: nothing is ever
half-imported. A row's errors name its line and column, in the staff member's language.
Rows are matched to services by table and serial within the office: a row updates the
service it names or adds a new one; services missing from the file are left as they are.
Officers are posts, matched by designation in the office, then in its parent offices (the
superior officer usually sits in the district office); an officer found nowhere is
created in the office. The row's name, code, phone and e-mail update an officer of the
office itself; an officer of a parent office is used as it is.

The uploaded file travels in the confirm form (compressed, base64) rather than in a
temporary file on one server, so the preview and the confirmation may reach different app
servers. A file of a few hundred services is a few tens of kilobytes.
"""

import base64
import binascii
import unicodedata
import zlib
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape, format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import resources, widgets
from import_export.admin import ImportExportMixin
from import_export.fields import Field
from import_export.formats import base_formats
from import_export.forms import ConfirmImportForm, ImportExportFormBase, ImportForm
from import_export.tmp_storages import BaseStorage

from core.caching import clear_charter_pages
from core.templatetags.local_format import digits
from core.text import spreadsheet_safe, to_ascii_digits

from . import scoping
from .models import Office, Officer, Service

# The largest spreadsheet an import takes: a charter of a few hundred services is far less.
MAX_IMPORT_BYTES = 1024 * 1024


# --- Cells -------------------------------------------------------------------------------


def _text(value) -> str:
    """A cell as text: NFC (how Bangla is stored), without surrounding blanks."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone number a spreadsheet took for a number
    return unicodedata.normalize("NFC", str(value)).strip()


def _key(value) -> str:
    """The form in which choices and headers are compared: case and spacing do not count."""
    return " ".join(_text(value).split()).casefold()


class TextWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return _text(value)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class WholeNumberWidget(widgets.Widget):
    """A whole number in Bangla or ASCII digits; empty is None."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            raise ValueError(_("Enter a whole number."))
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        text = to_ascii_digits(_text(value))
        if not text:
            return None
        if not text.isascii() or not text.isdigit():
            raise ValueError(_("Enter a whole number."))
        return int(text)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value  # a number cell in xlsx


class AmountWidget(widgets.Widget):
    """An amount in taka in Bangla or ASCII digits; empty is None."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            raise ValueError(_("Enter a number."))
        if isinstance(value, int | float):
            return Decimal(str(value))
        text = to_ascii_digits(_text(value)).replace(",", "")
        if not text:
            return None
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValueError(_("Enter a number.")) from None
        if not amount.is_finite():
            raise ValueError(_("Enter a number."))
        return amount

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        value = Decimal(value)
        # 50.00 is written 50, 12.50 is 12.5: a number cell in xlsx, plain digits in CSV.
        return value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()


class ChoiceWidget(widgets.Widget):
    """One of a model field's choices, written as its Bangla label.

    Read back from the code, the Bangla label or the English label, whatever the case.
    """

    def __init__(self, choices):
        super().__init__()
        self.choices = choices

    def _labels(self, language: str) -> dict[str, str]:
        with translation.override(language):
            return {value: str(label) for value, label in self.choices.choices}

    def clean(self, value, row=None, **kwargs):
        wanted = _key(value)
        if not wanted:
            return ""
        for code in self.choices.values:
            if wanted == _key(code):
                return code
        for language in ("bn", "en"):
            for code, label in self._labels(language).items():
                if wanted == _key(label):
                    return code
        allowed = ", ".join(str(label) for _code, label in self.choices.choices)
        raise ValueError(
            _("Select a valid choice. %(value)s is not one of the available choices.")
            % {"value": _text(value)}
            + f" ({allowed})"
        )

    def render(self, value, obj=None, **kwargs):
        return self._labels("bn").get(value, value or "")


class YesNoWidget(widgets.Widget):
    YES = {"হ্যাঁ", "হাঁ", "yes", "y", "true", "1", "১"}
    NO = {"না", "no", "n", "false", "0", "০"}

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        wanted = _key(value)
        if not wanted:
            return True  # a new row is published unless it says otherwise
        if wanted in self.YES:
            return True
        if wanted in self.NO:
            return False
        raise ValueError(
            _("Select a valid choice. %(value)s is not one of the available choices.")
            % {"value": _text(value)}
            + " (হ্যাঁ, না)"
        )

    def render(self, value, obj=None, **kwargs):
        return "হ্যাঁ" if value else "না"


# --- The columns -------------------------------------------------------------------------

RESPONSIBLE = "দায়িত্বপ্রাপ্ত কর্মকর্তার"
SUPERIOR = "উর্ধ্বতন কর্মকর্তার"
ENGLISH = " (ইংরেজি)"

# (field name, attribute, Bangla header, widget), in the charter's order: table and serial,
# service, delivery, documents and where to get them, fee and payment, time limit,
# responsible officer (name, designation, code, phone, e-mail), superior officer
# (designation, code, phone, e-mail); then whether it is published; then the English texts.
COLUMNS = [
    ("category", "category", "সেবার ধরন", ChoiceWidget(Service.Category)),
    ("serial", "serial", "ক্রমিক নং", WholeNumberWidget()),
    ("name_bn", "name_bn", "সেবার নাম", TextWidget()),
    ("delivery_method_bn", "delivery_method_bn", "সেবা প্রদান পদ্ধতি", TextWidget()),
    ("required_documents_bn", "required_documents_bn", "প্রয়োজনীয় কাগজপত্র", TextWidget()),
    ("documents_source_bn", "documents_source_bn", "প্রাপ্তি স্থান", TextWidget()),
    ("fee_kind", "fee_kind", "সেবার মূল্যের ধরন", ChoiceWidget(Service.FeeKind)),
    ("fee_amount", "fee_amount", "সেবার মূল্য (টাকা)", AmountWidget()),
    ("fee_text_bn", "fee_text_bn", "সেবার মূল্য", TextWidget()),
    ("fee_payment_method_bn", "fee_payment_method_bn", "পরিশোধ পদ্ধতি", TextWidget()),
    ("time_limit_kind", "time_limit_kind", "সময়সীমার ধরন", ChoiceWidget(Service.TimeLimitKind)),
    (
        "time_limit_working_days",
        "time_limit_working_days",
        "সময়সীমা (কার্যদিবস)",
        WholeNumberWidget(),
    ),
    ("time_limit_text_bn", "time_limit_text_bn", "সেবা প্রদানের সময়সীমা", TextWidget()),
    ("responsible_name_bn", "responsible_officer__name_bn", f"{RESPONSIBLE} নাম", TextWidget()),
    (
        "responsible_designation_bn",
        "responsible_officer__designation_bn",
        f"{RESPONSIBLE} পদবি",
        TextWidget(),
    ),
    (
        "responsible_office_code_bn",
        "responsible_officer__office_code_bn",
        f"{RESPONSIBLE} কোড",
        TextWidget(),
    ),
    ("responsible_phone", "responsible_officer__phone", f"{RESPONSIBLE} ফোন", TextWidget()),
    ("responsible_email", "responsible_officer__email", f"{RESPONSIBLE} ই-মেইল", TextWidget()),
    (
        "superior_designation_bn",
        "superior_officer__designation_bn",
        f"{SUPERIOR} পদবি",
        TextWidget(),
    ),
    (
        "superior_office_code_bn",
        "superior_officer__office_code_bn",
        f"{SUPERIOR} কোড",
        TextWidget(),
    ),
    ("superior_phone", "superior_officer__phone", f"{SUPERIOR} ফোন", TextWidget()),
    ("superior_email", "superior_officer__email", f"{SUPERIOR} ই-মেইল", TextWidget()),
    ("is_published", "is_published", "প্রকাশিত", YesNoWidget()),
    ("name_en", "name_en", "সেবার নাম" + ENGLISH, TextWidget()),
    ("delivery_method_en", "delivery_method_en", "সেবা প্রদান পদ্ধতি" + ENGLISH, TextWidget()),
    (
        "required_documents_en",
        "required_documents_en",
        "প্রয়োজনীয় কাগজপত্র" + ENGLISH,
        TextWidget(),
    ),
    ("documents_source_en", "documents_source_en", "প্রাপ্তি স্থান" + ENGLISH, TextWidget()),
    ("fee_text_en", "fee_text_en", "সেবার মূল্য" + ENGLISH, TextWidget()),
    ("fee_payment_method_en", "fee_payment_method_en", "পরিশোধ পদ্ধতি" + ENGLISH, TextWidget()),
    ("time_limit_text_en", "time_limit_text_en", "সেবা প্রদানের সময়সীমা" + ENGLISH, TextWidget()),
    (
        "responsible_name_en",
        "responsible_officer__name_en",
        f"{RESPONSIBLE} নাম" + ENGLISH,
        TextWidget(),
    ),
    (
        "responsible_designation_en",
        "responsible_officer__designation_en",
        f"{RESPONSIBLE} পদবি" + ENGLISH,
        TextWidget(),
    ),
    (
        "responsible_office_code_en",
        "responsible_officer__office_code_en",
        f"{RESPONSIBLE} কোড" + ENGLISH,
        TextWidget(),
    ),
    (
        "superior_designation_en",
        "superior_officer__designation_en",
        f"{SUPERIOR} পদবি" + ENGLISH,
        TextWidget(),
    ),
    (
        "superior_office_code_en",
        "superior_officer__office_code_en",
        f"{SUPERIOR} কোড" + ENGLISH,
        TextWidget(),
    ),
]
HEADERS = [header for _name, _attribute, header, _widget in COLUMNS]
HEADER_OF = {name: header for name, _attribute, header, _widget in COLUMNS}
# Without these a row cannot make a service; the rest may be left out of a file.
REQUIRED_HEADERS = [
    HEADER_OF[name]
    for name in (
        "category",
        "serial",
        "name_bn",
        "delivery_method_bn",
        "required_documents_bn",
        "fee_kind",
        "fee_text_bn",
        "time_limit_kind",
        "time_limit_text_bn",
        "responsible_designation_bn",
        "superior_designation_bn",
    )
]

# The officer's details a row carries, per role: (column, Officer attribute).
OFFICER_COLUMNS = {
    "responsible": [
        ("responsible_designation_bn", "designation_bn"),
        ("responsible_designation_en", "designation_en"),
        ("responsible_name_bn", "name_bn"),
        ("responsible_name_en", "name_en"),
        ("responsible_office_code_bn", "office_code_bn"),
        ("responsible_office_code_en", "office_code_en"),
        ("responsible_phone", "phone"),
        ("responsible_email", "email"),
    ],
    "superior": [
        ("superior_designation_bn", "designation_bn"),
        ("superior_designation_en", "designation_en"),
        ("superior_office_code_bn", "office_code_bn"),
        ("superior_office_code_en", "office_code_en"),
        ("superior_phone", "phone"),
        ("superior_email", "email"),
    ],
}
# A new officer's texts before the row's are set: empty, as admin leaves them.
EMPTY_OFFICER = {
    f"{field}_{language}": ""
    for field in ("designation", "name", "office_code")
    for language in ("bn", "en")
}
# Where a model field's error is shown: the column it came from.
ERROR_COLUMN = {
    "name": "name_bn",
    "delivery_method": "delivery_method_bn",
    "required_documents": "required_documents_bn",
    "documents_source": "documents_source_bn",
    "fee_text": "fee_text_bn",
    "fee_payment_method": "fee_payment_method_bn",
    "time_limit_text": "time_limit_text_bn",
    "responsible_officer": "responsible_designation_bn",
    "superior_officer": "superior_designation_bn",
}


class PreviewDiff(resources.Diff):
    """import-export's preview diff without inline styles (the site's CSP forbids them),
    and whole cells: a changed cell shows its old text struck out and its new text."""

    def as_html(self):
        cells = []
        for before, after in zip(self.left, self.right, strict=False):
            before, after = ("" if self.new else str(before)), str(after)
            if before == after or self.new:
                cells.append(escape(after))
            elif not before:
                cells.append(format_html("<ins>{}</ins>", after))
            elif not after:
                cells.append(format_html("<del>{}</del>", before))
            else:
                cells.append(format_html("<del>{}</del> <ins>{}</ins>", before, after))
        return cells


def _designation_key(text) -> str:
    return _key(text)


class ServiceResource(resources.ModelResource):
    """One office's services, one row each; ``office`` is the office being imported or
    exported (None only to list the columns)."""

    class Meta:
        model = Service
        fields = ()
        import_id_fields = ("category", "serial")
        use_transactions = True
        clean_model_instances = True
        skip_unchanged = False

    def __init__(self, office: Office | None = None, **kwargs):
        super().__init__(**kwargs)
        self.office = office
        for name, attribute, header, widget in COLUMNS:
            self.fields[name] = Field(
                attribute=attribute,
                column_name=header,
                widget=widget,
                # Officer columns are read by import_instance below, not set one by one.
                readonly="__" in attribute,
            )
        self._officers: dict[int, dict[str, list[Officer]]] = {}
        self._chain: list[Office] = []
        self._officer_rows: dict[int, dict[str, tuple[str, int]]] = {}
        self._rows_seen: dict[tuple[str, int], int] = {}

    @classmethod
    def get_display_name(cls):
        return _("Services")

    def get_import_order(self):
        return [name for name, _attribute, _header, _widget in COLUMNS]

    def get_export_order(self):
        return self.get_import_order()

    def get_diff_class(self):
        return PreviewDiff

    def get_queryset(self):
        services = Service.objects.select_related("responsible_officer", "superior_officer")
        if self.office is None:
            return services.none()
        return services.filter(office=self.office).order_by("category", "serial")

    def init_instance(self, row=None):
        return Service(office=self.office)

    # --- the file as a whole ---

    def before_import(self, dataset, **kwargs):
        if self.office is None:
            raise ValueError(_("Choose the office to import into."))
        canonical = {_key(header): header for header in HEADERS}
        dataset.headers = [canonical.get(_key(h), _text(h)) for h in dataset.headers or []]
        missing = [header for header in REQUIRED_HEADERS if header not in dataset.headers]
        if missing:
            for index in reversed(range(len(dataset))):
                del dataset[index]  # one error for the file, not one for each of its rows
            raise ValueError(
                _("The file lacks these columns: %(columns)s.") % {"columns": ", ".join(missing)}
            )
        for index in reversed(range(len(dataset))):
            if all(_text(cell) == "" for cell in dataset[index]):
                del dataset[index]
        self._chain = []
        office = Office.objects.select_related("parent").get(pk=self.office.pk)
        while office is not None and office not in self._chain:
            self._chain.append(office)
            office = office.parent
        self._officers = {office.pk: {} for office in self._chain}
        for officer in Officer.objects.filter(office__in=self._chain).order_by("pk"):
            by_designation = self._officers[officer.office_id]
            by_designation.setdefault(_designation_key(officer.designation_bn), []).append(officer)

    # --- one row ---

    def _cell(self, row, name: str):
        header = HEADER_OF[name]
        return self.fields[name].widget.clean(row.get(header)) if header in row else None

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        number = kwargs.get("row_number", 0)
        key = (instance.category, instance.serial)
        if instance.category and instance.serial is not None:
            first = self._rows_seen.setdefault(key, number)
            if first != number:
                errors.setdefault(NON_FIELD_ERRORS, []).append(
                    ValidationError(
                        _("Row %(row)s already has this table and serial.")
                        % {"row": digits(first + 1)}
                    )
                )
        for role in OFFICER_COLUMNS:
            try:
                setattr(instance, f"{role}_officer", self._officer(role, row, number))
            except ValidationError as error:
                errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def _officer(self, role: str, row, number: int) -> Officer:
        """The officer a row names for ``role``: found by designation, or created."""
        given = {}
        for column, attribute in OFFICER_COLUMNS[role]:
            value = self._cell(row, column)
            if value:
                given[attribute] = value
        designation_column = f"{role}_designation_bn"
        if not given.get("designation_bn"):
            raise ValidationError(
                {designation_column: _("This field cannot be blank.")}, code="blank"
            )
        officer = self._find_officer(given["designation_bn"], given.get("name_bn", ""))
        if officer is not None and officer.office_id != self.office.pk:
            return officer  # another office's officer: theirs to keep up to date
        if officer is None:
            officer = Officer(office=self.office, **EMPTY_OFFICER)
            key = _designation_key(given["designation_bn"])
            self._officers[self.office.pk].setdefault(key, []).append(officer)
        seen = self._officer_rows.setdefault(id(officer), {})
        for attribute, value in given.items():
            earlier = seen.get(attribute)
            if earlier is not None and earlier[0] != value:
                column = next(c for c, a in OFFICER_COLUMNS[role] if a == attribute)
                raise ValidationError(
                    {
                        column: _("Row %(row)s gives this officer a different value: %(value)s")
                        % {"row": digits(earlier[1] + 1), "value": earlier[0]}
                    }
                )
            seen[attribute] = (value, number)
        changed = [a for a, value in given.items() if getattr(officer, a) != value]
        if officer.pk is None or changed:
            for attribute in changed:
                setattr(officer, attribute, given[attribute])
            try:
                officer.full_clean(exclude=["office"])
            except ValidationError as error:
                columns = {a: c for c, a in OFFICER_COLUMNS[role]}
                raise ValidationError(
                    {
                        columns.get(field, designation_column): messages
                        for field, messages in error.message_dict.items()
                    }
                ) from None
            with translation.override("bn"):
                officer.save()
        return officer

    def _find_officer(self, designation: str, name: str) -> Officer | None:
        key = _designation_key(designation)
        for office in self._chain:
            found = self._officers[office.pk].get(key)
            if found:
                named = [o for o in found if name and _key(o.name_bn) == _key(name)]
                return (named or found)[0]
        return None

    def get_instance(self, instance_loader, row):
        try:
            return super().get_instance(instance_loader, row)
        except ValueError:
            return None  # a table or serial that does not read: import_instance says so

    def _check_import_id_fields(self, headers):
        pass  # before_import names every missing column, in the staff member's language

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        exclude = set(errors)
        for role in OFFICER_COLUMNS:
            if getattr(instance, f"{role}_officer_id") is None:
                exclude.add(f"{role}_officer")  # its row error is already there
        try:
            instance.full_clean(exclude=exclude, validate_unique=validate_unique)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(self._by_column(ValidationError(errors).message_dict))

    def _by_column(self, errors: dict) -> dict:
        """Errors keyed by the column the staff member sees in their file."""
        by_column = {}
        for field, field_messages in errors.items():
            if field == NON_FIELD_ERRORS:
                name = field
            else:
                name = ERROR_COLUMN.get(field, field)
            label = HEADER_OF.get(name, name)
            by_column.setdefault(label, []).extend(field_messages)
        return by_column

    def do_instance_save(self, instance, is_create):
        # The untranslated column holds the Bangla text, as everywhere else on the site.
        with translation.override("bn"):
            super().do_instance_save(instance, is_create)

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if not kwargs.get("dry_run"):
            transaction.on_commit(clear_charter_pages)


# --- Files -------------------------------------------------------------------------------


class SpreadsheetCSV(base_formats.CSV):
    """CSV with a BOM (so spreadsheets read Bangla as UTF-8) whose cells never run as
    formulas: text that starts like a formula, or with a quote, gets a quote in front,
    and an import takes one leading quote off again, so a file goes round unchanged."""

    def export_data(self, dataset, **kwargs):
        for index in range(len(dataset)):
            dataset[index] = tuple(_quoted(cell) for cell in dataset[index])
        return super().export_data(dataset, **kwargs)

    def create_dataset(self, in_stream, **kwargs):
        dataset = super().create_dataset(in_stream, **kwargs)
        for index in range(len(dataset)):
            dataset[index] = tuple(_unquoted(cell) for cell in dataset[index])
        return dataset


def _quoted(cell):
    if isinstance(cell, str) and cell.startswith("'"):
        return "'" + cell
    return spreadsheet_safe(cell)


def _unquoted(cell):
    if isinstance(cell, str) and cell.startswith("'"):
        return cell[1:]
    return cell


class SpreadsheetXLSX(base_formats.XLSX):
    """XLSX whose text cells stay text: a service named "=HYPERLINK(...)" is not a formula."""

    def export_data(self, dataset, **kwargs):
        from io import BytesIO

        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font

        book = Workbook()
        sheet = book.active
        sheet.title = "services"
        sheet.append(list(dataset.headers))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in dataset:
            sheet.append([None if value == "" else value for value in row])
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
                    if "\n" in cell.value:
                        cell.alignment = Alignment(wrap_text=True)
        sheet.freeze_panes = "A2"
        out = BytesIO()
        book.save(out)
        return out.getvalue()


SPREADSHEET_FORMATS = [SpreadsheetXLSX, SpreadsheetCSV]


class InFormStorage(BaseStorage):
    """The uploaded file, kept in the confirm form itself: its ``name`` is the content."""

    PREFIX = "z:"

    def save(self, data):
        if isinstance(data, str):
            data = data.encode(self.encoding or "utf-8")
        packed = base64.urlsafe_b64encode(zlib.compress(data, 6)).decode("ascii")
        self.name = self.PREFIX + packed

    def read(self):
        try:
            if not (self.name or "").startswith(self.PREFIX):
                raise ValueError("not an uploaded file")
            data = zlib.decompress(base64.urlsafe_b64decode(self.name[len(self.PREFIX) :]))
        except (ValueError, binascii.Error, zlib.error) as error:
            raise ValueError(_("The uploaded file was lost; upload it again.")) from error
        if "b" not in self.read_mode:
            return data.decode(self.encoding or "utf-8")
        return data

    def remove(self):
        pass


# --- Admin -------------------------------------------------------------------------------


class OfficeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class ServiceImportForm(ImportForm):
    office = OfficeChoiceField(queryset=Office.objects.none(), label=gettext_lazy("Office"))
    field_order = ["office", "resource", "import_file", "format"]

    def __init__(self, formats, resources, *, offices, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.fields["office"].queryset = offices
        self.fields["import_file"].label = _("Spreadsheet file")
        self.fields["import_file"].help_text = _(
            "An .xlsx or .csv file with the columns of the export (Bangla headers)."
        )
        self.fields["format"].label = _("File type")

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(
                _("The file is too large; an office's services fit in less than %(size)s.")
                % {"size": "1 MB"}
            )
        return upload


class ServiceConfirmImportForm(ConfirmImportForm):
    office = OfficeChoiceField(queryset=Office.objects.none(), widget=forms.HiddenInput)

    def __init__(self, *args, offices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = offices

    def clean_import_file_name(self):
        return self.cleaned_data["import_file_name"]  # the content itself, not a path


class ServiceExportForm(ImportExportFormBase):
    office = OfficeChoiceField(queryset=Office.objects.none(), label=gettext_lazy("Office"))
    field_order = ["office", "resource", "format"]

    def __init__(self, formats, resources, *, offices, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.fields["office"].queryset = offices
        self.fields["format"].label = _("File type")


class ServiceSpreadsheetAdmin(ImportExportMixin):
    """Import and Export buttons on the service list: one office's services at a time."""

    resource_classes = [ServiceResource]
    import_formats = SPREADSHEET_FORMATS
    export_formats = SPREADSHEET_FORMATS
    import_form_class = ServiceImportForm
    confirm_form_class = ServiceConfirmImportForm
    import_export_change_list_template = "admin/services/service/change_list.html"
    import_template_name = "admin/services/service/import.html"
    export_template_name = "admin/services/service/export.html"
    tmp_storage_class = InFormStorage
    to_encoding = "utf-8-sig"
    skip_admin_log = False

    # --- which offices ---

    def spreadsheet_offices(self, request):
        """The offices whose services this user may import and export: their own."""
        return scoping.offices_of(request.user).order_by("name")

    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    # --- import ---

    def create_import_form(self, request):
        kwargs = self.get_import_form_kwargs(request)
        initial_office = request.GET.get("office__id__exact")
        if initial_office:
            kwargs["initial"] = {**kwargs.get("initial", {}), "office": initial_office}
        return self.get_import_form_class(request)(
            self.get_import_formats(),
            self.get_import_resource_classes(request),
            offices=self.spreadsheet_offices(request),
            **kwargs,
        )

    def create_confirm_form(self, request, import_form=None):
        kwargs = self.get_confirm_form_kwargs(request, import_form)
        return self.get_confirm_form_class(request)(
            offices=self.spreadsheet_offices(request), **kwargs
        )

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            office = import_form.cleaned_data["office"]
            initial.update({"office": office.pk, "office_name": office.name})
        return initial

    def get_import_resource_kwargs(self, request, **kwargs):
        form = kwargs.get("form")
        office = None
        if form is not None and form.is_bound and form.is_valid():
            office = form.cleaned_data.get("office")
        return {"office": office}

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs.pop("request", None)
        # Any row with an error rolls the whole file back, in the confirm step too.
        kwargs["rollback_on_validation_errors"] = True
        return kwargs

    def get_import_context_data(self, **kwargs):
        return {"headers": HEADERS, "required_headers": REQUIRED_HEADERS}

    def process_import(self, request, **kwargs):
        if request.method == "POST" and not self.create_confirm_form(request).is_valid():
            # Not the form the preview made (another office, a lost file): start again.
            self.message_user(
                request, _("The import could not be saved: upload the file again."), messages.ERROR
            )
            return self._back_to_import(request)
        try:
            return super().process_import(request, **kwargs)
        except ValueError as error:  # the file in the form did not come back whole
            self.message_user(request, str(error), messages.ERROR)
            return self._back_to_import(request)

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            # Rolled back: nothing was saved. Show the rows and their errors.
            context = self.admin_site.each_context(request)
            context.update(
                {
                    "title": _("Import services from a spreadsheet"),
                    "opts": self.model._meta,
                    "result": result,
                    "form": self.create_import_form(request),
                    "import_error_display": self.import_error_display,
                    "not_saved": True,
                    **self.get_import_context_data(),
                }
            )
            request.current_app = self.admin_site.name
            return TemplateResponse(request, [self.import_template_name], context)
        return super().process_result(result, request)

    def _back_to_import(self, request):
        opts = self.model._meta
        return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_import"))

    def add_success_message(self, result, request):
        totals = result.totals
        self.message_user(
            request,
            _("Import saved: %(new)s new services, %(updated)s updated.")
            % {"new": totals["new"], "updated": totals["update"]},
            messages.SUCCESS,
        )

    # --- export ---

    def export_action(self, request):
        if not self.has_export_permission(request):
            raise PermissionDenied
        formats = self.get_export_formats()
        initial = {}
        if request.GET.get("office__id__exact"):
            initial["office"] = request.GET["office__id__exact"]
        form = ServiceExportForm(
            formats,
            self.get_export_resource_classes(request),
            offices=self.spreadsheet_offices(request),
            data=request.POST or None,
            initial=initial,
        )
        if form.is_valid():
            file_format = formats[int(form.cleaned_data["format"])]()
            office = form.cleaned_data["office"]
            queryset = ServiceResource(office=office).get_queryset()
            request._spreadsheet_office = office
            return self._do_file_export(file_format, request, queryset, export_form=form)
        context = self.admin_site.each_context(request)
        context.update(
            {
                "title": _("Export services to a spreadsheet"),
                "form": form,
                "opts": self.model._meta,
                "headers": HEADERS,
            }
        )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.export_template_name], context)

    def get_export_resource_kwargs(self, request, **kwargs):
        return {"office": getattr(request, "_spreadsheet_office", None)}

    def get_data_for_export(self, request, queryset, **kwargs):
        resource = ServiceResource(office=getattr(request, "_spreadsheet_office", None))
        return resource.export(queryset=queryset, **kwargs)

    def get_export_filename(self, request, queryset, file_format):
        office = getattr(request, "_spreadsheet_office", None)
        label = getattr(office, "slug", "") or (f"office-{office.pk}" if office else "office")
        return f"services-{label}.{file_format.get_extension()}"
