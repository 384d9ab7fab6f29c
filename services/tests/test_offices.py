"""Offices as sites: each office's pages under /<lang>/offices/<slug>/ and at its own host
names, the default office at the unprefixed addresses, honest pages for an office whose
charter is not published, and page caches that never mix offices or hosts."""

import json
import re
import unicodedata

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.serializers import deserialize, serialize
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from conftest import CHARTER_FIXTURE
from grievances.models import Grievance
from services.models import Charter, Expectation, GrsTier, Office, OfficeHost, Officer, Service
from tests.helpers import VALID

from .network import KAUNIA_HOST, UPAZILAS, load_network, office, publish_charter

NOT_PUBLISHED = "Citizen's charter not yet published"


@pytest.fixture
def network(charter):
    load_network()
    return charter


def not_published(language: str) -> str:
    with translation.override(language):
        return translation.gettext(NOT_PUBLISHED)


def table_html(page: str, prefix: str) -> list[str]:
    """The page's tables, with the office's prefix taken out of their links."""
    return [
        table.replace(prefix, "/")
        for table in re.findall(r"<table.*?</table>", page, flags=re.DOTALL)
    ]


def token_of(client, path: str) -> str:
    html = client.get(path).content.decode()
    return re.search(r'name="submission_token" value="([^"]+)"', html).group(1)


# --- The fixtures ---


def test_the_network_fixture_names_the_department_the_district_and_its_eight_upazilas(network):
    department, district = office("doict"), office("rangpur")
    assert (department.pk, department.level, department.parent) == (1, "department", None)
    assert (district.pk, district.level, district.parent) == (2, "district", department)
    assert office("kaunia").pk == 3
    upazilas = Office.objects.filter(parent=district)
    assert sorted(upazilas.values_list("slug", flat=True)) == sorted(UPAZILAS)
    for slug, (bn, en) in UPAZILAS.items():
        upazila = office(slug)
        assert upazila.level == "upazila"
        assert bn in upazila.name_bn and en in upazila.name_en
        assert upazila.name_bn == unicodedata.normalize("NFC", upazila.name_bn)
    assert OfficeHost.objects.get(host=KAUNIA_HOST).office == office("kaunia")
    # Nothing invented: only Kaunia (from fixtures/charter.json) has officers or a charter.
    assert set(Officer.objects.values_list("office__slug", flat=True)) <= {
        "kaunia",
        "rangpur",
        "doict",
    }
    assert list(Charter.objects.values_list("office__slug", flat=True)) == ["kaunia"]


def test_the_network_fixture_keeps_the_charter_fixtures_offices_exactly():
    charter_offices = {
        item["pk"]: item["fields"]
        for item in json.loads(CHARTER_FIXTURE.read_text())
        if item["model"] == "services.office"
    }
    network = json.loads(CHARTER_FIXTURE.with_name("rangpur_network.json").read_text())
    for item in network:
        if item["model"] == "services.office" and item["pk"] in charter_offices:
            fields = dict(item["fields"])
            fields.pop("slug")
            assert fields == charter_offices[item["pk"]]


def _snapshot() -> str:
    models = [Office, OfficeHost, Officer, Charter, Expectation, GrsTier, Service]
    return "\n".join(serialize("json", model.objects.order_by("pk")) for model in models)


@pytest.mark.django_db(transaction=True)
def test_loading_both_fixtures_again_or_in_the_other_order_changes_nothing():
    call_command("flush", interactive=False, verbosity=0)
    call_command("loaddata", CHARTER_FIXTURE, verbosity=0)
    load_network()
    loaded = _snapshot()
    load_network()
    call_command("loaddata", CHARTER_FIXTURE, verbosity=0)
    assert _snapshot() == loaded
    call_command("loaddata", CHARTER_FIXTURE, verbosity=0)
    load_network()
    assert _snapshot() == loaded

    call_command("flush", interactive=False, verbosity=0)
    load_network()
    call_command("loaddata", CHARTER_FIXTURE, verbosity=0)
    assert _snapshot() == loaded


# --- Slugs and host names ---


