"""axe-core finds nothing on any public page, and what axe cannot check is checked here."""

import pytest
from playwright.sync_api import expect

from tests.helpers import LANGUAGES, PUBLIC_PAGES

from .conftest import axe_violations

pytestmark = pytest.mark.browser

NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


# One test per language walks every page, so a run reports all the pages that fail at once.
@pytest.mark.parametrize("lang", LANGUAGES)
def test_axe_finds_no_violations_on_any_public_page(site, axe_page, lang):
    found = {}
    for path in PUBLIC_PAGES:
        url = site + path.format(lang=lang)
        response = axe_page.goto(url)
        assert response.status == 200, url
        assert axe_page.locator("html").get_attribute("lang") == lang, url
        if violations := axe_violations(axe_page):
            found[url] = violations
    assert found == {}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_axe_finds_no_violations_on_the_complaint_form_showing_its_errors(site, axe_page, lang):
    axe_page.goto(f"{site}/{lang}/complaints/new/")
    axe_page.locator("form.grs-form button[type=submit]").click()
    expect(axe_page.locator(".error-summary")).to_be_visible()
    assert axe_violations(axe_page) == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_axe_finds_no_violations_on_the_tracking_page_showing_its_errors(site, axe_page, lang):
    axe_page.goto(f"{site}/{lang}/complaints/track/")
    axe_page.locator("main form button[type=submit]").click()
    expect(axe_page.locator(".error-summary, .error").first).to_be_visible()
    assert axe_violations(axe_page) == []


def test_form_errors_are_announced_next_to_their_fields(site, axe_page):
    axe_page.goto(f"{site}/bn/complaints/new/")
    axe_page.locator("form.grs-form button[type=submit]").click()
    expect(axe_page.get_by_role("alert")).to_be_visible()
    unexplained = axe_page.evaluate(
        """() => [...document.querySelectorAll('[aria-invalid="true"]')].filter(field => {
            const ids = (field.getAttribute('aria-describedby') || '').split(/\\s+/);
            return !ids.some(id => {
                const note = id && document.getElementById(id);
                return note && note.classList.contains('error') && note.textContent.trim();
            });
        }).map(field => field.name)"""
    )
    assert axe_page.locator('[aria-invalid="true"]').count() >= 1
    assert unexplained == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_horizontal_scroll_at_360_px(site, make_page, lang):
    page = make_page(viewport={"width": 360, "height": 740}, device_scale_factor=2)
    too_wide = {}
    for path in PUBLIC_PAGES:
        page.goto(site + path.format(lang=lang))
        if not page.evaluate(NO_HORIZONTAL_SCROLL):
            too_wide[path] = page.evaluate("document.documentElement.scrollWidth")
    assert too_wide == {}


@pytest.mark.parametrize("path", ["/{lang}/", "/{lang}/services/", "/{lang}/complaints/new/"])
def test_usable_at_200_percent_zoom(site, make_page, path):
    # 200 % zoom on a 1280 px screen lays the page out in 640 CSS pixels at twice the density.
    page = make_page(viewport={"width": 640, "height": 450}, device_scale_factor=2)
    page.goto(site + path.format(lang="bn"))
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    # Nothing is cut off: the main navigation's links are all on screen, none overlaps the next.
    boxes = [link.bounding_box() for link in page.locator(".main-nav a").all()]
    assert all(box and box["x"] >= 0 and box["x"] + box["width"] <= 640 for box in boxes)


def test_skip_link_is_first_visible_on_focus_and_moves_to_main(site, make_page):
    page = make_page(viewport={"width": 360, "height": 740})
    page.goto(f"{site}/bn/services/")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0 and box["width"] > 0
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{site}/bn/services/#main")
    expect(page.locator("main")).to_be_focused()


def test_focus_is_visible_on_every_kind_of_control(site, make_page):
    page = make_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{site}/bn/services/")
    seen = set()
    for _ in range(14):
        page.keyboard.press("Tab")
        style = page.evaluate(
            """() => { const el = document.activeElement, s = getComputedStyle(el);
                return {tag: el.tagName, outline: s.outlineStyle, width: parseFloat(s.outlineWidth),
                        shadow: s.boxShadow}; }"""
        )
        assert style["outline"] != "none" and style["width"] >= 2, style
        seen.add(style["tag"])
    assert {"A", "INPUT", "BUTTON"} <= seen


@pytest.mark.parametrize("path", ["/{lang}/services/", "/{lang}/grs/", "/{lang}/charter/print/"])
def test_every_table_cell_is_tied_to_its_column_header(site, make_page, path):
    page = make_page()
    page.goto(site + path.format(lang="bn"))
    # A cell is tied by headers="..." naming column headers, or else by sitting in a simple
    # table whose every column has a <th scope="col">.
    orphans = page.evaluate(
        """() => [...document.querySelectorAll('table tbody tr')].flatMap(row => {
            const table = row.closest('table');
            const columns = table.querySelectorAll('thead th[scope="col"]').length;
            return [...row.cells].filter(cell => {
                if (cell.colSpan > 1) return false;
                const ids = (cell.getAttribute('headers') || '').split(/\\s+/).filter(Boolean);
                if (!ids.length) return columns !== row.cells.length;
                return !ids.every(id => {
                    const header = table.querySelector('#' + CSS.escape(id));
                    return header && header.tagName === 'TH' && header.scope === 'col';
                });
            }).map(cell => table.className + ': ' + cell.textContent.trim().slice(0, 30));
        })"""
    )
    assert orphans == []
