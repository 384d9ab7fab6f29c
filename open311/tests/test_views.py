"""Open311 GeoReport v2: every field the specification names, in JSON and XML; POST with
keys; no personal data in anything public."""

import datetime
import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from grievances import workflow
from grievances.models import Grievance, StaffProfile, TimelineEntry
from open311 import keys as api_keys
from open311.models import ApiKey

# Messages and errors made outside a request are read in English here.
pytestmark = pytest.mark.usefixtures("english")

API = "/open311/v2"
FORMATS = ["json", "xml"]
W3_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")
SERVICE_FIELDS = [
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
]
ATTRIBUTE_FIELDS = [
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
]
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
]
DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}

COMPLAINANT = {
    "name": "Rahima Begum",
    "id_number": "1234567890",
    "permanent_address": "Village Haragach, Kaunia, Rangpur",
    "mobile": "01911223344",
    "email": "rahima@example.com",
}


def get(client, path, **params):
    return client.get(f"{API}/{path}", params, HTTP_ACCEPT_LANGUAGE="en")


def parse(response, fmt):
    """The body as Python data; XML as an Element whose root we also check."""
    if fmt == "json":
        assert response["Content-Type"] == "application/json; charset=utf-8"
        return json.loads(response.content)
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def xml_items(root, root_tag, item_tag) -> list[dict]:
    """The spec's list XML as dicts of child texts (nested lists left as elements)."""
    assert root.tag == root_tag
    assert all(child.tag == item_tag for child in root)
    return [{child.tag: child for child in item} for item in root]


def records(response, fmt, root_tag, item_tag) -> list[dict]:
    """A list response as dicts of strings, whichever the format."""
    data = parse(response, fmt)
    if fmt == "json":
        return data
    return [
        {tag: element.text for tag, element in item.items()}
        for item in xml_items(data, root_tag, item_tag)
    ]


@pytest.fixture
def client():
    return Client()


@pytest.fixture
def service(charter):
    from services.charter import published_services

    return published_services(charter).get(category="citizen", serial=1)


@pytest.fixture
def complaint(file_complaint, service):
    return file_complaint(service=service, now=timezone.now())


@pytest.fixture
def raw_key(db):
    _key, raw = api_keys.issue(name="Union digital centre")
    return raw