def test_an_office_without_a_slug_gets_one_from_its_english_name(network):
    made = Office.objects.create(
        level="upazila", parent=office("rangpur"), name_bn="নতুন", name_en="Upazila office, Kaunia"
    )
    again = Office.objects.create(level="upazila", name_bn="আবার", name_en="Upazila office, Kaunia")
    bangla_only = Office.objects.create(level="upazila", name_bn="শুধু বাংলা")
    assert made.slug == "upazila-office-kaunia"
    assert again.slug == "upazila-office-kaunia-2"
    assert bangla_only.slug == "office"
    made.save()
    assert Office.objects.get(pk=made.pk).slug == "upazila-office-kaunia"


@pytest.mark.parametrize("slug", ["Kaunia", "kaunia office", "কাউনিয়া", "-kaunia", "kaunia--x"])
def test_a_slug_is_lower_case_ascii_words_joined_by_hyphens(network, slug):
    kaunia = office("kaunia")
    kaunia.slug = slug
    with pytest.raises(ValidationError) as error:
        kaunia.full_clean()
    assert "slug" in error.value.message_dict


def test_a_host_name_is_kept_in_lower_case_and_checked(network):
    host = OfficeHost(office=office("rangpur"), host=" DoICT.Rangpur.gov.bd. ")
    host.full_clean()
    assert host.host == "doict.rangpur.gov.bd"
    for bad in ["https://doict.rangpur.gov.bd", "doict.rangpur.gov.bd:8000", "a/b", "a..b"]:
        with pytest.raises(ValidationError):
            OfficeHost(office=office("rangpur"), host=bad).full_clean()


def test_host_names_survive_a_backup_written_with_natural_keys(network):
    # backup_site writes natural keys: a host name is found by its name, not a primary key.
    data = serialize(
        "json",
        OfficeHost.objects.all(),
        use_natural_foreign_keys=True,
        use_natural_primary_keys=True,
    )
    assert '"pk"' not in data
    OfficeHost.objects.all().delete()
    for restored in deserialize("json", data):
        restored.save()
    assert OfficeHost.objects.get(host=KAUNIA_HOST).office == office("kaunia")


def test_admin_edits_an_offices_host_names_on_its_page(admin_client, network):
    page = admin_client.get(reverse("admin:services_office_change", args=[office("kaunia").pk]))
    assert page.status_code == 200
    assert KAUNIA_HOST in page.content.decode()
    assert 'name="hosts-0-host"' in page.content.decode()


def test_a_charter_added_in_admin_starts_unpublished(admin_client, network):
    form = admin_client.get(reverse("admin:services_charter_add")).context["adminform"].form
    assert form.initial["is_published"] is False


# --- Kaunia at both addresses ---


@pytest.mark.parametrize("lang", ["bn", "en"])
@pytest.mark.parametrize("page", ["services/", "services/citizen/", "charter/print/"])
def test_kaunia_shows_the_same_tables_at_the_default_and_its_own_address(
    client, network, lang, page
):
    default = client.get(f"/{lang}/{page}").content.decode()
    own = client.get(f"/{lang}/offices/kaunia/{page}").content.decode()
    assert table_html(own, "/offices/kaunia/") == table_html(default, "/")
    assert len(table_html(own, "/offices/kaunia/")) >= 1


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_kaunia_shows_the_same_service_page_at_both_addresses(client, network, lang):
    def main(html):
        return re.search(r"<main.*</main>", html, flags=re.DOTALL).group()

    default = client.get(f"/{lang}/services/institutional/10/").content.decode()
    own = client.get(f"/{lang}/offices/kaunia/services/institutional/10/").content.decode()
    assert main(own).replace("/offices/kaunia/", "/") == main(default)


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_kaunias_home_and_pages_answer_under_its_address(client, network, lang):
    for page in ["", "expectations/", "grs/", "services/search/?q=ICT", "complaints/new/"]:
        response = client.get(f"/{lang}/offices/kaunia/{page}")
        assert response.status_code == 200, page
        assert office("kaunia").name in response.content.decode() or lang == "en"
    csv = client.get(f"/{lang}/offices/kaunia/services/citizen.csv")
    assert csv.content == client.get(f"/{lang}/services/citizen.csv").content


