"""What Chromium draws with: the Bangla text in the installed Noto Sans Bengali (no web font is
downloaded, no stylesheet imported), and the GRS page's charts in the site's colours and font.

Computed styles need JavaScript in the page (``page.evaluate``); the pages themselves use none.
"""

import pytest

pytestmark = pytest.mark.browser

BANGLA_FONT = "Noto Sans Bengali"
FLAG_GREEN = "rgb(0, 106, 78)"  # #006a4e, the green of the flag, the site's colour
BLACK = "rgb(0, 0, 0)"  # what an SVG shape is filled with when no stylesheet reaches it


def _js_page(make_page):
    return make_page(viewport={"width": 360, "height": 740}, java_script_enabled=True)


def _platform_fonts(page, selector: str) -> dict[str, dict]:
    """The fonts Chromium really drew the element's text with, by family (DevTools protocol)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    assert node, f"no {selector} on {page.url}"
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    cdp.detach()
    return {font["familyName"]: font for font in fonts}


@pytest.mark.parametrize(
    ("path", "selectors"),
    [
        ("/bn/services/", ["h1", "main table th"]),
        ("/bn/complaints/new/", ["h1", "main p", "label"]),
    ],
)
def test_bangla_text_is_drawn_in_the_installed_noto_font_and_no_font_is_downloaded(
    site, make_page, path, selectors
):
    page = _js_page(make_page)
    requests = []
    page.on("request", lambda request: requests.append(request))
    page.goto(f"{site}{path}")

    assert [r.url for r in requests if r.resource_type == "font"] == []
    # Only the stylesheets the page links: none imports another.
    linked = page.eval_on_selector_all(
        'link[rel="stylesheet"]', "links => links.map(link => link.href)"
    )
    assert linked
    assert sorted(r.url for r in requests if r.resource_type == "stylesheet") == sorted(linked)

    family = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert family.split(",")[0].strip().strip('"') == BANGLA_FONT
    for selector in selectors:
        fonts = _platform_fonts(page, selector)
        assert fonts.get(BANGLA_FONT, {}).get("glyphCount", 0) > 0, (selector, fonts)
        assert not any(font["isCustomFont"] for font in fonts.values()), (selector, fonts)


def test_the_grs_charts_are_drawn_in_the_site_colours_and_the_bangla_font(site, make_page):
    page = _js_page(make_page)
    page.goto(f"{site}/bn/grs/")

    def computed(selector: str, prop: str) -> set[str]:
        return set(
            page.eval_on_selector_all(
                selector, f"nodes => nodes.map(node => getComputedStyle(node).{prop})"
            )
        )

    assert page.locator("svg.chart-svg").count() == 2
    assert computed(".chart-svg .chart-received", "fill") == {FLAG_GREEN}
    disposed = computed(".chart-svg .chart-disposed", "fill")
    assert len(disposed) == 1 and disposed.isdisjoint({FLAG_GREEN, BLACK})
    grid = computed(".chart-svg .chart-grid", "stroke")
    assert grid and grid.isdisjoint({BLACK, "none"})
    # The axis labels (Bangla month names and digits) in the page's font, not the SVG default.
    labels = computed(".chart-svg .chart-tick", "fontFamily")
    assert labels and all(f.split(",")[0].strip().strip('"') == BANGLA_FONT for f in labels)
    assert _platform_fonts(page, ".chart-svg .chart-tick").get(BANGLA_FONT)


@pytest.mark.parametrize("path", ["/bn/complaints/new/", "/bn/complaints/track/", "/bn/services/"])
def test_what_a_citizen_types_is_shown_in_the_page_font(site, make_page, path):
    page = _js_page(make_page)
    page.goto(f"{site}{path}")
    families = page.eval_on_selector_all(
        "main input:not([type=hidden]), main select, main textarea, main button",
        "fields => fields.map(field => getComputedStyle(field).fontFamily)",
    )
    assert families
    body = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert set(families) == {body}
