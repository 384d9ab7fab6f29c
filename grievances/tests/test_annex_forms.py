"""The guideline's annex forms: the complaint (খ-১) on the web, for staff and through
Open311, and the appeal (খ-২) on the tracking page and on paper in admin.

Dates are counted by hand: Fridays and Saturdays off, no holidays in the fixture.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from grievances import workflow
from grievances.forms import AppealForm, ComplaintForm
from grievances.models import Appeal, Grievance
from open311 import keys as api_keys
from tests.helpers import VALID, at, url

pytestmark = pytest.mark.usefixtures("english")

D = datetime.date
TODAY = D(2025, 3, 2)

# The annex's fields, in its order (the honeypot and "anonymous" are the site's own).
ANNEX_ORDER = [
    "complaint_type",
    "complaining_office",
    "complaining_office_address",
    "writing_officer",
    "name",
    "recipient_name",
    "recipient_relation",
    "id_type",
    "id_number",
    "date_of_birth",
    "gender",
    "education",
    "occupation",
    "permanent_address",
    "present_address",
    "mobile",
    "email",
    "service",
    "other_service",
    "service_applied_on",
    "service_tracking_number",
    "office_has_decided",
    "subject",
    "description",
    "remedy_sought",
    "prevention",
    "attachments",
    "declaration",
]

OFFICIAL = {
    "complaint_type": "official",
    "complaining_office": "Union Parishad, Haragach",
    "complaining_office_address": "Haragach, Kaunia, Rangpur",
    "writing_officer": "Abdul Karim, Secretary",
    "name": "",
    "id_type": "",
    "id_number": "",
    "permanent_address": "",
    "present_address": "",
}


def form(data, charter, **kwargs):
    return ComplaintForm(data, charter=charter, today=TODAY, **kwargs)


# ------------------------------------------------------------------------ annex খ-১


@pytest.mark.django_db
def test_the_form_has_every_annex_field_in_the_annexs_order(charter):
    names = [
        field.name
        for _legend, fields in form(None, charter).grouped_fields()
        for field in fields
        if field.name != "is_anonymous"
    ]
    assert names == ANNEX_ORDER


@pytest.mark.django_db
def test_the_optional_annex_fields_are_marked_and_the_others_are_not(charter):
    labels = {name: str(field.label) for name, field in form(None, charter).fields.items()}
    for name in ("date_of_birth", "gender", "education", "occupation", "email"):
        assert labels[name].endswith("(optional)"), name
    for name in ("name", "present_address", "remedy_sought", "prevention", "subject"):
        assert "optional" not in labels[name], name


@pytest.mark.django_db
def test_a_filled_in_complaint_reaches_the_case_with_every_annex_field(charter):
    data = {
        **VALID,
        "recipient_name": "Karim Mia",
        "recipient_relation": "relative",
        "date_of_birth": "১৫/০৮/১৯৯০",
        "gender": "female",
        "education": "HSC",
        "occupation": "Teacher",
        "present_address": "House 4, Road 2, Rangpur",
    }
    bound = form(data, charter)
    assert bound.is_valid(), bound.errors
    case = workflow.submit(office=charter.office, **bound.complaint(), now=at(2025, 3, 2))
    case.refresh_from_db()
    assert (case.recipient_name, case.recipient_relation) == ("Karim Mia", "relative")
    assert case.date_of_birth == D(1990, 8, 15)
    assert (case.gender, case.education, case.occupation) == ("female", "HSC", "Teacher")
    assert case.present_address == "House 4, Road 2, Rangpur"
    assert case.remedy_sought == VALID["remedy_sought"]
    assert case.prevention == VALID["prevention"]
    assert case.declaration is True


@pytest.mark.django_db
@pytest.mark.parametrize(
    "missing", ["present_address", "remedy_sought", "prevention", "declaration"]
)
def test_the_annex_requires_the_present_address_remedy_prevention_and_declaration(charter, missing):
    bound = form({**VALID, missing: ""}, charter)
    assert not bound.is_valid()
    assert list(bound.errors) == [missing]


@pytest.mark.django_db
def test_the_optional_fields_may_stay_empty_and_the_recipient_is_the_complainant(charter):
    bound = form(VALID, charter)
    assert bound.is_valid(), bound.errors
    complaint = bound.complaint()
    assert complaint["recipient_relation"] == "self"
    assert complaint["date_of_birth"] is None
    assert complaint["gender"] == complaint["education"] == complaint["occupation"] == ""


@pytest.mark.django_db
def test_a_recipient_who_is_not_the_complainant_is_named(charter):
    bound = form({**VALID, "recipient_relation": "representative"}, charter)
    assert not bound.is_valid()
    assert list(bound.errors) == ["recipient_name"]


@pytest.mark.django_db
def test_a_date_of_birth_in_the_future_is_refused(charter):
    bound = form({**VALID, "date_of_birth": "2025-03-03"}, charter)
    assert not bound.is_valid()
    assert list(bound.errors) == ["date_of_birth"]


@pytest.mark.django_db
def test_an_official_complaint_gives_the_office_and_the_officer_writing_not_a_personal_id(
    charter,
):
    bound = form({**VALID, **OFFICIAL}, charter)
    assert bound.is_valid(), bound.errors
    case = workflow.submit(office=charter.office, **bound.complaint(), now=at(2025, 3, 2))
    assert case.complaint_type == "official"
    assert case.complaining_office == "Union Parishad, Haragach"
    assert case.writing_officer == "Abdul Karim, Secretary"
    assert case.id_number == "" and case.name == ""


@pytest.mark.django_db
def test_an_official_complaint_without_the_office_is_refused_field_by_field(charter):
    bound = form({**VALID, **OFFICIAL, "complaining_office": "", "writing_officer": ""}, charter)
    assert not bound.is_valid()
    assert sorted(bound.errors) == ["complaining_office", "writing_officer"]


@pytest.mark.django_db
def test_a_citizens_complaint_still_needs_a_personal_id(charter):
    bound = form({**VALID, "id_type": "", "id_number": ""}, charter)
    assert not bound.is_valid()
    assert sorted(bound.errors) == ["id_number", "id_type"]


@pytest.mark.django_db
def test_an_anonymous_official_complaint_keeps_no_office_details(charter):
    bound = form({**VALID, **OFFICIAL, "is_anonymous": "on", "mobile": ""}, charter)
    assert bound.is_valid(), bound.errors
    case = workflow.submit(office=charter.office, **bound.complaint(), now=at(2025, 3, 2))
    assert (case.complaining_office, case.writing_officer) == ("", "")


@pytest.mark.django_db
def test_an_anonymous_complaint_keeps_none_of_the_new_personal_fields(charter):
    data = {**VALID, "is_anonymous": "on", "gender": "male", "occupation": "Farmer"}
    bound = form(data, charter)
    assert bound.is_valid(), bound.errors
    case = workflow.submit(office=charter.office, **bound.complaint(), now=at(2025, 3, 2))
    assert (case.gender, case.occupation, case.recipient_relation) == ("", "", "")
    assert case.remedy_sought == VALID["remedy_sought"]  # about the complaint, not the person


@pytest.mark.django_db
def test_a_relayed_complaint_may_lack_the_present_address_remedy_and_declaration(charter):
    data = {**VALID, "present_address": "", "remedy_sought": "", "prevention": ""}
    data.pop("declaration")
    bound = form(data, charter, relayed=True)
    assert bound.is_valid(), bound.errors
    assert bound.complaint()["declaration"] is False


@pytest.mark.django_db
def test_other_channels_file_without_the_new_fields(file_complaint):
    case = file_complaint()
    assert case.recipient_relation == "" and case.declaration is False
    assert case.remedy_sought == "" and case.blacklisted is False


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["bn", "en"])
def test_the_web_form_shows_the_annex_parts(client, charter, language):
    html = client.get(url("grievances:new", language)).content.decode()
    assert html.count('<fieldset class="part">') == 6
    for name in ANNEX_ORDER:
        assert f'name="{name}"' in html, name


@pytest.mark.django_db
def test_the_web_form_files_an_official_complaint(client, charter):
    response = client.post(url("grievances:new", "en"), {**VALID, **OFFICIAL})
    assert response.status_code == 302
    case = Grievance.objects.get()
    assert (case.complaint_type, case.complaining_office) == (
        "official",
        "Union Parishad, Haragach",
    )


# --------------------------------------------------------------------- Open311 attributes


@pytest.mark.django_db
def test_open311_lists_the_annex_attributes_with_the_optional_ones_optional(client, charter):
    response = client.get("/open311/v2/services/citizen-1.json", HTTP_ACCEPT_LANGUAGE="en")
    attributes = {a["code"]: a for a in response.json()["attributes"]}
    for code in (
        "complaining_office",
        "complaining_office_address",
        "writing_officer",
        "recipient_name",
        "recipient_relation",
        "date_of_birth",
        "gender",
        "education",
        "occupation",
        "remedy_sought",
        "prevention",
        "declaration",
    ):
        assert attributes[code]["required"] is False, code
    assert [v["key"] for v in attributes["recipient_relation"]["values"]] == [
        "self",
        "representative",
        "relative",
    ]
    assert [v["key"] for v in attributes["gender"]["values"]] == ["female", "male", "third"]
    assert "Optional" in attributes["gender"]["description"]


@pytest.mark.django_db
def test_open311_files_an_official_complaint_with_the_annex_attributes(client, charter):
    _key, raw = api_keys.issue(name="Union digital centre")
    response = client.post(
        "/open311/v2/requests.json",
        {
            "api_key": raw,
            "service_code": "citizen-4",  # a time limit the charter leaves unfilled
            "description": "The centre was closed three times.",
            "attribute[complaint_type]": "official",
            "attribute[subject]": "Centre closed",
            "attribute[complaining_office]": "Union Parishad, Haragach",
            "attribute[complaining_office_address]": "Haragach,\nKaunia",
            "attribute[writing_officer]": "Abdul Karim, Secretary",
            "attribute[remedy_sought]": "Keep the centre open.",
            "attribute[prevention]": "Post the opening hours.",
            "attribute[declaration]": "true",
            "phone": "01898765432",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200, response.content
    case = Grievance.objects.get()
    assert case.complaining_office_address == "Haragach,\nKaunia"
    assert (case.remedy_sought, case.declaration) == ("Keep the centre open.", True)
    assert case.id_number == ""


@pytest.mark.django_db
def test_open311_asks_for_the_officer_of_an_official_complaint(client, charter):
    _key, raw = api_keys.issue(name="Union digital centre")
    response = client.post(
        "/open311/v2/requests.json",
        {
            "api_key": raw,
            "service_code": "citizen-4",
            "description": "Closed.",
            "attribute[complaint_type]": "official",
            "attribute[subject]": "Centre closed",
            "attribute[complaining_office]": "Union Parishad, Haragach",
            "attribute[complaining_office_address]": "Haragach",
            "phone": "01898765432",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response.json()[0]["description"].startswith("attribute[writing_officer]:")


# ---------------------------------------------------------------------------- annex খ-২


def _disposed(file_complaint, gro=None):
    case = file_complaint(now=at(2025, 1, 5))
    workflow.dispose(grievance=case, actor=gro, decision="Service given.", now=at(2025, 1, 6))
    case.refresh_from_db()
    return case


def test_the_appeal_form_asks_who_appeals_their_details_and_the_grounds():
    assert list(AppealForm().fields) == [
        "appellant_role",
        "appellant_name",
        "appellant_address",
        "appellant_mobile",
        "reason",
    ]
    assert [key for key, _label in AppealForm().fields["appellant_role"].choices] == [
        "complainant",
        "responsible_officer",
        "accused_officer",
    ]


def test_an_officer_appealing_gives_a_name():
    bound = AppealForm({"appellant_role": "accused_officer", "reason": "Unfair."})
    assert not bound.is_valid()
    assert list(bound.errors) == ["appellant_name"]
    assert AppealForm({"reason": "Unfair."}).is_valid()  # the complainant's is on record


@pytest.mark.django_db
def test_an_appeal_records_the_annex_fields_and_the_decision_appealed(file_complaint):
    case = _disposed(file_complaint)
    workflow.appeal(
        grievance=case,
        reason="The service was not given.",
        appellant_role="complainant",
        appellant_address="Haragach, Kaunia",
        appellant_mobile="01712345678",
        now=at(2025, 2, 5),
    )
    appeal = Appeal.objects.get()
    assert appeal.decision_appealed == "Service given."
    assert appeal.disposed_on == D(2025, 1, 6)
    assert (appeal.from_tier, appeal.channel, appeal.received_on) == (1, "web", D(2025, 2, 5))
    assert appeal.grounds == "The service was not given."
    assert appeal.entry.kind == "appealed"
    case.refresh_from_db()
    assert (case.tier, case.deadline) == (2, D(2025, 3, 5))  # 20 working days from 5 Feb


@pytest.mark.django_db
def test_the_tracking_page_shows_the_decision_and_takes_the_annex_appeal(client, file_complaint):
    case = file_complaint(now=timezone.now())
    workflow.dispose(grievance=case, actor=None, decision="Service given.")
    client.post(
        url("grievances:track", "en"),
        {"tracking_number": case.tracking_number, "mobile": case.mobile},
    )
    case_url = url("grievances:case", "en", tracking_number=case.tracking_number)
    html = client.get(case_url).content.decode()
    assert "The decision appealed against" in html and "Service given." in html
    assert "The decision shown above, made on" in html
    assert 'name="appellant_role"' in html and 'name="reason"' in html
    response = client.post(
        reverse("grievances:appeal", args=[case.tracking_number]),
        {
            "appellant_role": "complainant",
            "appellant_address": "Haragach",
            "reason": "Nothing was done.",
        },
    )
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert (appeal.appellant_role, appeal.grounds) == ("complainant", "Nothing was done.")


@pytest.mark.django_db
def test_staff_enter_a_paper_appeal_judged_on_its_date_of_receipt(file_complaint, admin_user):
    case = _disposed(file_complaint)
    # Disposed Monday 6 January: the last day to appeal is Wednesday 5 February. A letter
    # received that day and entered a week later is in time; the appeal officer's 20
    # working days run from the day it came (to Wednesday 5 March).
    workflow.enter_appeal(
        grievance=case,
        actor=admin_user,
        received_on=D(2025, 2, 5),
        reason="Sent by post.",
        appellant_role="responsible_officer",
        appellant_name="Md. Rahim, Upazila ICT Officer",
        now=at(2025, 2, 12),
    )
    case.refresh_from_db()
    assert (case.tier, case.tier_started_on, case.deadline) == (2, D(2025, 2, 5), D(2025, 3, 5))
    appeal = Appeal.objects.get()
    assert (appeal.channel, appeal.received_on) == ("paper", D(2025, 2, 5))
    assert appeal.appellant_name == "Md. Rahim, Upazila ICT Officer"


@pytest.mark.django_db
def test_a_paper_appeal_received_after_30_days_is_refused(file_complaint, admin_user):
    case = _disposed(file_complaint)
    with pytest.raises(workflow.WorkflowError, match="30 days"):
        workflow.enter_appeal(
            grievance=case,
            actor=admin_user,
            received_on=D(2025, 2, 6),
            reason="Late.",
            now=at(2025, 2, 6),
        )
    with pytest.raises(workflow.WorkflowError, match="before the decision"):
        workflow.enter_appeal(
            grievance=case,
            actor=admin_user,
            received_on=D(2025, 1, 5),
            reason="Early.",
            now=at(2025, 2, 6),
        )
    assert not Appeal.objects.exists()


@pytest.mark.django_db
def test_admin_enters_a_paper_appeal(admin_client, file_complaint):
    case = _disposed(file_complaint)
    act = reverse("admin:grievances_grievance_act", args=[case.pk, "enter_appeal"])
    with translation.override("en"):
        page = admin_client.get(act)
    assert page.status_code == 200 and 'name="received_on"' in page.content.decode()
    received_on = case.disposed_at.date() + datetime.timedelta(days=3)
    response = admin_client.post(
        act,
        {
            "received_on": received_on.isoformat(),
            "appellant_role": "complainant",
            "reason": "Received at the desk.",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    assert Appeal.objects.get().received_on == received_on