def test_links_in_an_offices_pages_stay_inside_the_office(client, network):
    shared = ("/lang/", "/static/", "/bn/offices/", "/bn/complaints/track/")
    for page in [
        "",
        "services/",
        "services/citizen/",
        "services/citizen/1/",
        "services/search/?q=ICT",
        "services/search/?q=nothing-matches",
        "expectations/",
        "grs/",
        "charter/print/",
        "complaints/new/",
    ]:
        html = client.get(f"/bn/offices/kaunia/{page}").content.decode()
        links = re.findall(r'(?:href|action)="(/[^"]*)"', html)
        assert links
        outside = [
            link
            for link in links
            if not link.startswith("/bn/offices/kaunia/")
            and not (link.startswith(shared) and not re.match(r"/bn/offices/[a-z-]+/", link))
            and link != "/bn/offices/"
        ]
        assert outside == [], page


def test_the_language_switch_keeps_the_office(client, network):
    html = client.get("/bn/offices/kaunia/services/citizen/2/").content.decode()
    switch = "/lang/en/?next=/bn/offices/kaunia/services/citizen/2/"
    assert f'href="{switch}"' in html
    assert client.get(switch)["Location"] == "/en/offices/kaunia/services/citizen/2/"


def test_the_printed_qr_code_leads_to_that_offices_complaint_form(client, network, settings):
    settings.SITE_URL = "https://grs.example.gov.bd"
    gangachara = office("gangachara")
    publish_charter(gangachara)
    own = client.get("/bn/offices/gangachara/charter/print/").content.decode()
    assert "https://grs.example.gov.bd/bn/offices/gangachara/complaints/new/" in own
    default = client.get("/bn/charter/print/").content.decode()
    assert "https://grs.example.gov.bd/bn/complaints/new/" in default
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "gangachara.example"]
    OfficeHost.objects.create(office=gangachara, host="gangachara.example")
    on_host = client.get("/bn/charter/print/", HTTP_HOST="gangachara.example").content.decode()
    assert "https://grs.example.gov.bd/bn/offices/gangachara/complaints/new/" in on_host


def test_an_offices_charter_as_data_links_its_own_pages(client, network, settings):
    settings.SITE_URL = "https://grs.example.gov.bd"
    data = client.get("/en/offices/kaunia/charter.json").json()
    url = data["services"]["citizen"][0]["url"]
    assert url == {
        "bn": "https://grs.example.gov.bd/bn/offices/kaunia/services/citizen/1/",
        "en": "https://grs.example.gov.bd/en/offices/kaunia/services/citizen/1/",
    }
    default = client.get("/charter.json").json()["services"]["citizen"][0]["url"]
    assert default["bn"] == "https://grs.example.gov.bd/bn/services/citizen/1/"


# --- Unpublished is honest ---


UNPUBLISHED_PAGES = [
    "services/",
    "services/citizen/",
    "services/citizen/1/",
    "services/search/?q=ICT",
    "services/citizen.csv",
    "expectations/",
    "grs/",
    "charter/print/",
    "charter.json",
]


@pytest.mark.parametrize("lang", ["bn", "en"])
def test_an_unpublished_office_shows_its_contacts_and_says_so(client, network, lang):
    district = office("rangpur")
    response = client.get(f"/{lang}/offices/rangpur/")
    assert response.status_code == 200
    html = response.content.decode()
    assert not_published(lang) in html
    with translation.override(lang):
        assert district.name in html and district.address in html
    assert district.email in html and district.website in html
    assert "<table" not in html
    kaunia_service = Service.objects.filter(office=office("kaunia")).first()
    assert kaunia_service.name_bn not in html and kaunia_service.name_en not in html


def test_the_bangla_page_says_not_yet_published_in_bangla_once_the_catalogue_has_it(
    client, network
):
    html = client.get("/bn/offices/rangpur/").content.decode()
    assert not_published("bn") in html
    if not_published("bn") != NOT_PUBLISHED:
        assert not_published("bn") == "সিটিজেনস চার্টার এখনো প্রকাশিত হয়নি"


@pytest.mark.parametrize("slug", ["rangpur", "gangachara", "doict"])
@pytest.mark.parametrize("page", UNPUBLISHED_PAGES)
def test_an_unpublished_offices_charter_pages_are_not_found(client, network, slug, page):
    assert client.get(f"/bn/offices/{slug}/{page}").status_code == 404


