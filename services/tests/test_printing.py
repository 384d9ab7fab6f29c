"""The printed charter and its QR code. The QR code is read back by an independent decoder
(zxing-cpp) from a picture drawn from the SVG's own path, so what is checked is what a phone
would scan; the print stylesheet's effect is checked in Chromium (tests/browser/test_print_css.py).
"""

import re
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from django.test import override_settings
from django.utils import translation
from PIL import Image, ImageColor, ImageDraw

from services.models import Service
from services.printing import complaint_form_url, qr_code_svg

PATH_COMMAND = re.compile(r"([A-Za-z])([^A-Za-z]*)")
NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)")
PIXELS_PER_MODULE = 8
QUIET_ZONE = 4  # modules of white paper around the code, as the QR standard asks


def _qr_picture(svg: str) -> Image.Image:
    """Draw the SVG's QR code on white paper: its paths are stroked lines one module wide
    (``M``/``m`` move, ``h``/``H`` and ``v``/``V`` draw) in their stroke colour, the way segno
    writes them; a path without a stroke draws nothing, as in a browser; anything else fails."""
    root = ET.fromstring(svg)
    left, top, width, height = (float(n) for n in root.get("viewBox").split())
    size = (
        round((width + 2 * QUIET_ZONE) * PIXELS_PER_MODULE),
        round((height + 2 * QUIET_ZONE) * PIXELS_PER_MODULE),
    )
    picture = Image.new("L", size, 255)
    draw = ImageDraw.Draw(picture)

    def box(x0, y0, x1, y1, colour):
        def px(value, origin):
            return round((value - origin + QUIET_ZONE) * PIXELS_PER_MODULE)

        draw.rectangle(
            [
                px(min(x0, x1), left),
                px(min(y0, y1), top),
                px(max(x0, x1), left) - 1,
                px(max(y0, y1), top) - 1,
            ],
            fill=colour,
        )

    paths = list(root.iter("path"))
    assert paths, "no path in the SVG"
    for path in paths:
        assert path.get("transform") is None and path.get("stroke-width", "1") == "1"
        if path.get("stroke", "none") == "none":
            continue
        colour = ImageColor.getcolor(path.get("stroke"), "L")
        x = y = 0.0
        for command, arguments in PATH_COMMAND.findall(path.get("d")):
            numbers = [float(n) for n in NUMBER.findall(arguments)]
            if command == "M":
                x, y = numbers
            elif command == "m":
                x, y = x + numbers[0], y + numbers[1]
            elif command in "hH":
                (length,) = numbers
                end = x + length if command == "h" else length
                box(x, y - 0.5, end, y + 0.5, colour)  # a line one module thick, centred on y
                x = end
            elif command in "vV":
                (length,) = numbers
                end = y + length if command == "v" else length
                box(x - 0.5, y, x + 0.5, end, colour)
                y = end
            else:
                raise AssertionError(f"path command {command!r} is not drawn by this test")
    return picture


def _decode(svg: str) -> list[zxingcpp.Barcode]:
    return zxingcpp.read_barcodes(_qr_picture(svg), formats=zxingcpp.BarcodeFormat.QRCode)


def _qr_of_page(html: str) -> str:
    found = re.findall(r'<svg role="img" [^>]*class="qr"[^>]*>.*?</svg>', html, re.S)
    assert len(found) == 1, found
    return found[0]


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


def test_qr_code_encodes_the_given_address_with_medium_error_correction():
    svg = str(qr_code_svg(data="https://kaunia.example.gov.bd/bn/complaints/new/", title="QR"))
    (code,) = _decode(svg)
    assert code.text == "https://kaunia.example.gov.bd/bn/complaints/new/"
    assert code.ec_level == "M"


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_the_print_pages_qr_code_opens_the_complaint_form_at_the_default_site_url(
    client, charter, settings, lang
):
    settings.SITE_URL = "http://127.0.0.1:8000"  # base.py's default, whatever the shell says
    html = client.get(f"/{lang}/charter/print/").content.decode()
    (code,) = _decode(_qr_of_page(html))
    assert code.text == f"http://127.0.0.1:8000/{lang}/complaints/new/"


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
    (code,) = _decode(_qr_of_page(html))
    assert code.text == f"https://kaunia.example.gov.bd/{lang}/complaints/new/"


def test_print_page_uses_the_print_stylesheet_and_no_script(client, charter):
    html = client.get("/bn/charter/print/").content.decode()
    assert "css/print.css" in html
    assert "<script" not in html
