"""Open311 per office: ``jurisdiction_id`` is the office's slug for the service list, the
requests and new requests; without it, the default office; an unknown one is 404 (in the
spec's error shape) once the deployment names its own (OPEN311_JURISDICTION_ID)."""

import json

import pytest
from django.utils import timezone

from grievances.models import Grievance
from open311.tests.test_hardening import errors as errors_of
from open311.tests.test_views import API, FORMATS, get, valid_post
from services.models import Service
from services.tests.network import load_network, office, publish_charter

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def network(charter):
    """The Rangpur network, with a charter published for Gangachara as well as Kaunia's."""
    load_network()
    publish_charter(office("gangachara"), service_name="Gangachara service")
    return charter


@pytest.fixture
def raw_key(db):
    from open311 import keys

    _key, raw = keys.issue(name="Union digital centre")
    return raw


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [service["service_name"] for service in json.loads(response.content)]


def ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {request["service_request_id"] for request in json.loads(response.content)}


def test_each_office_lists_its_own_services(client, network):
    kaunia = names(get(client, "services.json", jurisdiction_id="kaunia"))
    assert kaunia == names(get(client, "services.json"))  # Kaunia is the default office
    assert len(kaunia) == Service.objects.filter(office=office("kaunia")).count()
    assert names(get(client, "services.json", jurisdiction_id="gangachara")) == [
        "Gangachara service"
    ]


def test_an_office_without_a_published_charter_lists_no_services(client, network):
    assert names(get(client, "services.json", jurisdiction_id="rangpur")) == []
    response = get(client, "services/citizen-1.json", jurisdiction_id="rangpur")
    assert response.status_code == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_jurisdiction_is_404_in_the_error_format(client, network, settings, fmt):
    settings.OPEN311_JURISDICTION_ID = "kaunia.example"
    for path in [f"services.{fmt}", f"requests.{fmt}", f"services/citizen-1.{fmt}"]:
        response = get(client, path, jurisdiction_id="dhaka")
        assert response.status_code == 404
        assert [error["code"] for error in errors_of(response, fmt)] == ["404"]
        assert "dhaka" in errors_of(response, fmt)[0]["description"]


def test_the_configured_jurisdiction_id_names_the_default_office(client, network, settings):
    settings.OPEN311_JURISDICTION_ID = "kaunia.example"
    default = names(get(client, "services.json"))
    assert names(get(client, "services.json", jurisdiction_id="kaunia.example")) == default
    assert names(get(client, "services.json", jurisdiction_id="gangachara")) == [
        "Gangachara service"
    ]


def test_requests_are_listed_per_office(client, network, file_complaint):
    now = timezone.now()
    at_kaunia = file_complaint(now=now)
    at_gangachara = file_complaint(office=office("gangachara"), now=now)
    assert ids(get(client, "requests.json")) == {str(at_kaunia.pk)}
    assert ids(get(client, "requests.json", jurisdiction_id="kaunia")) == {str(at_kaunia.pk)}
    assert ids(get(client, "requests.json", jurisdiction_id="gangachara")) == {
        str(at_gangachara.pk)
    }
    own = get(client, f"requests/{at_gangachara.pk}.json", jurisdiction_id="gangachara")
    assert ids(own) == {str(at_gangachara.pk)}
    assert get(client, f"requests/{at_gangachara.pk}.json").status_code == 404


def test_a_request_posted_for_an_office_is_filed_there(client, network, raw_key):
    data = valid_post(raw_key, jurisdiction_id="gangachara", service_code="citizen-1")
    response = client.post(f"{API}/requests.json", data)
    assert response.status_code == 200, response.content
    grievance = Grievance.objects.get()
    assert grievance.office == office("gangachara")
    assert grievance.service == Service.objects.get(office=office("gangachara"))


def test_a_request_posted_without_a_jurisdiction_goes_to_the_default_office(
    client, network, raw_key
):
    data = valid_post(raw_key)
    del data["jurisdiction_id"]
    assert client.post(f"{API}/requests.json", data).status_code == 200
    assert Grievance.objects.get().office == office("kaunia")


def test_a_request_for_an_office_without_a_published_charter_is_refused(client, network, raw_key):
    response = client.post(
        f"{API}/requests.json",
        valid_post(raw_key, jurisdiction_id="rangpur"),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "not published" in json.loads(response.content)[0]["description"]
    assert not Grievance.objects.exists()


def test_another_offices_service_code_is_not_found(client, network, raw_key):
    data = valid_post(raw_key, jurisdiction_id="gangachara", service_code="citizen-2")
    response = client.post(f"{API}/requests.json", data)
    assert response.status_code == 404
    assert not Grievance.objects.exists()
