"""The directory of offices, /<lang>/offices/: every office by the hierarchy with the GRO
who takes its complaints, a search by name however it was typed, and a page that stays
light with the whole Department of ICT network (about 600 offices)."""

import datetime
import gzip
import random
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from services.models import Charter, GrsTier, Office, Officer
from tests.test_light_pages import BUDGET_BYTES, _gzipped_size, _stylesheets

from .network import UPAZILAS, load_network, office

NOT_PUBLISHED = "Citizen's charter not yet published"


@pytest.fixture
def network(charter):
    load_network()
    return charter


def entries(html: str) -> list[str]:
    return re.findall(r"<li><a href=\"/[a-z]{2}/offices/[^\"]+/\">.*?</li>", html, re.DOTALL)


def entry_of(html: str, slug: str) -> str:
    found = [entry for entry in entries(html) if f"/offices/{slug}/" in entry]
    assert len(found) == 1, slug
    return found[0]


def test_the_directory_lists_every_office_by_district_with_its_gro(client, network):
    html = client.get("/en/offices/").content.decode()
    assert len(entries(html)) == Office.objects.count()
    # Offices above the districts first, then each district with the offices below it.
    rangpur = html.index('id="office-rangpur"')
    assert html.index("/en/offices/doict/") < rangpur
    for slug in UPAZILAS:
        assert html.index(f"/en/offices/{slug}/") > rangpur
    # Kaunia's GRO is the District ICT Officer in Rangpur (its published GRS table).
    kaunia = entry_of(html, "kaunia")
    assert "District ICT Officer" in kaunia and "02-588809216" in kaunia
    assert NOT_PUBLISHED not in kaunia
    for slug in ["rangpur", "gangachara", "doict"]:
        assert NOT_PUBLISHED in entry_of(html, slug)
        assert "District ICT Officer" not in entry_of(html, slug)


def test_an_office_without_a_charter_shows_the_gro_of_the_office_above(client, network):
    from .network import publish_charter

    publish_charter(office("rangpur"), gro=Officer.objects.get(pk=2))
    html = client.get("/en/offices/").content.decode()
    gangachara = entry_of(html, "gangachara")
    assert NOT_PUBLISHED in gangachara and "District ICT Officer" in gangachara


def test_the_bangla_directory_shows_bangla_names_and_digits(client, network):
    html = client.get("/bn/offices/").content.decode()
    assert office("kaunia").name_bn in html
    assert "০২-৫৮৮৮০৯২১৬" in entry_of(html, "kaunia")


@pytest.mark.parametrize(
    "query",
    [
        "কাউনি\u09dfা",  # য় typed as one code point
        "কাউনি\u09af\u09bcা",  # য + nukta, as NFC stores it
        "kaunia",
        "KAUNIA",
        "Kaunia, Rangpur",
        "কাউনিয়া রংপুর",
    ],
)
def test_search_finds_an_office_however_its_name_was_typed(client, network, query):
    response = client.get("/bn/offices/", {"q": query})
    assert response.status_code == 200
    found = entries(response.content.decode())
    assert len(found) == 1 and "/bn/offices/kaunia/" in found[0]


def test_search_by_the_district_finds_it_and_its_upazilas(client, network):
    html = client.get("/en/offices/", {"q": "রংপুর"}).content.decode()
    assert len(entries(html)) == 1 + len(UPAZILAS)
    html = client.get("/en/offices/", {"q": "gangachara"}).content.decode()
    assert len(entries(html)) == 1 and "গঙ্গাচড়া" not in html  # the English page's names


def test_a_search_that_finds_nothing_says_so(client, network):
    html = client.get("/en/offices/", {"q": "Dhaka"}).content.decode()
    assert entries(html) == []
    assert "No office matches “Dhaka”" in html


def test_the_directory_is_cached_and_changes_with_an_office(client, network):
    client.get("/en/offices/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/en/offices/")
    assert len(queries) == 0
    taraganj = office("taraganj")
    taraganj.name_en = "Upazila office, Taraganj (renamed), Rangpur"
    taraganj.save()
    assert "Taraganj (renamed)" in client.get("/en/offices/").content.decode()


# --- The whole network: about 600 offices ---