def test_an_unpublished_charter_is_not_shown(client, network, settings):
    Charter.objects.filter(office=office("kaunia")).update(is_published=False)
    cache.clear()
    assert client.get("/bn/offices/kaunia/services/").status_code == 404
    home = client.get("/bn/offices/kaunia/").content.decode()
    assert not_published("bn") in home and "<table" not in home
    assert client.get("/bn/services/").status_code == 404  # no published charter at all
    settings.CHARTER_OFFICE_ID = office("kaunia").pk
    assert not_published("bn") in client.get("/bn/").content.decode()


def test_an_unknown_office_is_not_found(client, network):
    assert client.get("/bn/offices/dhaka/").status_code == 404
    assert client.get("/bn/offices/dhaka/services/").status_code == 404
    assert client.get("/bn/offices/Kaunia/").status_code == 404


# --- Complaints per office ---


def _file(client, path, **overrides):
    data = {**VALID, "submission_token": token_of(client, path), **overrides}
    return client.post(path, data)


def test_a_complaint_filed_at_an_offices_address_is_that_offices(client, network):
    gangachara = office("gangachara")
    charter = publish_charter(gangachara, service_name="Gangachara service")
    service = Service.objects.get(office=gangachara)
    form = client.get("/en/offices/gangachara/complaints/new/").content.decode()
    assert "Gangachara service" in form
    assert Service.objects.filter(office=office("kaunia")).first().name_en not in form
    response = _file(
        client,
        "/en/offices/gangachara/complaints/new/",
        service=str(service.pk),
        other_service="",
        office_has_decided="on",
    )
    assert response.status_code == 302
    grievance = Grievance.objects.get()
    assert grievance.office == gangachara
    assert grievance.service == service
    assert grievance.handling_officer == charter.grs_tiers.get(level=1).officer


def test_a_complaint_at_kaunias_address_goes_to_kaunia(client, network):
    response = _file(client, "/bn/offices/kaunia/complaints/new/")
    assert response.status_code == 302
    assert Grievance.objects.get().office == office("kaunia")


def test_an_unpublished_office_takes_complaints_for_the_gro_above_it(client, network):
    district_gro = Officer.objects.get(pk=2)  # the District ICT Officer, Rangpur
    publish_charter(office("rangpur"), gro=district_gro)
    page = client.get("/en/offices/gangachara/").content.decode()
    assert not_published("en") in page and district_gro.designation_en in page
    form = client.get("/en/offices/gangachara/complaints/new/").content.decode()
    assert "office above it" in form
    assert not re.search(r'<option value="\d+"', form)  # no service of its own to pick
    response = _file(client, "/en/offices/gangachara/complaints/new/")
    assert response.status_code == 302
    grievance = Grievance.objects.get()
    assert grievance.office == office("gangachara")
    assert grievance.handling_officer == district_gro


