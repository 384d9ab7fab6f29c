"""A citizen on a 360 px phone with JavaScript off finds an office in the directory, reads
Kaunia's charter at its own address and an unpublished office's honest page."""

import re

import pytest
from playwright.sync_api import expect

from services.models import Office, Service
from services.tests.network import load_network

from .conftest import axe_violations

pytestmark = pytest.mark.browser

NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"
OFFICE_PAGES = [
    "/{lang}/offices/",
    "/{lang}/offices/?q=rangpur",
    "/{lang}/offices/kaunia/",
    "/{lang}/offices/kaunia/services/",
    "/{lang}/offices/kaunia/complaints/new/",
    "/{lang}/offices/rangpur/",
    "/{lang}/offices/rangpur/complaints/new/",
]


@pytest.fixture
def network_site(site):
    load_network()
    return site


def test_citizen_finds_kaunia_in_the_directory_and_stays_in_its_pages(network_site, page):
    site = network_site
    kaunia = Office.objects.get(slug="kaunia")
    page.goto(f"{site}/bn/offices/")
    main = page.locator("main")
    expect(main.get_by_role("link", name=kaunia.name_bn)).to_be_visible()
    page.get_by_role("searchbox").fill("কাউনি\u09dfা")  # precomposed য়, as some keyboards type it
    page.get_by_role("searchbox").press("Enter")
    expect(page).to_have_url(re.compile(r".*/bn/offices/\?q="))
    assert main.locator("li").count() == 1
    main.get_by_role("link", name=kaunia.name_bn).click()
    expect(page).to_have_url(f"{site}/bn/offices/kaunia/")

    page.locator(".main-nav a").nth(1).click()
    expect(page).to_have_url(f"{site}/bn/offices/kaunia/services/")
    union = Service.objects.get(category="citizen", serial=4)
    page.get_by_role("link", name=union.name_bn).click()
    expect(page).to_have_url(f"{site}/bn/offices/kaunia/services/citizen/4/")
    page.locator(".office-name a").click()  # the header's office name: its home
    expect(page).to_have_url(f"{site}/bn/offices/kaunia/")


def test_an_unpublished_office_says_so_and_shows_no_table(network_site, page):
    page.goto(f"{network_site}/en/offices/rangpur/")
    main = page.locator("main")
    expect(main).to_contain_text("Citizen's charter not yet published")
    expect(main).to_contain_text("doict.rangpur@gmail.com")
    assert page.locator("table").count() == 0
    assert page.locator(".main-nav a").count() == 1  # no services, no complaint form
    page.get_by_role("link", name="All offices").click()
    expect(page).to_have_url(f"{network_site}/en/offices/")


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_office_pages_fit_a_360_px_phone(network_site, make_page, lang):
    page = make_page(viewport={"width": 360, "height": 740}, device_scale_factor=2)
    too_wide = {}
    for path in OFFICE_PAGES:
        response = page.goto(network_site + path.format(lang=lang))
        assert response.status == 200, path
        if not page.evaluate(NO_HORIZONTAL_SCROLL):
            too_wide[path] = page.evaluate("document.documentElement.scrollWidth")
    assert too_wide == {}


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_axe_finds_no_violations_on_the_office_pages(network_site, axe_page, lang):
    found = {}
    for path in OFFICE_PAGES:
        url = network_site + path.format(lang=lang)
        assert axe_page.goto(url).status == 200, url
        if violations := axe_violations(axe_page):
            found[url] = violations
    assert found == {}
