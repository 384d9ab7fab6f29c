"""The charter as data: JSON with both languages, and each service table as CSV."""

import csv
import io

from django.conf import settings
from django.utils import translation

from core.text import spreadsheet_safe

from .charter import last_updated, published_services
from .models import Charter, Officer, Service

LANGUAGES = [code for code, _name in settings.LANGUAGES]

CSV_COLUMNS = [
    ("serial", "No."),
    ("name", "Service"),
    ("delivery_method", "How it is delivered"),
    ("required_documents", "Documents needed"),
    ("documents_source", "Where to get the documents"),
    ("fee_text", "Fee"),
    ("fee_payment_method", "How to pay"),
    ("time_limit_text", "Time limit"),
    ("responsible_officer", "Responsible officer"),
    ("superior_officer", "Superior officer"),
]


def _both(obj, field: str) -> dict[str, str]:
    return {language: getattr(obj, f"{field}_{language}") or "" for language in LANGUAGES}


def _officer(officer: Officer) -> dict:
    return {
        "designation": _both(officer, "designation"),
        "name": _both(officer, "name"),
        "office_code": _both(officer, "office_code"),
        "phone": officer.phone,
        "email": officer.email,
    }


def service_as_data(service: Service, *, office_prefix: str = "") -> dict:
    """``office_prefix``: ``offices/<slug>/`` for an office's own addresses
    (``offices.office_prefix``), empty for the default office's."""
    path = f"{office_prefix}services/{service.category}/{service.serial}"
    return {
        "category": service.category,
        "serial": service.serial,
        "name": _both(service, "name"),
        "delivery_method": _both(service, "delivery_method"),
        "required_documents": _both(service, "required_documents"),
        "documents_source": _both(service, "documents_source"),
        "fee": {
            "kind": service.fee_kind,
            "amount_taka": str(service.fee_amount) if service.fee_amount is not None else None,
            "payment_method": _both(service, "fee_payment_method"),
            "text": _both(service, "fee_text"),
        },
        "time_limit": {
            "kind": service.time_limit_kind,
            "working_days": service.time_limit_working_days,
            "text": _both(service, "time_limit_text"),
        },
        "responsible_officer": _officer(service.responsible_officer),
        "superior_officer": _officer(service.superior_officer),
        "url": {language: f"{settings.SITE_URL}/{language}/{path}/" for language in LANGUAGES},
    }


def charter_as_data(charter: Charter, *, office_prefix: str = "") -> dict:
    office = charter.office
    services = list(published_services(charter))
    return {
        "government": _both(charter, "government"),
        "office": {
            "name": _both(office, "name"),
            "address": _both(office, "address"),
            "phone": office.phone,
            "email": office.email,
            "website": office.website,
            "parents": [
                _both(parent, "name")
                for parent in (office.parent, office.parent.parent if office.parent else None)
                if parent
            ],
        },
        "title": _both(charter, "title"),
        "vision": _both(charter, "vision"),
        "mission": _both(charter, "mission"),
        "services": {
            category: [
                service_as_data(s, office_prefix=office_prefix)
                for s in services
                if s.category == category
            ]
            for category in Service.Category.values
        },
        "expectations": [_both(e, "text") for e in charter.expectations.all()],
        "grs_tiers": [
            {
                "tier": tier.level,
                "when_to_contact": _both(tier, "when_to_contact"),
                "contact_role": _both(tier, "contact_role"),
                "contact_address": _both(tier, "contact_address"),
                "time_limit_working_days": tier.time_limit_working_days,
            }
            for tier in charter.grs_tiers.all()
        ],
        "issued_on": charter.issued_on.isoformat(),
        "last_updated": last_updated(charter).isoformat(),
        "signatory": _officer(charter.signatory),
    }


def _officer_text(officer: Officer) -> str:
    parts = [officer.name, officer.designation, officer.office_code, officer.phone, officer.email]
    return ", ".join(part for part in parts if part)


def service_table_csv(*, charter: Charter, category: str, language: str) -> str:
    """One service table in the page's language; a BOM so spreadsheets read it as UTF-8.

    Every cell goes through ``spreadsheet_safe``: the charter's text is typed in admin, and
    a service named "=HYPERLINK(...)" must not become a live formula on a citizen's screen.
    """
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    with translation.override(language):
        header = [str(translation.gettext(label)) for _field, label in CSV_COLUMNS]
        writer.writerow([spreadsheet_safe(cell) for cell in header])
        for service in published_services(charter).for_category(category):
            row = []
            for field, _label in CSV_COLUMNS:
                value = getattr(service, field)
                value = _officer_text(value) if isinstance(value, Officer) else value
                row.append(spreadsheet_safe(value))
            writer.writerow(row)
    return out.getvalue()
