import re

import pytest
import segno
from django.test import override_settings
from django.utils import translation

from services.models import Service
from services.printing import complaint_form_url, qr_code_svg


@override_settings(SITE_URL="https://kaunia.example.gov.bd/")
@pytest.mark.parametrize("lang", ["bn", "en"])
def test_complaint_form_url_is_absolute_and_in_the_pages_language(lang):
    with translation.override(lang):
        assert complaint_form_url() == f"https://kaunia.example.gov.bd/{lang}/complaints/new/"


def test_qr_code_is_an_inline_svg_image_with_a_title():
    svg = str(qr_code_svg(data="https://kaunia.example.gov.bd/bn/complaints/new/", title="A & B"))
    assert svg.startswith('<svg role="img" viewBox=')
    assert "<title>A &amp; B</title>" in svg
    assert "<?xml" not in svg and "xmlns" not in svg


def test_qr_code_encodes_the_given_address():
    url = "https://kaunia.example.gov.bd/bn/complaints/new/"
    expected = segno.make(url, error="m").svg_inline(border=2, omitsize=True, lineclass=None)
    path = re.search(r' d="([^"]+)"', expected).group(1)
    assert path in str(qr_code_svg(data=url, title="QR"))


@override_settings(SITE_URL="https://kaunia.example.gov.bd")
@pytest.mark.parametrize("lang", ["bn", "en"])
def test_print_page_has_the_whole_charter_in_official_order(client, charter, lang):
    response = client.get(f"/{lang}/charter/print/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{lang}">' in html
    with translation.override(lang):
        markers = [
            charter.government,
            charter.vision,
            charter.mission,
            *[service.name for service in Service.objects.filter(category="citizen")],
            *[service.name for service in Service.objects.filter(category="institutional")],
            *[service.name for service in Service.objects.filter(category="internal")],
            *[expectation.text for expectation in charter.expectations.all()],
            *[tier.contact_role for tier in charter.grs_tiers.all()],
        ]
        signature = f"{charter.signatory.designation}<br>{charter.office.name}"
    positions = [html.find(str(marker).replace("'", "&#x27;")) for marker in markers]
    assert -1 not in positions, [m for m, p in zip(markers, positions, strict=True) if p == -1]
    assert positions == sorted(positions)
    assert html.find(signature) > positions[-1]
    assert f"https://kaunia.example.gov.bd/{lang}/complaints/new/" in html
    assert '<svg role="img"' in html


def test_print_page_uses_the_print_stylesheet_and_no_script(client, charter):
    html = client.get("/bn/charter/print/").content.decode()
    assert "css/print.css" in html
    assert "<script" not in html


def test_print_stylesheet_sets_a4_landscape_and_repeats_table_headers():
    from django.contrib.staticfiles import finders

    css = open(finders.find("css/print.css"), encoding="utf-8").read()
    assert re.search(r"@page\s*{[^}]*size:\s*A4 landscape", css)
    assert "thead { display: table-header-group; }" in css
    assert "tr { break-inside: avoid; }" in css
