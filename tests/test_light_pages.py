"""Pages light enough for a cheap phone on slow mobile data: a size budget, no JavaScript."""

import gzip
import re

import pytest
from django.contrib.staticfiles import finders

from tests.helpers import PUBLIC_PAGES

# The services page is the heaviest public page: all three tables, every officer's contacts.
BUDGET_BYTES = 40 * 1024


STYLESHEET = re.compile(r'<link rel="stylesheet" href="/static/([^"]+)">')


def _stylesheets(html: str) -> list[str]:
    return [finders.find(path) for path in STYLESHEET.findall(html)]


def _gzipped_size(path: str) -> int:
    with open(path, "rb") as css:
        # WhiteNoise serves a pre-compressed copy at gzip's highest level.
        return len(gzip.compress(css.read(), compresslevel=9))


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_services_page_with_its_css_transfers_at_most_40_kb_gzipped(client, charter, lang):
    response = client.get(f"/{lang}/services/", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    html = gzip.decompress(response.content).decode()
    stylesheets = _stylesheets(html)
    assert stylesheets and None not in stylesheets
    total = len(response.content) + sum(_gzipped_size(path) for path in stylesheets)
    assert total <= BUDGET_BYTES, f"{total} bytes gzipped, over the {BUDGET_BYTES}-byte budget"


@pytest.mark.parametrize("page", PUBLIC_PAGES)
@pytest.mark.parametrize("lang", ["bn", "en"])
def test_public_page_has_no_javascript(client, charter, page, lang):
    response = client.get(page.format(lang=lang))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script" not in html.lower()
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"
    assert "javascript:" not in html.lower()


# No web font is downloaded and Bangla is drawn in the installed Noto Sans Bengali:
# tests/browser/test_fonts_and_charts.py checks what Chromium requests and draws.
