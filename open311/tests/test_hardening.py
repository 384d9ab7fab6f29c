"""Open311 hardening: dates out of range, control characters, every failure in the spec's
error format (400, 405, 413, 429, 503), and a rate limit per API key."""

import json
import xml.etree.ElementTree as ET
from unittest import mock
from urllib.parse import urlencode

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client
from django.utils import timezone

from grievances.models import Grievance
from open311 import keys as api_keys
from services.models import Service

# Messages and errors made outside a request are read in English here.
pytestmark = pytest.mark.usefixtures("english")

API = "/open311/v2"
FORMATS = ["json", "xml"]
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# C0 controls, DEL and two C1 controls (NEL, and the last one).
CONTROL_CHARACTERS = [chr(code) for code in [*range(0x20), 0x7F, 0x85, 0x9F]]


def errors(response, fmt) -> list[dict]:
    """The spec's error list, whichever the format: [{"code": "400", "description": ...}]."""
    assert response["Content-Type"] == CONTENT_TYPES[fmt]
    if fmt == "json":
        return [
            {"code": str(error["code"]), "description": error["description"]}
            for error in json.loads(response.content)
        ]
    root = ET.fromstring(response.content)  # raises on anything that is not well-formed XML
    assert root.tag == "errors"
    assert all(child.tag == "error" for child in root)
    assert all(sorted(field.tag for field in child) == ["code", "description"] for child in root)
    return [
        {"code": child.findtext("code"), "description": child.findtext("description")}
        for child in root
    ]


def codes(response, fmt) -> list[str]:
    return [error["code"] for error in errors(response, fmt)]


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def raw_key(db):
    _key, raw = api_keys.issue(name="Union digital centre")
    return raw


def valid_post(raw_key, **overrides):
    data = {
        "api_key": raw_key,
        "service_code": "citizen-1",
        "description": "I asked for information three weeks ago and nobody answered.",
        "attribute[complaint_type]": "citizen",
        "attribute[subject]": "No information given",
        "first_name": "Karim",
        "last_name": "Uddin",
        "attribute[id_type]": "nid",
        "attribute[id_number]": "9876543210",
        "attribute[permanent_address]": "Village Tepamadhupur, Kaunia, Rangpur",
        "phone": "01898765432",
        "attribute[office_has_decided]": "true",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# 1. The date range


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"start_date": "9999-12-31T00:00:00Z"}, "start_date"),  # + 90 days overflowed
        ({"end_date": "0001-01-01T00:00:00Z"}, "end_date"),  # - 90 days overflowed
        ({"start_date": "0001-01-01T00:00:00Z"}, "start_date"),
        ({"end_date": "9999-12-31T23:59:59Z"}, "end_date"),
        ({"start_date": "0001-01-01"}, "start_date"),  # Dhaka time: before year 1 in UTC
        ({"start_date": "1899-12-31T23:59:59Z"}, "start_date"),
        ({"end_date": "9999-01-01T00:00:00-01:00"}, "end_date"),
        ({"start_date": "9999-12-31T00:00:00Z", "end_date": "9999-12-31T01:00:00Z"}, "start_date"),
        ({"start_date": "2025-02-01T00:00:00Z", "end_date": "2025-01-01T00:00:00Z"}, "end_date"),
    ],
)
def test_dates_out_of_range_or_reversed_are_400_in_the_error_format(
    client, charter, fmt, params, named
):
    response = client.get(f"{API}/requests.{fmt}", params)
    assert response.status_code == 400
    (error,) = errors(response, fmt)
    assert error["code"] == "400"
    assert named in error["description"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "1900-01-01T00:00:00Z"},
        {"end_date": "1900-01-01T00:00:00Z"},
        {"end_date": "9998-12-31T23:59:59Z"},
        {"start_date": "9998-12-31T23:59:59Z"},
        {"start_date": "9998-10-03T00:00:00Z", "end_date": "9998-12-31T23:59:59Z"},
        {"end_date": "9999-01-01T00:00:00+14:00"},  # 9998-12-31T10:00:00Z
    ],
)
def test_the_range_limits_themselves_are_accepted(client, charter, params):
    response = client.get(f"{API}/requests.json", params)
    assert response.status_code == 200
    assert json.loads(response.content) == []


