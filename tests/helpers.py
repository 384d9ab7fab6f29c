"""Helpers the tests share: moments on the office's clock, a valid complaint, files.

Fixtures live in the root ``conftest.py``; plain functions and constants live here.
"""

import datetime
import io
import zoneinfo
from pathlib import Path

from django.urls import reverse
from django.utils import translation
from PIL import Image
from pypdf import PdfWriter

DHAKA = zoneinfo.ZoneInfo("Asia/Dhaka")


def at(year, month, day, hour=10, minute=0) -> datetime.datetime:
    """A moment in Asia/Dhaka, as the office's clock shows it."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=DHAKA)


# The complaint form, filled in as a citizen would.
VALID = {
    "complaint_type": "citizen",
    "subject": "No reply to my application",
    "description": "Nobody answered for a month.",
    "name": "Rahima Begum",
    "id_type": "nid",
    "id_number": "1234567890",
    "permanent_address": "Haragach, Kaunia",
    "present_address": "Haragach, Kaunia",
    "mobile": "01712345678",
    "email": "rahima@example.com",
    "service": "",
    "other_service": "Training",
    # Annex খ-১ asks for these too, and the declaration.
    "remedy_sought": "An answer to my application.",
    "prevention": "Answer applications within the charter's time limit.",
    "declaration": "on",
}


def url(name: str, language: str, **kwargs) -> str:
    with translation.override(language):
        return reverse(name, kwargs=kwargs)


def stored(private_root: Path) -> tuple[int, ...]:
    """How many complaints, attachments, timeline entries, messages and files exist."""
    from grievances.models import Attachment, Grievance, OutboxMessage, TimelineEntry

    files = [p for p in private_root.rglob("*") if p.is_file()] if private_root.exists() else []
    return (
        Grievance.objects.count(),
        Attachment.objects.count(),
        TimelineEntry.objects.count(),
        OutboxMessage.objects.count(),
        len(files),
    )


def image_bytes(fmt="JPEG", size=(40, 30), mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, 128).save(out, format=fmt)
    return out.getvalue()


def _one_page_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)  # A4 in points
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# A real one-page PDF: uploads are rewritten with pypdf, which refuses a file it cannot read.
PDF = _one_page_pdf()


# The public pages every page check visits, in both languages.
LANGUAGES = ["bn", "en"]

CHARTER_PAGES = [
    "/{lang}/",
    "/{lang}/services/",
    "/{lang}/services/citizen/",
    "/{lang}/services/institutional/",
    "/{lang}/services/internal/",
    "/{lang}/services/citizen/1/",
    "/{lang}/services/institutional/10/",
    "/{lang}/services/search/",
    "/{lang}/services/search/?q=ICT",
    "/{lang}/services/search/?q=passport",
    "/{lang}/expectations/",
    "/{lang}/grs/",
    "/{lang}/charter/print/",
]

COMPLAINT_PAGES = [
    "/{lang}/complaints/new/",
    "/{lang}/complaints/track/",
]

PUBLIC_PAGES = CHARTER_PAGES + COMPLAINT_PAGES
