import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from services.models import Service
from tests.helpers import CHARTER_PAGES


@pytest.mark.parametrize("page", CHARTER_PAGES)
@pytest.mark.parametrize("lang", ["bn", "en"])
def test_public_page_answers_in_its_language(client, charter, page, lang):
    response = client.get(page.format(lang=lang))
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in response.content.decode()


def test_root_redirects_to_bangla(client, charter):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/bn/"


def test_root_redirects_to_english_for_a_visitor_who_chose_it(client, charter):
    client.cookies["django_language"] = "en"
    assert client.get("/")["Location"] == "/en/"


def test_home_shows_office_header_vision_and_mission(client, charter):
    bn = client.get("/bn/").content.decode()
    assert "গণপ্রজাতন্ত্রী বাংলাদেশ সরকার" in bn
    assert "তথ্য ও যোগাযোগ প্রযুক্তি অধিদপ্তর" in bn
    assert "উপজেলা কার্যালয়, কাউনিয়া, রংপুর" in bn
    assert charter.vision_bn in bn
    en = client.get("/en/").content.decode()
    assert "Government of the People&#x27;s Republic of Bangladesh" in en
    assert escape(charter.vision_en) in en


@pytest.mark.parametrize(
    ("category", "serial", "bn_name"),
    [
        ("citizen", 5, "সাইবার নিরাপত্তা বিষয়ে সচেতনতা বৃদ্ধির লক্ষ্যে প্রয়োজনীয় পরামর্শ প্রদান"),
        ("institutional", 10, "আইসিটি ডি ল্যাব"),
        ("internal", 2, "বার্ষিক কর্ম সম্পাদন চুক্তি"),
    ],
)
def test_service_pages_show_named_services_in_both_languages(
    client, charter, category, serial, bn_name
):
    service = Service.objects.get(category=category, serial=serial)
    assert bn_name in service.name_bn
    for page in [
        f"/{{lang}}/services/{category}/",
        "/{lang}/services/",
        f"/{{lang}}/services/{category}/{serial}/",
    ]:
        bn = client.get(page.format(lang="bn")).content.decode()
        en = client.get(page.format(lang="en")).content.decode()
        assert service.name_bn in bn
        assert service.name_en in en
        assert service.name_bn not in en


def test_service_table_keeps_the_charters_numbering_in_bangla_digits(client, charter):
    page = client.get("/bn/services/institutional/").content.decode()
    assert 'data-label="' in page
    for digit in ["১", "২", "১০"]:
        assert f">{digit}</td>" in page
    english = client.get("/en/services/institutional/").content.decode()
    assert ">10</td>" in english


def test_bangla_pages_show_bangla_digits_for_phones_and_dates(client, charter):
    bn = client.get("/bn/services/citizen/1/").content.decode()
    assert "০২৫৮৯৯৭৮২২৯" in bn
    assert "২০২৪" in bn
    assert "02589978229</a>" not in bn
    en = client.get("/en/services/citizen/1/").content.decode()
    assert "02589978229</a>" in en
    assert "December 2024" in en


def test_grs_page_shows_the_three_tiers(client, charter):
    bn = client.get("/bn/grs/").content.decode()
    for tier in charter.grs_tiers.all():
        assert tier.contact_role_bn in bn
    assert "৩০" in bn and "৬০" in bn
    en = client.get("/en/grs/").content.decode()
    assert "30 working days" in en
    assert "Appeal officer" in en or "appeal officer" in en.lower()


def test_expectations_page_lists_all_five(client, charter):
    bn = client.get("/bn/expectations/").content.decode()
    for expectation in charter.expectations.all():
        assert expectation.text_bn in bn


def test_language_switch_keeps_the_page_and_remembers_the_choice(client, charter):
    page = client.get("/bn/services/citizen/2/").content.decode()
    switch = "/lang/en/?next=/bn/services/citizen/2/"
    assert f'href="{switch}"' in page
    response = client.get(switch)
    assert response.status_code == 302
    assert response["Location"] == "/en/services/citizen/2/"
    assert response.cookies["django_language"].value == "en"
    assert client.get("/")["Location"] == "/en/"


@pytest.mark.parametrize(
    ("browser_language", "switch", "expected"),
    [
        ("en-US,en;q=0.9", "/lang/en/?next=/bn/services/", "/en/services/"),
        ("bn-BD,bn;q=0.9", "/lang/bn/?next=/en/grs/", "/bn/grs/"),
    ],
)
def test_language_switch_works_whatever_language_the_browser_asks_for(
    client, charter, browser_language, switch, expected
):
    response = client.get(switch, HTTP_ACCEPT_LANGUAGE=browser_language)
    assert response["Location"] == expected


def test_language_switch_refuses_to_leave_the_site(client, charter):
    response = client.get("/lang/en/?next=https://evil.example/")
    assert response["Location"] == "/en/"


def test_unknown_category_and_service_are_404(client, charter):
    assert client.get("/bn/services/nothing/").status_code == 404
    assert client.get("/bn/services/citizen/99/").status_code == 404


def test_unpublished_service_is_hidden(client, charter):
    service = Service.objects.get(category="citizen", serial=2)
    service.is_published = False
    service.save()
    assert client.get("/bn/services/citizen/2/").status_code == 404
    assert service.name_bn not in client.get("/bn/services/").content.decode()


def test_footer_shows_last_updated_date_of_latest_change(client, charter):
    service = Service.objects.get(category="citizen", serial=2)
    service.save()  # touches updated_at: today
    page = client.get("/en/").content.decode()
    assert "Last updated" in page
    assert "2024" not in page.split("Last updated")[1][:80]


def _add_services(office, responsible, superior, count):
    Service.objects.bulk_create(
        Service(
            office=office,
            category=Service.Category.CITIZEN,
            serial=100 + n,
            name=f"Service {n}",
            name_bn=f"সেবা {n}",
            delivery_method_bn="সরাসরি",
            required_documents_bn="আবেদনপত্র",
            fee_kind="free",
            fee_text_bn="বিনামূল্যে",
            time_limit_kind="working_days",
            time_limit_working_days=3,
            time_limit_text_bn="৩ কার্যদিবস",
            responsible_officer=responsible,
            superior_officer=superior,
        )
        for n in range(count)
    )


def _query_count(client, url):
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("page", CHARTER_PAGES)
def test_queries_per_page_do_not_grow_with_the_number_of_services(client, charter, page):
    url = page.format(lang="bn")
    with_fixture = _query_count(client, url)
    first = Service.objects.get(category="citizen", serial=1)
    _add_services(charter.office, first.responsible_officer, first.superior_officer, 181)
    assert Service.objects.count() == 200
    assert _query_count(client, url) == with_fixture
    assert with_fixture <= 5


def test_healthz_answers_when_the_database_does(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_healthz_is_503_when_the_database_is_down(client, db, monkeypatch):
    from django.db.backends.base import base

    def refuse(*args, **kwargs):
        raise base.DatabaseError("connection refused")

    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", refuse)
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "down"


def test_named_urls_are_the_public_contract():
    with translation.override("bn"):
        _assert_public_urls()


def _assert_public_urls():
    assert reverse("services:list") == "/bn/services/"
    assert reverse("services:category", args=["citizen"]) == "/bn/services/citizen/"
    assert reverse("reports:grs") == "/bn/grs/"
