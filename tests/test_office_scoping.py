"""No admin URL, bulk action, import, export or autocomplete lets a staff member read or
change another office's records.

The walk enumerates the admin from ``admin.site._registry``: every registered model whose
foreign keys lead to an office is walked, with every URL its ModelAdmin serves (list, add,
change, delete, history, the complaint's act/attachment/offline/report pages, import and
export) and every action it offers, and every foreign key of every model is tried in the
autocomplete. A newly registered admin, URL or action is covered without editing this
file; a URL with a parameter the walk does not know, or a registered model that leads to
an office but has no record of the walked office here, fails until the walk is taught.

The walker is a member of another office with every permission of every model except the
user accounts' (which are not an office's): so a refusal comes from the office scoping,
not from a missing permission.
"""

import html
from collections import deque

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.test import RequestFactory
from django.urls import URLPattern, reverse
from django.utils import translation
from django.utils.http import urlencode

from grievances import workflow
from grievances.attachments import CleanAttachment
from grievances.models import Attachment, Grievance, StaffProfile
from services.models import Office, Officer, Service, StaffMembership
from tests.helpers import PDF, at
from tests.network_helpers import (
    DEPUTY_DIRECTOR,
    DISTRICT_ICT_OFFICER,
    KAUNIA_UPAZILA_OFFICER,
    make_charter,
    make_office,
    make_officer,
    make_service,
    make_staff,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "private_media")]

# Registered models that are not any office's records: who may see them is a matter of
# permissions alone (given here to superusers or to no office's staff).
NOT_OFFICE_RECORDS = {
    "auth.user",  # accounts: superusers (the walker has no auth permission)
    "auth.group",
    "core.heartbeat",  # when each periodic job last ran
    "grievances.holiday",  # the government's holidays, the same for every office
    "open311.apikey",  # keys of systems using the API
}
# Apps whose rows the walk must leave exactly as they were.
WATCHED_APPS = ("services", "grievances", "open311")
NOT_FOUND_STATUSES = {403, 404}


# --- Which records are an office's ---------------------------------------------------------


def office_paths(model, depth: int = 3) -> list[str]:
    """Lookups from ``model`` to an office along its foreign keys ("" for Office itself)."""
    if model is Office:
        return [""]
    paths, queue = [], deque([(model, "")])
    while queue:
        current, prefix = queue.popleft()
        for field in current._meta.get_fields():
            if not (
                field.is_relation and field.concrete and (field.many_to_one or field.one_to_one)
            ):
                continue
            path = f"{prefix}__{field.name}" if prefix else field.name
            if field.related_model is Office:
                paths.append(path)
            elif path.count("__") < depth - 1:
                queue.append((field.related_model, path))
    return paths


def records_of(model, office: Office):
    paths = office_paths(model)
    if paths == [""]:
        return model.objects.filter(pk=office.pk)
    query = None
    for path in paths:
        condition = model.objects.filter(**{path: office})
        query = condition if query is None else query | condition
    return query.distinct()


def watched_rows() -> dict[str, list[dict]]:
    """Every row of the watched apps, to tell that nothing was created, changed or deleted
    (read in one language: a translated field reads the active one)."""
    with translation.override("en"):
        return {
            model._meta.label: list(model.objects.order_by("pk").values())
            for app in WATCHED_APPS
            for model in apps.get_app_config(app).get_models()
        }


# --- The two offices ------------------------------------------------------------------------