@pytest.mark.django_db
def test_an_id_too_large_for_any_database_finds_nothing(client, file_complaint):
    complaint = file_complaint(now=timezone.now())
    huge = "9" * 20  # past a 64-bit integer: SQLite's driver overflowed (a 500)
    response = client.get(f"{API}/requests.json", {"service_request_id": f"{complaint.pk},{huge}"})
    assert response.status_code == 200
    assert [r["service_request_id"] for r in json.loads(response.content)] == [str(complaint.pk)]
    assert client.get(f"{API}/requests/{huge}.json").status_code == 404


# 2. Control characters


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("character", CONTROL_CHARACTERS, ids=lambda c: f"{ord(c):#04x}")
def test_a_control_character_in_service_code_is_refused_and_never_echoed(
    client, charter, raw_key, fmt, character
):
    code = f"citizen{character}-1"
    for response in (
        client.post(f"{API}/requests.{fmt}", valid_post(raw_key, service_code=code)),
        client.get(f"{API}/requests.{fmt}", {"service_code": code}),
    ):
        assert response.status_code == 400
        (error,) = errors(response, fmt)  # the XML parses
        assert error["code"] == "400"
        assert error["description"].startswith("service_code contains control characters")
        assert character not in error["description"]
    assert not Grievance.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("character", CONTROL_CHARACTERS, ids=lambda c: f"{ord(c):#04x}")
def test_a_control_character_anywhere_is_refused_with_the_name_escaped(
    client, charter, fmt, character
):
    # In a parameter's name, and in jurisdiction_id, which a 404 would otherwise quote.
    query = urlencode({f"odd{character}name": "1", "jurisdiction_id": f"x{character}y"})
    response = client.get(f"{API}/requests.{fmt}?{query}")
    assert response.status_code == 400
    found = errors(response, fmt)
    assert [error["code"] for error in found] == ["400", "400"]
    first, second = (error["description"] for error in found)
    assert first.startswith(f"odd\\x{ord(character):02x}name contains control characters")
    assert second.startswith("jurisdiction_id contains control characters")
    assert character not in first + second


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_line_breaks_are_allowed_in_a_complaints_free_text_only(client, charter, raw_key, fmt):
    multiline = valid_post(
        raw_key,
        description="First line.\r\nSecond line.\n\tIndented.",
        **{"attribute[permanent_address]": "House 12\nKaunia\nRangpur"},
    )
    response = client.post(f"{API}/requests.{fmt}", multiline)
    assert response.status_code == 200, response.content
    grievance = Grievance.objects.get()
    assert "Second line." in grievance.description
    assert grievance.permanent_address.count("\n") == 2

    for name, value in [
        ("description", "Nothing\x00here"),
        ("attribute[subject]", "One\nline"),
        ("api_key", raw_key + "\n"),
    ]:
        response = client.post(f"{API}/requests.{fmt}", valid_post(raw_key, **{name: value}))
        assert response.status_code == 400, name
        (error,) = errors(response, fmt)
        assert error["description"].startswith(f"{name} contains control characters")
    assert Grievance.objects.count() == 1


