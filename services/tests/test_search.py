import pytest
from django.utils import translation

from services.models import Service
from services.search import find_services

YA_PRECOMPOSED = "\u09df"
RRA_PRECOMPOSED = "\u09dc"
RRA_NUKTA = "\u09a1\u09bc"
RHA_PRECOMPOSED = "\u09dd"
RHA_NUKTA = "\u09a2\u09bc"
KHANDA_TA = "\u09ce"
TA_HASANTA_ZWJ = "\u09a4\u09cd\u200d"


def _keys(services):
    return [(service.category, service.serial) for service in services]


@pytest.fixture
def extra_service(charter):
    """A service whose texts hold ড়, ঢ়, ৎ and digits, which the Kaunia charter lacks."""
    service = Service.objects.get(category="citizen", serial=1)
    service.pk = None
    service.serial = 7
    service.name_bn = f"বিদ্যু{KHANDA_TA} বিল ও প{RRA_NUKTA}াশোনার অ্যাপ ব্যবহারে সহায়তা"
    service.name_en = "Help with electricity bill and study apps"
    service.delivery_method_bn = f"সাইবার নিরাপত্তা দৃ{RHA_NUKTA}করণ কর্মশালা"
    service.delivery_method_en = "Cyber security workshop"
    service.required_documents_bn = "ফরম ২৫ ও ছবি"
    service.required_documents_en = "Form 25 and a photograph"
    service.save()
    return service


@pytest.mark.parametrize(
    "query",
    [
        "ইউনিয়ন",  # য + nukta, as the charter stores it
        f"ইউনি{YA_PRECOMPOSED}ন",  # precomposed য়
        "union digital",
        "UNION Digital",
    ],
)
def test_finds_union_digital_centres_however_ya_is_typed(charter, query):
    assert ("citizen", 4) in _keys(find_services(charter=charter, query=query))


@pytest.mark.parametrize("letter", [RRA_PRECOMPOSED, RRA_NUKTA])
def test_finds_rra_precomposed_or_with_nukta(charter, extra_service, letter):
    found = find_services(charter=charter, query=f"প{letter}াশোনা")
    assert _keys(found) == [("citizen", 7)]


@pytest.mark.parametrize("letter", [RHA_PRECOMPOSED, RHA_NUKTA])
def test_finds_rha_precomposed_or_with_nukta(charter, extra_service, letter):
    found = find_services(charter=charter, query=f"দৃ{letter}করণ")
    assert _keys(found) == [("citizen", 7)]


@pytest.mark.parametrize("ending", [KHANDA_TA, TA_HASANTA_ZWJ])
def test_finds_khanda_ta_or_ta_hasanta_zwj(charter, extra_service, ending):
    found = find_services(charter=charter, query=f"বিদ্যু{ending}")
    assert _keys(found) == [("citizen", 7)]


@pytest.mark.parametrize("query", ["ফরম ২৫", "ফরম 25", "form 25", "Form ২৫"])
def test_finds_by_bangla_or_ascii_digits(charter, extra_service, query):
    assert _keys(find_services(charter=charter, query=query)) == [("citizen", 7)]


def test_finds_by_delivery_method(charter):
    found = _keys(find_services(charter=charter, query="ব্যক্তিগত উপস্থিতির"))
    assert found == [("institutional", 5), ("institutional", 9), ("institutional", 10)]


def test_finds_by_required_documents(charter):
    found = _keys(find_services(charter=charter, query="অফিস আদেশ"))
    assert found == [("internal", 1), ("internal", 2), ("internal", 3)]


def test_finds_by_english_name_on_any_page(charter):
    assert _keys(find_services(charter=charter, query="e-Nothi troubleshooting")) == [
        ("institutional", 6)
    ]


def test_every_word_must_match(charter):
    assert find_services(charter=charter, query="ইউনিয়ন প্রোগ্রামিং") == []


def test_a_word_part_finds_its_inflections(charter):
    # উন্নয়নে (in development) is found by উন্নয়ন.
    found = _keys(find_services(charter=charter, query="উন্নয়ন"))
    assert ("citizen", 6) in found and ("internal", 3) in found


def test_results_follow_the_charters_order(charter):
    found = _keys(find_services(charter=charter, query="ICT"))
    assert found == sorted(found, key=lambda key: (Service.Category.values.index(key[0]), key[1]))
    assert len(found) > 3


def test_unpublished_services_are_not_found(charter):
    Service.objects.filter(category="citizen", serial=4).update(is_published=False)
    assert find_services(charter=charter, query="ইউনিয়ন") == []


@pytest.mark.parametrize("query", ["", "   ", "/ ,।"])
def test_an_empty_query_finds_nothing(charter, query):
    assert find_services(charter=charter, query=query) == []


def test_nothing_found_for_an_unknown_word(charter):
    assert find_services(charter=charter, query="পাসপোর্ট") == []


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_search_page_lists_matches_with_category_and_link(client, charter, lang):
    response = client.get(f"/{lang}/services/search/", {"q": f"ইউনি{YA_PRECOMPOSED}ন"})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="/{lang}/services/citizen/4/"' in html
    with translation.override(lang):
        assert str(Service.Category.CITIZEN.label) in html
    assert f'value="ইউনি{YA_PRECOMPOSED}ন"' in html  # the query stays in the box as typed


def test_search_page_says_nothing_was_found_and_offers_the_three_tables(client, charter):
    html = client.get("/en/services/search/", {"q": "passport"}).content.decode()
    assert "No service matches “passport”" in html
    for category in Service.Category.values:
        assert f'href="/en/services/{category}/"' in html


def test_search_page_without_a_query_shows_the_form_and_the_tables(client, charter):
    html = client.get("/en/services/search/").content.decode()
    assert 'role="search"' in html
    assert 'href="/en/services/internal/"' in html


@pytest.mark.parametrize("page", ["/{lang}/", "/{lang}/services/", "/{lang}/services/citizen/"])
def test_services_pages_carry_a_plain_get_search_form(client, charter, page):
    html = client.get(page.format(lang="en")).content.decode()
    assert '<form class="search" role="search" method="get" action="/en/services/search/">' in html


def test_search_query_is_escaped(client, charter):
    html = client.get("/en/services/search/", {"q": "<b>x</b>"}).content.decode()
    assert "<b>x</b>" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html