def valid_post(raw_key, **overrides):
    data = {
        "api_key": raw_key,
        "jurisdiction_id": "kaunia.example",
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
        "email": "karim@example.com",
        "attribute[office_has_decided]": "true",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# Discovery and services


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_names_the_georeport_v2_endpoint_and_its_formats(client, charter, fmt):
    response = get(client, f"discovery.{fmt}")
    assert response.status_code == 200
    data = parse(response, fmt)
    if fmt == "xml":
        assert data.tag == "discovery"
        endpoint = data.find("endpoints/endpoint")
        assert W3_DATETIME.match(data.findtext("changeset"))
        assert data.findtext("contact")
        assert [f.text for f in endpoint.findall("formats/format")] == [
            "text/xml",
            "application/json",
        ]
        endpoint = {child.tag: child.text for child in endpoint}
    else:
        assert W3_DATETIME.match(data["changeset"]) and data["contact"] and data["key_service"]
        (endpoint,) = data["endpoints"]
        assert endpoint["formats"] == ["text/xml", "application/json"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["type"] == "production"


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_service_list_has_one_service_per_published_charter_service(client, charter, fmt):
    from services.charter import published_services

    expected = list(published_services(charter))
    response = get(client, f"services.{fmt}")
    assert response.status_code == 200
    services = records(response, fmt, "services", "service")
    assert len(services) == len(expected) > 0
    for service, row in zip(services, expected, strict=True):
        assert list(service) == SERVICE_FIELDS
        assert service["service_code"] == f"{row.category}-{row.serial}"
        assert service["service_name"] == row.name_en
        assert row.name_en in service["description"]
        assert service["metadata"] in (True, "true")
        assert service["type"] == "realtime"
        assert service["group"] == str(row.get_category_display())
        assert service["group"] in service["keywords"]
    assert {s["group"] for s in services} == {
        "Citizen services",
        "Institutional services",
        "Internal services",
    }


@pytest.mark.django_db
def test_service_list_speaks_bangla_by_default_and_english_on_request(client, service):
    response = client.get(f"{API}/services.json")
    assert json.loads(response.content)[0]["service_name"] == service.name_bn
    assert response["Content-Language"] == "bn"
    assert "Accept-Language" in response["Vary"]
    english = get(client, "services.json")
    assert json.loads(english.content)[0]["service_name"] == service.name_en


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition_lists_the_complaint_forms_fields(client, charter, fmt):
    response = get(client, f"services/citizen-1.{fmt}")
    assert response.status_code == 200
    data = parse(response, fmt)
    if fmt == "xml":
        assert data.tag == "service_definition"
        assert data.findtext("service_code") == "citizen-1"
        attributes = []
        for element in data.find("attributes"):
            assert element.tag == "attribute"
            attribute = {child.tag: child.text for child in element if child.tag != "values"}
            if element.find("values") is not None:
                attribute["values"] = [
                    {"key": value.findtext("key"), "name": value.findtext("name")}
                    for value in element.find("values")
                ]
            attribute["variable"] = attribute["variable"] == "true"
            attribute["required"] = attribute["required"] == "true"
            attribute["order"] = int(attribute["order"])
            attributes.append(attribute)
    else:
        assert data["service_code"] == "citizen-1"
        attributes = data["attributes"]
    by_code = {attribute["code"]: attribute for attribute in attributes}
    for attribute in attributes:
        assert list(attribute)[: len(ATTRIBUTE_FIELDS)] == ATTRIBUTE_FIELDS
        assert attribute["variable"] is True
        assert attribute["datatype"] in DATATYPES
        assert attribute["description"]
        if attribute["datatype"].endswith("valuelist"):
            assert attribute["values"] and all(v["key"] and v["name"] for v in attribute["values"])
    orders = [attribute["order"] for attribute in attributes]
    assert sorted(orders) == list(range(1, len(attributes) + 1))
    assert {"complaint_type", "subject", "id_type", "id_number", "mobile"} <= set(by_code)
    assert by_code["complaint_type"]["required"] is True
    assert by_code["subject"]["required"] is True
    assert [v["key"] for v in by_code["complaint_type"]["values"]] == [
        "citizen",
        "official",
        "staff",
    ]
    assert [v["key"] for v in by_code["id_type"]["values"]] == ["nid", "birth", "passport"]


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("code", ["citizen-99", "nonsense", "citizen-x"])
def test_unknown_service_code_is_404_in_the_error_format(client, charter, fmt, code):
    response = get(client, f"services/{code}.{fmt}")
    assert response.status_code == 404
    errors = records(response, fmt, "errors", "error")
    assert [str(error["code"]) for error in errors] == ["404"]
    assert code in errors[0]["description"]


@pytest.mark.django_db
def test_an_unknown_address_under_the_api_answers_in_the_error_format(client, charter):
    response = get(client, "tokens/12.xml")
    assert response.status_code == 404
    assert parse(response, "xml").tag == "errors"


# Service requests: reading


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_requests_carry_every_field_of_the_spec(client, complaint, fmt):
    response = get(client, f"requests.{fmt}")
    assert response.status_code == 200
    (request,) = records(response, fmt, "service_requests", "request")
    assert list(request) == REQUEST_FIELDS
    assert request["service_request_id"] == str(complaint.pk)
    assert request["status"] == "open"
    assert request["status_notes"] == "Complaint received"
    assert request["service_code"] == "citizen-1"
    assert request["service_name"] == complaint.service.name_en
    assert request["agency_responsible"] == (
        "Grievance Redress Officer (GRO): District ICT Officer, District office, Rangpur"
    )
    for field in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert W3_DATETIME.match(request[field]), field
    assert request["requested_datetime"].endswith("+06:00")
    assert request["expected_datetime"] == f"{complaint.deadline.isoformat()}T23:59:59+06:00"
    # The complainant's own words and location are not published.
    assert request["description"] is None
    assert not {"address", "lat", "long", "zipcode", "address_id"} & set(request)


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_single_request_is_a_one_item_list(client, complaint, fmt):
    response = get(client, f"requests/{complaint.pk}.{fmt}")
    assert response.status_code == 200
    (request,) = records(response, fmt, "service_requests", "request")
    assert request["service_request_id"] == str(complaint.pk)
    assert list(request) == REQUEST_FIELDS


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("request_id", ["999999", "GRS-2025-ABCDEF"])
def test_an_unknown_request_is_404(client, charter, fmt, request_id):
    response = get(client, f"requests/{request_id}.{fmt}")
    assert response.status_code == 404
    assert [str(e["code"]) for e in records(response, fmt, "errors", "error")] == ["404"]


@pytest.mark.django_db
def test_a_disposed_complaint_is_closed_and_its_tier_follows_escalation(
    client, file_complaint, service, django_user_model
):
    officer = django_user_model.objects.create_user("gro", is_staff=True)
    disposed = file_complaint(service=service, now=timezone.now())
    workflow.dispose(grievance=disposed, actor=officer, decision="Information sent by post.")
    old = file_complaint(now=timezone.now() - datetime.timedelta(days=60))
    escalated = workflow.escalate(grievance=old, today=old.deadline + datetime.timedelta(days=1))

    by_id = {r["service_request_id"]: r for r in json.loads(get(client, "requests.json").content)}
    assert by_id[str(disposed.pk)]["status"] == "closed"
    assert by_id[str(disposed.pk)]["status_notes"] == "Disposed with a decision"
    # The decision was written to the complainant; the public sees that there is one.
    assert "Information sent by post" not in get(client, "requests.json").content.decode()
    assert by_id[str(escalated.pk)]["status"] == "open"
    assert by_id[str(escalated.pk)]["status_notes"] == "Escalated to the next tier"
    assert by_id[str(escalated.pk)]["agency_responsible"].startswith("Appeal Officer: ")
    assert by_id[str(escalated.pk)]["expected_datetime"].startswith(escalated.deadline.isoformat())


@pytest.mark.django_db
def test_request_filters_of_the_spec(client, file_complaint, service, django_user_model):
    officer = django_user_model.objects.create_user("gro", is_staff=True)
    now = timezone.now()
    about_service = file_complaint(service=service, now=now)
    other = file_complaint(now=now - datetime.timedelta(days=10))
    closed = workflow.dispose(
        grievance=file_complaint(now=now - datetime.timedelta(days=20)),
        actor=officer,
        decision="Done.",
    )
    too_old = file_complaint(now=now - datetime.timedelta(days=120))

    def ids(**params):
        response = get(client, "requests.json", **params)
        assert response.status_code == 200, response.content
        return {int(r["service_request_id"]) for r in json.loads(response.content)}

    # The default window is the last 90 days.
    assert ids() == {about_service.pk, other.pk, closed.pk}
    assert ids(service_code="citizen-1") == {about_service.pk}
    assert ids(service_code="citizen-1,other") == {about_service.pk, other.pk, closed.pk}
    assert ids(status="open") == {about_service.pk, other.pk}
    assert ids(status="closed") == {closed.pk}
    assert ids(status="open,closed") == {about_service.pk, other.pk, closed.pk}
    # service_request_id overrides every other argument, the 90 days included.
    assert ids(service_request_id=f"{too_old.pk},{closed.pk}", status="open") == {
        too_old.pk,
        closed.pk,
    }

    def days_ago(days):
        return (now - datetime.timedelta(days=days)).isoformat()

    assert ids(start_date=days_ago(125), end_date=days_ago(45)) == {too_old.pk}
    assert ids(start_date=days_ago(125)) == {too_old.pk}  # and the 90 days after it
    assert ids(end_date=days_ago(15)) == {closed.pk}  # and the 90 days before it
    day = timezone.localdate(now - datetime.timedelta(days=10))
    assert ids(start_date=f"{day.isoformat()}T00:00:00+06:00") == {about_service.pk, other.pk}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {"status": "pending"},
        {"start_date": "yesterday"},
        {"start_date": "2025-01-01T00:00:00Z", "end_date": "2025-06-01T00:00:00Z"},
        {"start_date": "2025-02-01T00:00:00Z", "end_date": "2025-01-01T00:00:00Z"},
    ],
)
def test_bad_request_filters_are_400_in_the_error_format(client, charter, params):
    response = get(client, "requests.xml", **params)
    assert response.status_code == 400
    assert [e["code"] for e in records(response, "xml", "errors", "error")] == ["400"]