@pytest.mark.django_db
def test_text_xml_cannot_carry_is_escaped_in_any_xml_answer(client, charter):
    """Defence in depth: a charter text with a control character in it still gives XML."""
    Service.objects.filter(category="citizen", serial=1).update(name_en="Broken\x0bname\x01")
    response = client.get(f"{API}/services.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    assert root.findtext("service/service_name") == "Broken\\x0bname\\x01"


# 3. Every failure in the spec's error format


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_body_over_the_upload_limit_is_413(client, charter, raw_key, fmt, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    data = valid_post(raw_key, description="x" * 2000)
    url = f"{API}/requests.{fmt}"
    for response in (
        client.post(url, urlencode(data), content_type="application/x-www-form-urlencoded"),
        client.post(url, data),  # multipart/form-data
    ):
        assert response.status_code == 413
        (error,) = errors(response, fmt)
        assert error["code"] == "413"
        assert "1000" in error["description"]
        assert response["Cache-Control"] == "no-store"
    assert not Grievance.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unreadable_or_overfull_body_is_400(client, charter, fmt, settings):
    url = f"{API}/requests.{fmt}"
    broken = client.post(url, b"no boundary here", content_type="multipart/form-data; boundary=")
    assert broken.status_code == 400
    assert codes(broken, fmt) == ["400"]
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    overfull = client.post(url, {f"field{number}": "1" for number in range(10)})
    assert overfull.status_code == 400
    assert codes(overfull, fmt) == ["400"]


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("path", "method", "allowed"),
    [
        ("discovery", "post", "GET, HEAD"),
        ("services", "post", "GET, HEAD"),
        ("services/citizen-1", "put", "GET, HEAD"),
        ("requests", "put", "GET, HEAD, POST"),
        ("requests", "delete", "GET, HEAD, POST"),
        ("requests/1", "patch", "GET, HEAD"),
        ("requests/1", "options", "GET, HEAD"),
    ],
)
def test_a_method_not_allowed_is_405_in_the_error_format(charter, fmt, path, method, allowed):
    client = Client(enforce_csrf_checks=True)  # no CSRF 403 comes first
    response = getattr(client, method)(f"{API}/{path}.{fmt}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 405
    (error,) = errors(response, fmt)
    assert error["code"] == "405"
    assert method.upper() in error["description"]
    assert response["Allow"] == allowed


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_post_to_an_unknown_address_is_404_in_the_error_format(charter, fmt):
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"{API}/tokens.{fmt}", {"api_key": "x"})
    assert response.status_code == 404
    assert codes(response, fmt) == ["404"]


def database_down(error=OperationalError):
    """Every query fails, as when PostgreSQL is stopped or the network to it is cut."""
    return mock.patch(
        "django.db.backends.utils.CursorWrapper.execute",
        side_effect=error("could not connect to server: Connection refused"),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_with_the_database_down_the_api_answers_503_in_the_error_format(
    charter, raw_key, fmt, error
):
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")
    with database_down(error):
        responses = [
            client.get(f"{API}/requests.{fmt}"),
            client.get(f"{API}/requests/1.{fmt}"),
            client.get(f"{API}/services.{fmt}"),
            client.post(f"{API}/requests.{fmt}", valid_post(raw_key)),
        ]
    for response in responses:
        assert response.status_code == 503
        (found,) = errors(response, fmt)
        assert found["code"] == "503"
        assert "Connection refused" not in found["description"]
        assert response["Retry-After"] == "120"
        assert response["Cache-Control"] == "no-store"


# 4. A rate limit per API key


@pytest.mark.django_db
def test_the_default_limit_per_key_is_configured(settings):
    count, seconds = settings.GRS_RATE_LIMITS["open311_key"]
    assert count > 0 and seconds > 0


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_posts_with_one_key_are_limited(client, charter, raw_key, fmt, settings):
    settings.GRS_RATE_LIMITS = {**settings.GRS_RATE_LIMITS, "open311_key": (3, 3600)}
    url = f"{API}/requests.{fmt}"
    anonymous = valid_post(
        raw_key,
        **{"attribute[anonymous]": "true", "phone": None, "first_name": None, "last_name": None},
    )
    # Refused requests count too: a leaked key cannot probe without limit either.
    assert client.post(url, valid_post(raw_key, service_code="citizen-99")).status_code == 404
    assert client.post(url, anonymous).status_code == 200
    assert client.post(url, anonymous).status_code == 200

    refused = client.post(url, anonymous)
    assert refused.status_code == 429
    (error,) = errors(refused, fmt)
    assert error["code"] == "429" and "api_key" in error["description"]
    assert refused["Retry-After"] == "3600"
    assert Grievance.objects.count() == 2

    # Another key is counted on its own; a bad key is still a 403, not a 429.
    _other, other_key = api_keys.issue(name="Another partner")
    assert client.post(url, {**anonymous, "api_key": other_key}).status_code == 200
    assert client.post(url, {**anonymous, "api_key": "not-a-key"}).status_code == 403
    assert Grievance.objects.count() == 3


@pytest.mark.django_db
def test_the_mobile_limit_says_when_to_try_again(client, charter, raw_key, settings):
    settings.GRS_RATE_LIMITS = {**settings.GRS_RATE_LIMITS, "submit_mobile": (1, 600)}
    assert client.post(f"{API}/requests.json", valid_post(raw_key)).status_code == 200
    response = client.post(f"{API}/requests.json", valid_post(raw_key))
    assert response.status_code == 429
    assert codes(response, "json") == ["429"]
    assert response["Retry-After"] == "600"