def test_an_office_with_no_gro_anywhere_above_takes_no_complaint(client, network):
    page = client.get("/en/offices/rangpur/complaints/new/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'class="grs-form"' not in html and "grs.gov.bd" in html
    client.post("/en/offices/rangpur/complaints/new/", VALID)
    assert not Grievance.objects.exists()
    assert "complaints/new/" not in client.get("/en/offices/rangpur/").content.decode()


# --- Host names ---


@pytest.fixture
def hosts(network, settings):
    """Gangachara (with a charter of its own) is the default office; Kaunia has its host."""
    settings.ALLOWED_HOSTS = [
        *settings.ALLOWED_HOSTS,
        KAUNIA_HOST,
        "doict.rangpur.example",
        "other.example",
    ]
    publish_charter(office("gangachara"), service_name="Gangachara service")
    settings.CHARTER_OFFICE_ID = office("gangachara").pk
    OfficeHost.objects.create(office=office("rangpur"), host="doict.rangpur.example")
    return settings


def test_an_offices_host_name_serves_its_pages_at_the_unprefixed_addresses(client, hosts):
    kaunia_service = Service.objects.filter(office=office("kaunia")).first()
    on_host = client.get("/bn/services/", HTTP_HOST=KAUNIA_HOST).content.decode()
    assert kaunia_service.name_bn in on_host and "Gangachara service" not in on_host
    default = client.get("/bn/services/").content.decode()
    assert "Gangachara service" in default and kaunia_service.name_bn not in default
    # Host names compare as DNS does: in any case, with or without a port.
    upper = client.get("/bn/services/", HTTP_HOST=f"{KAUNIA_HOST.upper()}:8000")
    assert upper.status_code == 200 and kaunia_service.name_bn in upper.content.decode()


def test_another_offices_host_name_serves_that_office(client, hosts):
    home = client.get("/en/", HTTP_HOST="doict.rangpur.example").content.decode()
    assert "District office, Rangpur" in home and not_published("en") in home
    assert client.get("/en/services/", HTTP_HOST="doict.rangpur.example").status_code == 404
    # An allowed host that is no office's own shows the default office.
    assert (
        "Gangachara service"
        in client.get("/en/services/", HTTP_HOST="other.example").content.decode()
    )


def test_links_on_an_offices_host_stay_unprefixed(client, hosts):
    html = client.get("/bn/services/", HTTP_HOST=KAUNIA_HOST).content.decode()
    assert "/bn/services/citizen/1/" in html
    assert "/offices/kaunia/" not in html


def test_an_unknown_host_is_refused_even_for_a_cached_page(client, hosts):
    assert client.get("/bn/services/").status_code == 200
    assert client.get("/bn/services/", HTTP_HOST="evil.example").status_code == 400
    assert client.get("/bn/offices/kaunia/", HTTP_HOST="evil.example").status_code == 400


def test_page_caches_never_mix_hosts_or_offices(client, hosts):
    pages = {
        ("testserver", "/bn/services/"): "Gangachara service",
        (KAUNIA_HOST, "/bn/services/"): office("kaunia").name_bn,
        ("doict.rangpur.example", "/bn/"): "জেলা কার্যালয়, রংপুর",
        ("testserver", "/bn/offices/kaunia/"): office("kaunia").name_bn,
        ("testserver", "/bn/offices/gangachara/"): office("gangachara").name_bn,
    }
    for _round in range(2):  # the second round is served from the cache
        for (host, path), expected in pages.items():
            response = client.get(path, HTTP_HOST=host)
            assert response.status_code == 200
            assert expected in response.content.decode(), (host, path)
    assert (
        "Gangachara service"
        not in client.get("/bn/services/", HTTP_HOST=KAUNIA_HOST).content.decode()
    )


def test_a_new_host_name_shows_at_once(client, hosts):
    assert (
        "Gangachara service"
        in client.get("/bn/services/", HTTP_HOST="other.example").content.decode()
    )
    OfficeHost.objects.create(office=office("kaunia"), host="other.example")
    page = client.get("/bn/services/", HTTP_HOST="other.example").content.decode()
    assert "Gangachara service" not in page


# --- Query budgets ---


OFFICE_PAGES = [
    ("testserver", "/bn/offices/kaunia/"),
    ("testserver", "/bn/offices/kaunia/services/"),
    ("testserver", "/bn/offices/kaunia/services/citizen/"),
    ("testserver", "/bn/offices/kaunia/services/citizen/1/"),
    ("testserver", "/bn/offices/kaunia/expectations/"),
    ("testserver", "/bn/offices/kaunia/grs/"),
    ("testserver", "/bn/offices/kaunia/charter/print/"),
    ("testserver", "/bn/offices/kaunia/complaints/new/"),
    ("testserver", "/bn/offices/rangpur/"),
    ("testserver", "/bn/offices/rangpur/complaints/new/"),
    (KAUNIA_HOST, "/bn/"),
    (KAUNIA_HOST, "/bn/services/"),
    (KAUNIA_HOST, "/bn/charter/print/"),
    (KAUNIA_HOST, "/bn/complaints/new/"),
]


@pytest.mark.parametrize(("host", "path"), OFFICE_PAGES)
def test_office_pages_stay_within_five_queries_and_one_cached(
    client, network, settings, host, path
):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, KAUNIA_HOST]
    cache.clear()
    with CaptureQueriesContext(connection) as uncached:
        assert client.get(path, HTTP_HOST=host).status_code == 200
    with CaptureQueriesContext(connection) as cached:
        assert client.get(path, HTTP_HOST=host).status_code == 200
    assert len(uncached) <= 5, [query["sql"] for query in uncached]
    assert len(cached) <= 1, [query["sql"] for query in cached]


def test_head_office_is_the_department_above(network):
    assert office("kaunia").head_office() == office("doict")
    assert office("rangpur").head_office() == office("doict")
    assert office("doict").head_office() is None
