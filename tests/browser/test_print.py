"""The printed charter: Chromium prints it to PDF, pypdf reads the PDF back."""

import html
import io
import re
import unicodedata

import pytest
from pypdf import PdfReader

from services.models import Service

pytestmark = pytest.mark.browser

A4_LANDSCAPE_POINTS = (842, 595)
MAX_PAGES = 8


def _compact(text: str) -> str:
    # NFKC undoes the ligatures the PDF's fonts use (ﬁ → fi); line breaks fall anywhere.
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _pdf_text(pdf: bytes) -> tuple[int, list[tuple[float, float]], str]:
    reader = PdfReader(io.BytesIO(pdf))
    sizes = [(float(page.mediabox.width), float(page.mediabox.height)) for page in reader.pages]
    return len(reader.pages), sizes, "".join(page.extract_text() for page in reader.pages)


def _print_charter(page, url: str) -> bytes:
    page.goto(url)
    return page.pdf(format="A4", landscape=True, print_background=True)


def test_printed_english_charter_has_every_service_name_on_a_few_a4_landscape_pages(site, page):
    pages, sizes, text = _pdf_text(_print_charter(page, f"{site}/en/charter/print/"))
    assert 1 <= pages <= MAX_PAGES
    assert all(
        abs(width - A4_LANDSCAPE_POINTS[0]) < 2 and abs(height - A4_LANDSCAPE_POINTS[1]) < 2
        for width, height in sizes
    )
    printed = _compact(text)
    missing = [
        service.name_en
        for service in Service.objects.published()
        if _compact(service.name_en) not in printed
    ]
    assert missing == []
    assert _compact("/en/complaints/new/") in printed


def test_printed_bangla_charter_has_every_service_name(site, page, browser):
    """pypdf reads Bangla from Chromium's PDFs glyph by glyph: vowel signs come out in visual
    order and some conjuncts are lost, so a Bangla name never matches its Unicode text.
    Instead, each name is printed alone by the same Chromium and read back by the same pypdf;
    that glyph string must be in the printed charter."""
    pages, _sizes, text = _pdf_text(_print_charter(page, f"{site}/bn/charter/print/"))
    assert 1 <= pages <= MAX_PAGES
    printed = _compact(text)

    services = list(Service.objects.published())
    names = "".join(f"<p>{html.escape(service.name_bn)}</p>" for service in services)
    reference = browser.new_page()
    try:
        # The print page's stylesheet and language, so the same fonts shape the same glyphs.
        reference.set_content(
            f'<html lang="bn"><head><link rel="stylesheet" href="{site}/static/css/print.css">'
            "<style>p { break-after: page; font-weight: 700; }"
            " @page { @bottom-right { content: none; } }</style>"
            f"</head><body>{names}</body></html>"
        )
        reference_pdf = PdfReader(io.BytesIO(reference.pdf(format="A4", landscape=True)))
    finally:
        reference.close()
    assert len(reference_pdf.pages) == len(services)
    missing = [
        service.name_bn
        for service, name_page in zip(services, reference_pdf.pages, strict=True)
        if _compact(name_page.extract_text()) not in printed
    ]
    assert missing == []
