"""A citizen browses the charter in Bangla on a phone, switches to English, opens a service."""

import re

import pytest
from playwright.sync_api import expect

from services.models import Service

pytestmark = pytest.mark.browser


def test_citizen_browses_services_in_bangla_switches_to_english_and_opens_a_service(site, page):
    page.goto(f"{site}/")
    expect(page).to_have_url(f"{site}/bn/")
    assert page.locator("html").get_attribute("lang") == "bn"

    page.locator(".main-nav a").nth(1).click()
    expect(page).to_have_url(f"{site}/bn/services/")
    union = Service.objects.get(category="citizen", serial=4)
    assert page.get_by_role("link", name=union.name_bn).is_visible()

    page.locator(".lang a").click()
    expect(page).to_have_url(f"{site}/en/services/")
    assert page.locator("html").get_attribute("lang") == "en"

    page.get_by_role("link", name=union.name_en).click()
    expect(page).to_have_url(f"{site}/en/services/citizen/4/")
    assert page.get_by_role("heading", level=1).inner_text() == union.name_en
    assert union.responsible_officer.designation_en in page.locator("main").inner_text()


def test_english_choice_is_remembered_at_the_root(site, page):
    page.goto(f"{site}/bn/grs/")
    page.locator(".lang a").click()
    expect(page).to_have_url(f"{site}/en/grs/")
    page.goto(f"{site}/")
    expect(page).to_have_url(f"{site}/en/")


def test_citizen_finds_a_service_by_a_word_without_javascript(site, page):
    page.goto(f"{site}/bn/services/")
    page.get_by_role("searchbox").fill("ইউনি\u09dfন")  # precomposed য়, as some keyboards type it
    page.get_by_role("searchbox").press("Enter")
    expect(page).to_have_url(re.compile(r".*/bn/services/search/\?q="))
    union = Service.objects.get(category="citizen", serial=4)
    page.get_by_role("link", name=union.name_bn).click()
    expect(page).to_have_url(f"{site}/bn/services/citizen/4/")


def test_a_search_that_finds_nothing_offers_the_three_tables(site, page):
    page.goto(f"{site}/en/services/search/?q=passport")
    assert "passport" in page.get_by_role("heading", level=2).inner_text()
    page.get_by_role("link", name="Internal services").click()
    expect(page).to_have_url(f"{site}/en/services/internal/")