@pytest.fixture
def kaunia(charter, django_user_model):
    """Office A, the walked one: Kaunia's charter, services, officers, tiers and
    expectations (the fixture), a complaint with an attachment and its messages, a charter
    editor and an officer's staff profile, and a host name if offices have them."""
    office = charter.office
    case = workflow.submit(
        office=office,
        complaint_type="citizen",
        subject="Kaunia's complaint",
        description="Nobody answered at Kaunia.",
        name="Kaunia Complainant Rahima",
        id_type="nid",
        id_number="1234567890",
        mobile="01898765432",
        attachments=[CleanAttachment("a.pdf", "application/pdf", PDF)],
        now=at(2025, 3, 2),
    )
    # The GRO proposes the complainant's number for the office's blacklist (guideline §8).
    workflow.propose_blacklisting(
        grievance=case, actor=None, reason="Kaunia's proposal", now=at(2025, 3, 3)
    )
    make_staff(django_user_model, "kaunia_editor", "charter editor", offices=[office])
    make_staff(
        django_user_model, "kaunia_officer", "GRO", post=KAUNIA_UPAZILA_OFFICER, offices=[office]
    )
    host_model = next(
        (m for m in apps.get_app_config("services").get_models() if m.__name__ == "OfficeHost"),
        None,
    )
    if host_model is not None:
        host_model.objects.create(office=office, host="kaunia.test.example")
    return {"office": office, "case": case}


@pytest.fixture
def walker(django_user_model, charter):
    """A member of office B (another upazila of Rangpur, with a charter, a service and a
    complaint of its own), holding B's GRO post, in every group, with every permission
    except the user accounts'."""
    rangpur = Office.objects.get(pk=2)
    other = make_office("Test Pirganj", rangpur)
    officer = make_officer(other, name="Pirganj GRO")
    make_charter(
        other,
        signatory=officer,
        tiers={1: (officer, 30), 2: (Officer.objects.get(pk=DEPUTY_DIRECTOR), 20)},
    )
    make_service(other, officer, Officer.objects.get(pk=DISTRICT_ICT_OFFICER), "Pirganj service")
    workflow.submit(
        office=other,
        complaint_type="citizen",
        subject="Pirganj's complaint",
        description="Nobody answered at Pirganj.",
        name="Pirganj Complainant",
        id_type="nid",
        id_number="1234567890",
        mobile="01712345678",
        now=at(2025, 3, 2),
    )
    user = make_staff(
        django_user_model,
        "walker",
        *Group.objects.values_list("name", flat=True),
        post=officer,
        offices=[other],
    )
    user.user_permissions.set(Permission.objects.exclude(content_type__app_label="auth"))
    return {"user": user, "office": other, "officer": officer}


def markers(office: Office, case: Grievance) -> set[str]:
    """Text that only a page showing office A's records would contain."""
    found = {office.name_bn, office.name_en, case.tracking_number, case.name, case.mobile}
    found |= {
        name
        for officer in Officer.objects.filter(office=office)
        for name in (officer.name_bn, officer.name_en)
        if name
    }
    found |= {
        name
        for service in Service.objects.filter(office=office)
        for name in (service.name_bn, service.name_en)
        if name
    }
    found |= set(
        StaffMembership.objects.filter(office=office).values_list("user__username", flat=True)
    )
    return {text for text in found if text}


def shows_any(response, texts) -> list[str]:
    if response.get("Content-Type", "").startswith(("text/", "application/json")):
        body = html.unescape(
            b"".join(getattr(response, "streaming_content", [response.content])).decode(
                "utf-8", "replace"
            )
        )
        return sorted(text for text in texts if text in body)
    return []


# --- The URLs -------------------------------------------------------------------------------


def admin_urls(model, model_admin, record, case):
    """(url, is_about_the_record) for every URL the ModelAdmin serves, its parameters
    filled with ``record`` (and, for the complaint's own pages, each action and the
    attachment)."""
    opts = model._meta
    base = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    urls = []
    for pattern in model_admin.get_urls():
        assert isinstance(pattern, URLPattern), pattern
        route = str(pattern.pattern)
        params = sorted(pattern.pattern.converters)
        if not params:
            urls.append((base + route, False))
            continue
        if params == ["object_id"] or params == ["id"]:
            name = params[0]
            urls.append(
                (
                    base
                    + route.replace(f"<path:{name}>", str(record.pk)).replace(
                        f"<{name}>", str(record.pk)
                    ),
                    True,
                )
            )
            continue
        if params == ["action", "object_id"]:
            from grievances.admin import ACTIONS

            for action in ACTIONS:
                filled = route.replace("<path:object_id>", str(record.pk))
                urls.append((base + filled.replace("<str:action>", str(action)), True))
            continue
        if params == ["attachment_id", "object_id"]:
            attachment = Attachment.objects.filter(grievance=record).first()
            assert attachment is not None, "the walked complaint has an attachment"
            filled = route.replace("<path:object_id>", str(record.pk))
            urls.append((base + filled.replace("<int:attachment_id>", str(attachment.pk)), True))
            continue
        pytest.fail(f"{opts.label}: teach the walk the parameters {params} of {route!r}")
    return urls