@pytest.mark.django_db
def test_requests_cost_the_same_queries_for_one_complaint_or_many(
    client, file_complaint, service, django_assert_num_queries, django_assert_max_num_queries
):
    file_complaint(service=service, now=timezone.now())
    with django_assert_max_num_queries(3) as one:
        get(client, "requests.json")
    for days in range(1, 6):
        file_complaint(now=timezone.now() - datetime.timedelta(days=days))
    with django_assert_num_queries(len(one.captured_queries)):
        response = get(client, "requests.xml")
    assert len(parse(response, "xml")) == 6


@pytest.mark.django_db
def test_service_list_is_served_from_the_cache(client, charter, django_assert_num_queries):
    get(client, "services.json")
    with django_assert_num_queries(0):
        response = get(client, "services.json")
    assert response.status_code == 200 and response.has_header("ETag")


# Jurisdiction


@pytest.mark.django_db
def test_jurisdiction_id_is_optional_and_checked_when_configured(client, charter, settings):
    assert get(client, "services.json", jurisdiction_id="anything").status_code == 200
    settings.OPEN311_JURISDICTION_ID = "kaunia.example"
    assert get(client, "services.json").status_code == 200
    assert get(client, "requests.json", jurisdiction_id="kaunia.example").status_code == 200
    response = get(client, "requests.json", jurisdiction_id="dhaka.example")
    assert response.status_code == 404
    assert "dhaka.example" in json.loads(response.content)[0]["description"]