SYLLABLES = [
    "কা", "উ", "নি", "য়া", "রং", "পুর", "গঙ্গা", "চ", "ড়া", "মি", "ঠা", "পী", "র", "গা",
    "ছা", "তা", "গঞ্জ", "বদ", "সদ", "ন", "দি", "শি", "ল", "হা", "টি", "বা", "ঝি", "খা",
]  # fmt: skip


def _place(rng) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


def make_network(size: int = 600) -> None:
    """The Department of ICT's network at full size: 8 division offices, 64 district
    offices and their upazila offices, every one with a published charter whose GRO (tier 1)
    is the district's ICT officer, with a phone and an e-mail of their own."""
    rng = random.Random(13)
    department = office("doict")
    existing = Office.objects.count()
    divisions = Office.objects.bulk_create(
        Office(
            parent=department,
            level="division",
            slug=f"division-{n}",
            name_bn=f"বিভাগীয় কার্যালয়, {_place(rng)}",
            name_en=f"Division office {n}",
        )
        for n in range(8)
    )
    districts = Office.objects.bulk_create(
        Office(
            parent=divisions[n % 8],
            level="district",
            slug=f"district-{n}",
            name_bn=f"জেলা কার্যালয়, {_place(rng)}",
            name_en=f"District office {n}",
        )
        for n in range(64)
    )
    upazilas = Office.objects.bulk_create(
        Office(
            parent=districts[n % 64],
            level="upazila",
            slug=f"upazila-{n}",
            name_bn=f"উপজেলা কার্যালয়, {_place(rng)}, {_place(rng)}",
            name_en=f"Upazila office {n}",
        )
        for n in range(size - existing - 8 - 64)
    )
    officers = Officer.objects.bulk_create(
        Officer(
            office=district,
            designation_bn="জেলা আইসিটি অফিসার",
            designation_en="District ICT Officer",
            phone=f"02-5{n:08d}",
            email=f"doict.district{n}@example.gov.bd",
        )
        for n, district in enumerate(districts)
    )
    officer_of = {officer.office_id: officer for officer in officers}
    charters = Charter.objects.bulk_create(
        Charter(
            office=target,
            title_bn="সিটিজেনস চার্টার",
            government_bn="গণপ্রজাতন্ত্রী বাংলাদেশ সরকার",
            vision_bn="রূপকল্প",
            mission_bn="অভিলক্ষ্য",
            issued_on=datetime.date(2025, 1, 1),
            signatory=officer_of[target.pk if target.level == "district" else target.parent_id],
        )
        for target in [*districts, *upazilas]
    )
    GrsTier.objects.bulk_create(
        GrsTier(
            charter=charter,
            level=1,
            when_to_contact_bn="সমাধান না পেলে",
            contact_role_bn="অভিযোগ নিষ্পত্তি কর্মকর্তা (অনিক)",
            contact_address_bn="ঠিকানা",
            officer=charter.signatory,
            time_limit_working_days=30,
        )
        for charter in charters
    )
    assert Office.objects.count() == size


@pytest.fixture
def whole_network(network):
    make_network()


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_the_directory_of_600_offices_with_its_css_is_at_most_40_kb_gzipped(
    client, whole_network, lang
):
    response = client.get(f"/{lang}/offices/", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    html = gzip.decompress(response.content).decode()
    assert len(entries(html)) == 600
    assert html.count('<a href="#office-district-') == 64  # the in-page index of districts
    assert "<script" not in html.lower()
    total = len(response.content) + sum(_gzipped_size(path) for path in _stylesheets(html))
    assert total <= BUDGET_BYTES, f"{total} bytes gzipped, over the {BUDGET_BYTES}-byte budget"


@pytest.mark.parametrize("query", ["", "?q=kaunia"])
def test_the_directory_of_600_offices_costs_few_queries(client, whole_network, query):
    cache.clear()
    with CaptureQueriesContext(connection) as uncached:
        assert client.get(f"/bn/offices/{query}").status_code == 200
    with CaptureQueriesContext(connection) as again:
        assert client.get(f"/bn/offices/{query}").status_code == 200
    assert len(uncached) <= 5
    assert len(again) <= (1 if not query else 3)  # a search is never page-cached


def test_search_in_600_offices_finds_the_one(client, whole_network):
    with translation.override("bn"):
        html = client.get("/bn/offices/", {"q": "কাউনিয়া"}).content.decode()
    assert len(entries(html)) == 1