def refused(client, url, response, *, admin_index) -> bool:
    """A 403 or 404, or Django admin's "does not exist" redirect to the index (also after
    the redirect from ``<id>/`` to ``<id>/change/``)."""
    for _hop in range(3):
        if response.status_code in NOT_FOUND_STATUSES:
            return True
        if response.status_code not in (301, 302):
            return False
        location = response["Location"]
        if location == admin_index:
            return True
        if not location.startswith("/admin/"):
            return False
        response = client.get(location)
    return False


def test_a_member_of_another_office_reaches_none_of_an_office_s_records_in_admin(
    client, kaunia, walker
):
    office, case = kaunia["office"], kaunia["case"]
    user = walker["user"]
    client.force_login(user)
    texts = markers(office, case)
    admin_index = reverse("admin:index")
    before = watched_rows()
    request = RequestFactory().get("/admin/")
    request.user = user
    walked, failures = [], []

    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        if label in NOT_OFFICE_RECORDS:
            assert not office_paths(model), f"{label} leads to an office: walk it"
            continue
        assert office_paths(model), (
            f"{label} is registered in admin but leads to no office: walk it (a foreign key "
            "path) or list it in NOT_OFFICE_RECORDS with the reason"
        )
        records = list(records_of(model, office))
        assert records, f"no record of office A for {label}: create one in the kaunia fixture"
        for record in records[:3]:
            for url, about_record in admin_urls(model, model_admin, record, case):
                query = {
                    "office__id__exact": office.pk,
                    "office": office.pk,
                    "q": case.tracking_number.removeprefix("GRS-"),
                }
                for method in ("get", "post"):
                    if method == "get":
                        response = getattr(client, method)(f"{url}?{urlencode(query)}")
                    else:
                        data = {
                            **query,
                            "post": "yes",
                            "format": "1",
                            "resource": "0",
                            "decision": "x",
                            "note": "x",
                            "name": "Changed",
                        }
                        response = client.post(url, data)
                    walked.append((method, url))
                    if about_record:
                        if not refused(client, url, response, admin_index=admin_index):
                            failures.append((method, url, response.status_code))
                        continue
                    if response.status_code in NOT_FOUND_STATUSES | {302, 405}:
                        continue
                    if response.status_code != 200:
                        failures.append((method, url, response.status_code))
                        continue
                    if leak := shows_any(response, texts):
                        failures.append((method, url, f"shows {leak}"))
                    listed = getattr(response, "context", None) and response.context.get("cl")
                    if listed is not None:
                        shown = {obj.pk for obj in listed.result_list}
                        if shown & {r.pk for r in records}:
                            failures.append((method, url, "lists office A's records"))

        # Every bulk action, on office A's records.
        changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        selected = [str(record.pk) for record in records]
        for action in model_admin.get_actions(request):
            response = client.post(
                changelist,
                {
                    "action": action,
                    "_selected_action": selected,
                    "index": 0,
                    "post": "yes",
                    "copy": "1",
                },
            )
            walked.append(("action", f"{changelist} {action}"))
            if response.status_code == 200 and (leak := shows_any(response, texts)):
                failures.append(("action", action, f"shows {leak}"))
        # Editable columns, on office A's records.
        if model_admin.list_editable:
            data = {
                "form-TOTAL_FORMS": len(selected),
                "form-INITIAL_FORMS": len(selected),
                "_save": "Save",
            }
            for n, pk in enumerate(selected):
                data[f"form-{n}-{model._meta.pk.name}"] = pk
            client.post(changelist, data)
            walked.append(("list_editable", changelist))

    # The autocomplete, from every foreign key of every model to a registered model.
    for source in apps.get_models():
        for field in source._meta.get_fields():
            if not (field.is_relation and field.concrete and field.many_to_one):
                continue
            remote = field.related_model
            if remote not in admin.site._registry or remote._meta.label_lower in NOT_OFFICE_RECORDS:
                continue
            theirs = {str(pk) for pk in records_of(remote, office).values_list("pk", flat=True)}
            address = (
                reverse("admin:autocomplete")
                + "?"
                + urlencode(
                    {
                        "app_label": source._meta.app_label,
                        "model_name": source._meta.model_name,
                        "field_name": field.name,
                        "term": "",
                    }
                )
            )
            response = client.get(address)
            walked.append(("autocomplete", address))
            if response.status_code in NOT_FOUND_STATUSES:
                continue
            if response.status_code != 200:
                failures.append(("autocomplete", address, response.status_code))
                continue
            answer = response.json()
            assert not answer["pagination"]["more"], address
            if shown := {item["id"] for item in answer["results"]} & theirs:
                failures.append(("autocomplete", address, f"offers {shown}"))

    # The monthly report and its CSV and print, asked for office A.
    report = reverse("admin:grievances_grievance_report")
    for extra in ({}, {"format": "csv"}, {"print": "1"}, {"including_below": "on"}):
        address = f"{report}?{urlencode({'month': '2025-03', 'office': office.pk, **extra})}"
        response = client.get(address)
        walked.append(("get", address))
        if response.status_code == 200 and (
            response.context is None or response.context.get("report") is not None
        ):
            failures.append(("get", address, "a report"))
    # The complaint by post, for one of office A's services.
    service = Service.objects.filter(office=office).first()
    offline = reverse("admin:grievances_grievance_offline")
    client.post(offline, {"service": service.pk, "subject": "x", "description": "x"})

    assert failures == [], "\n".join(map(str, failures))
    assert watched_rows() == before, "the walk changed, created or deleted a record"
    assert len(walked) > 150  # every model's URLs, actions and autocompletes were walked

    # The walker is refused by the scoping, not by permissions: their own office's records
    # open, and their lists are not empty.
    own = walker["office"]
    assert client.get(reverse("admin:services_office_change", args=[own.pk])).status_code == 200
    assert (
        client.get(
            reverse("admin:services_officer_change", args=[walker["officer"].pk])
        ).status_code
        == 200
    )
    services = client.get(reverse("admin:services_service_changelist"))
    assert [s.office for s in services.context["cl"].result_list] == [own]
    cases = client.get(reverse("admin:grievances_grievance_changelist"))
    assert [c.office for c in cases.context["cl"].result_list] == [own]