# Service requests: POST


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_post_with_a_valid_key_files_a_complaint_through_the_workflow(
    charter, raw_key, fmt, django_user_model
):
    client = Client(enforce_csrf_checks=True)  # other systems have no CSRF token
    response = client.post(f"{API}/requests.{fmt}", valid_post(raw_key), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, response.content
    (created,) = records(response, fmt, "service_requests", "request")
    assert set(created) == {"service_request_id", "service_notice"}

    grievance = Grievance.objects.get(pk=created["service_request_id"])
    assert grievance.tracking_number in created["service_notice"]
    assert grievance.deadline.isoformat() in created["service_notice"]
    assert grievance.channel == Grievance.Channel.API
    assert grievance.tier == 1 and grievance.status == Grievance.Status.RECEIVED
    assert grievance.deadline > timezone.localdate()
    assert grievance.service.serial == 1 and grievance.office == charter.office
    assert (grievance.name, grievance.mobile, grievance.id_number) == (
        "Karim Uddin",
        "01898765432",
        "9876543210",
    )
    entry = grievance.timeline.get()
    assert (entry.kind, entry.actor_label) == (TimelineEntry.Kind.SUBMITTED, "API")
    # The complainant gets the tracking number by SMS as from the web form.
    assert grievance.messages.filter(channel="sms", recipient="01898765432").exists()
    assert ApiKey.objects.get().last_used_at is not None

    # The GRO sees it in admin.
    gro = django_user_model.objects.create_user("gro", password="pw", is_staff=True)
    gro.groups.add(Group.objects.get(name="GRO"))
    StaffProfile.objects.create(user=gro, officer=grievance.handling_officer)
    admin = Client()
    admin.force_login(gro)
    assert grievance.tracking_number in admin.get("/admin/grievances/grievance/").content.decode()


@pytest.mark.django_db
def test_post_an_anonymous_complaint_needs_no_personal_details(client, charter, raw_key):
    data = {
        "api_key": raw_key,
        "service_code": "institutional-1",
        "description": "Nobody came.",
        "attribute[complaint_type]": "official",
        "attribute[subject]": "No visit",
        "attribute[anonymous]": "true",
        "attribute[office_has_decided]": "true",
    }
    response = client.post(f"{API}/requests.json", data)
    assert response.status_code == 200, response.content
    grievance = Grievance.objects.get(pk=json.loads(response.content)[0]["service_request_id"])
    assert grievance.is_anonymous and grievance.mobile == "" and grievance.channel == "api"


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", FORMATS)
def test_post_without_a_valid_key_is_403(client, charter, raw_key, fmt):
    revoked, revoked_raw = api_keys.issue(name="Old partner")
    api_keys.revoke(keys=ApiKey.objects.filter(pk=revoked.pk))
    for key in (None, "", "not-a-key", revoked_raw):
        response = client.post(f"{API}/requests.{fmt}", valid_post(raw_key, api_key=key))
        assert response.status_code == 403, key
        assert [str(e["code"]) for e in records(response, fmt, "errors", "error")] == ["403"]
    # A key in the query string does not count: keys belong in the body, not in logs.
    response = client.post(f"{API}/requests.json?api_key={raw_key}", valid_post(None))
    assert response.status_code == 403
    assert not Grievance.objects.exists()


@pytest.mark.django_db
def test_post_errors_name_each_missing_field(client, charter, raw_key):
    response = client.post(
        f"{API}/requests.json",
        valid_post(
            raw_key,
            **{"attribute[subject]": None, "phone": None, "attribute[id_number]": "12"},
        ),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    descriptions = [error["description"] for error in json.loads(response.content)]
    assert "attribute[subject]: This field is required." in descriptions
    assert "attribute[mobile]: This field is required." in descriptions
    assert any(d.startswith("attribute[id_number]: A national ID number") for d in descriptions)
    assert not Grievance.objects.exists()


@pytest.mark.django_db
def test_post_checks_the_service_code(client, charter, raw_key):
    missing = client.post(f"{API}/requests.xml", valid_post(raw_key, service_code=None))
    assert missing.status_code == 400
    unknown = client.post(f"{API}/requests.xml", valid_post(raw_key, service_code="citizen-99"))
    assert unknown.status_code == 404
    assert not Grievance.objects.exists()


@pytest.mark.django_db
def test_post_honours_the_services_own_time_limit(client, charter, raw_key):
    """As on the web form: a complaint waits until the service's time limit has run out."""
    today = timezone.localdate().isoformat()
    response = client.post(
        f"{API}/requests.json",
        valid_post(
            raw_key,
            **{
                "attribute[office_has_decided]": None,
                "attribute[service_applied_on]": f"{today}T09:00:00+06:00",
            },
        ),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert json.loads(response.content)[0]["description"].startswith(
        "attribute[service_applied_on]: The office has until"
    )


# Privacy


@pytest.mark.django_db
def test_no_personal_data_in_any_public_response(client, charter, raw_key, file_complaint):
    web = file_complaint(now=timezone.now(), **COMPLAINANT)
    posted = client.post(f"{API}/requests.json", valid_post(raw_key))
    api_id = json.loads(posted.content)[0]["service_request_id"]
    api = Grievance.objects.get(pk=api_id)
    secrets = [
        *COMPLAINANT.values(),
        web.tracking_number,
        web.subject,
        web.description,
        api.name,
        "Karim",
        api.mobile,
        api.id_number,
        api.email,
        api.permanent_address,
        api.tracking_number,
        api.subject,
        api.description,
    ]
    paths = [
        "discovery",
        "services",
        "services/citizen-1",
        "requests",
        f"requests/{web.pk}",
        f"requests/{api.pk}",
    ]
    for path in paths:
        for fmt in FORMATS:
            body = get(client, f"{path}.{fmt}").content.decode()
            leaked = [secret for secret in secrets if secret in body]
            assert not leaked, (path, fmt, leaked)


# API keys in admin


@pytest.mark.django_db
def test_admin_issues_a_key_shown_once_and_stores_only_its_digest(admin_client):
    assert admin_client.get("/admin/open311/apikey/add/").status_code == 200
    response = admin_client.post("/admin/open311/apikey/add/", {"name": "Union digital centre"})
    assert response.status_code == 200
    key = ApiKey.objects.get()
    raw = re.search(r'<code class="api-key">([^<]+)</code>', response.content.decode()).group(1)
    assert raw.startswith(key.prefix) and raw not in key.key_hash
    assert key.key_hash == api_keys.digest(raw)
    assert api_keys.authenticate(raw) == key
    change_page = admin_client.get(f"/admin/open311/apikey/{key.pk}/change/").content.decode()
    assert raw not in change_page and key.prefix in change_page
    assert raw not in admin_client.get("/admin/open311/apikey/").content.decode()


@pytest.mark.django_db
def test_admin_action_revokes_keys(admin_client, raw_key):
    key = ApiKey.objects.get()
    response = admin_client.post(
        "/admin/open311/apikey/",
        {"action": "revoke_keys", "_selected_action": [key.pk]},
        follow=True,
    )
    assert response.status_code == 200
    key.refresh_from_db()
    assert key.revoked_at is not None and not key.is_active
    assert api_keys.authenticate(raw_key) is None


# A client nobody here wrote: the PyPI package georeport, against a live server.


@pytest.fixture
def live_api(live_server, charter):
    return f"{live_server.url}{API}"


@pytest.mark.parametrize("fmt", FORMATS)
def test_georeport_client_reads_services_and_requests(live_api, file_complaint, service, fmt):
    from georeport import GeoReport

    first = file_complaint(service=service, now=timezone.now())
    second = file_complaint(now=timezone.now() - datetime.timedelta(days=3))
    client = GeoReport(live_api, jurisdiction="kaunia.example", output_format=fmt)

    services = client.get_service_list()
    assert len(services) > 1
    assert services[0]["service_code"] == "citizen-1"
    assert services[0]["service_name"] == service.name_bn  # no Accept-Language: Bangla
    assert {s["type"] for s in services} == {"realtime"}

    definition = client.get_service_definition("citizen-1")
    assert definition["service_code"] == "citizen-1"
    attributes = definition["attributes"]
    if fmt == "xml":  # xmltodict keeps the item element: {"attribute": [...]}
        attributes = attributes["attribute"]
    assert [a["code"] for a in attributes][:2] == ["complaint_type", "subject"]

    requests = client.get_service_requests()
    assert [r["service_request_id"] for r in requests] == [str(first.pk), str(second.pk)]
    assert {r["status"] for r in requests} == {"open"}
    only_other = client.get_service_requests(service_code="other", status="open")
    if fmt == "xml":  # one item: xmltodict gives the dict itself, not a list
        only_other = [only_other]
    assert [r["service_request_id"] for r in only_other] == [str(second.pk)]

    single = client.get_service_request(str(first.pk))
    assert single["service_request_id"] == str(first.pk)
    assert single["service_code"] == "citizen-1"
    assert single["expected_datetime"] == f"{first.deadline.isoformat()}T23:59:59+06:00"


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_over_raw_http_files_a_complaint(live_api, fmt):
    """georeport cannot create requests, so POST goes over plain HTTP as the spec shows it."""
    from urllib.error import HTTPError
    from urllib.parse import urlencode
    from urllib.request import Request, urlopen

    _key, raw_key = api_keys.issue(name="Union digital centre")
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}

    def post(data):
        request = Request(f"{live_api}/requests.{fmt}", urlencode(data).encode(), headers)
        try:
            with urlopen(request, timeout=10) as response:
                return response.status, response.read()
        except HTTPError as error:
            return error.code, error.read()

    status, body = post(valid_post(raw_key))
    assert status == 200, body
    data = json.loads(body) if fmt == "json" else ET.fromstring(body)
    request_id = (
        data[0]["service_request_id"]
        if fmt == "json"
        else data.findtext("request/service_request_id")
    )
    grievance = Grievance.objects.get(pk=request_id)
    assert grievance.channel == Grievance.Channel.API and grievance.timeline.count() == 1

    status, body = post(valid_post("wrong-key"))
    assert status == 403 and b"403" in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["requests/².json", "services/citizen-².json", "requests.json?service_request_id=²"]
)
def test_unicode_digits_that_are_not_numbers_are_no_crash(client, charter, path):
    response = client.get(f"/open311/v2/{path}")
    assert response.status_code in (200, 400, 404)
    if response.status_code == 200:  # a filter on an id that cannot exist finds nothing
        assert json.loads(response.content) == []