# --- A charter editor of office A and office B's services ----------------------------------


@pytest.fixture
def two_offices(charter, django_user_model):
    """Kaunia's charter editor, and office B (Test Mithapukur) with its own officer and
    service."""
    kaunia = charter.office
    other = make_office("Test Mithapukur", Office.objects.get(pk=2))
    officer = make_officer(other, name="Mithapukur Officer")
    service = make_service(other, officer, officer, "Mithapukur only service")
    editor = make_staff(django_user_model, "editor", "charter editor", offices=[kaunia])
    return {
        "kaunia": kaunia,
        "other": other,
        "officer": officer,
        "service": service,
        "editor": editor,
    }


def test_a_charter_editor_sees_and_edits_only_their_office_s_services(client, two_offices):
    client.force_login(two_offices["editor"])
    kaunia, service = two_offices["kaunia"], two_offices["service"]
    changelist = reverse("admin:services_service_changelist")
    listing = client.get(changelist)
    offices = {s.office for s in listing.context["cl"].queryset}
    assert offices == {kaunia}
    assert "Mithapukur only service" not in listing.content.decode()
    # The office filter offers only their own office.
    assert "Test Mithapukur" not in listing.content.decode()
    # Another office's service: "does not exist", for the form, the history and deletion.
    for name in ("change", "history", "delete"):
        response = client.get(reverse(f"admin:services_service_{name}", args=[service.pk]))
        assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    # A bulk action or an edited column on it changes nothing.
    client.post(
        changelist,
        {"action": "delete_selected", "_selected_action": [service.pk], "post": "yes"},
    )
    client.post(
        changelist,
        {
            "form-TOTAL_FORMS": 1,
            "form-INITIAL_FORMS": 1,
            "form-0-id": service.pk,
            "_save": "Save",
        },
    )
    service.refresh_from_db()
    assert service.is_published
    # A form that gives their own service to the other office is refused.
    own = Service.objects.filter(office=kaunia).first()
    form = client.get(reverse("admin:services_service_change", args=[own.pk]))
    assert set(form.context["adminform"].form.fields["office"].queryset) == {kaunia}
    assert two_offices["officer"] not in set(
        form.context["adminform"].form.fields["responsible_officer"].queryset
    )


def test_officer_autocompletes_offer_the_editor_s_offices_and_those_above_only(client, two_offices):
    client.force_login(two_offices["editor"])

    def offered(model_name, field_name, app_label="services"):
        response = client.get(
            reverse("admin:autocomplete"),
            {"app_label": app_label, "model_name": model_name, "field_name": field_name},
        )
        assert response.status_code == 200
        return {int(item["id"]) for item in response.json()["results"]}

    kaunia_officers = set(
        Officer.objects.filter(office=two_offices["kaunia"]).values_list("pk", flat=True)
    )
    # The responsible officer is one of the office's own.
    assert offered("service", "responsible_officer") == kaunia_officers
    # The superior officer and the GRS tiers name officers above too: the District ICT
    # Officer (Rangpur) and the Deputy Director (the Department); never office B's.
    above = kaunia_officers | {DISTRICT_ICT_OFFICER, DEPUTY_DIRECTOR}
    assert offered("service", "superior_officer") == above
    assert offered("grstier", "officer") == above
    assert offered("charter", "office") == {two_offices["kaunia"].pk}
    # From any foreign key to an officer, not only the declared autocomplete fields.
    assert offered("grievance", "handling_officer", "grievances") == kaunia_officers


def test_the_editor_may_name_an_officer_above_but_not_edit_it(client, two_offices):
    client.force_login(two_offices["editor"])
    district_officer = reverse("admin:services_officer_change", args=[DISTRICT_ICT_OFFICER])
    assert client.get(district_officer)["Location"] == reverse("admin:index")
    client.post(district_officer, {"designation_bn": "x", "designation_en": "x", "office": 2})
    assert Officer.objects.get(pk=DISTRICT_ICT_OFFICER).designation_en == "District ICT Officer"


def test_only_superusers_edit_staff_profiles_and_the_outbox(client, two_offices, admin_user):
    editor = two_offices["editor"]
    editor.user_permissions.set(Permission.objects.filter(content_type__app_label="grievances"))
    client.force_login(editor)
    for name in ("staffprofile", "outboxmessage"):
        assert client.get(reverse(f"admin:grievances_{name}_changelist")).status_code == 403
    # A superuser gives a user their offices on the staff profile's page.
    client.force_login(admin_user)
    profile = StaffProfile.objects.get(user=editor)
    response = client.post(
        reverse("admin:grievances_staffprofile_change", args=[profile.pk]),
        {
            "user": editor.pk,
            "officer": "",
            "offices": [two_offices["kaunia"].pk, two_offices["other"].pk],
        },
    )
    assert response.status_code == 302
    assert set(profile.offices) == {two_offices["kaunia"], two_offices["other"]}
