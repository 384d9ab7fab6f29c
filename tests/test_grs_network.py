"""The GRS across a network of offices: a complaint goes to the post its office's GRS table
names, wherever that post sits; forwarding hands it, with its whole history, to another
office's GRO; an appeal reaches the tier-2 officer of the office concerned."""

import datetime

import pytest
from django.urls import reverse

from grievances import workflow
from grievances.models import Grievance, Holiday, OutboxMessage, TimelineEntry
from services.models import Office, Officer
from tests.helpers import VALID, at, url
from tests.network_helpers import (
    DEPUTY_DIRECTOR,
    DISTRICT_ICT_OFFICER,
    KAUNIA_UPAZILA_OFFICER,
    make_charter,
    make_office,
    make_officer,
    make_staff,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

D = datetime.date
Kind = TimelineEntry.Kind


def file(office, when, **overrides) -> Grievance:
    values = {
        "office": office,
        "complaint_type": "citizen",
        "subject": "No reply",
        "description": "Nobody answered.",
        "name": "Rahima Begum",
        "id_type": "nid",
        "id_number": "1234567890",
        "mobile": "01712345678",
        "now": when,
        **overrides,
    }
    return workflow.submit(**values)


@pytest.fixture
def network(charter):
    """Kaunia (the fixture) and three more offices of the Rangpur district: Gangachara,
    whose charter names the same GRO post (the District ICT Officer), Pirgachha, whose
    charter names its own Upazila ICT Officer, and Taraganj, with no charter."""
    kaunia = charter.office
    rangpur = Office.objects.get(pk=2)
    district_officer = Officer.objects.get(pk=DISTRICT_ICT_OFFICER)
    deputy_director = Officer.objects.get(pk=DEPUTY_DIRECTOR)
    gangachara = make_office("Test Gangachara", rangpur)
    make_charter(
        gangachara,
        signatory=make_officer(gangachara),
        tiers={1: (district_officer, 30), 2: (deputy_director, 20), 3: (None, 60)},
    )
    pirgachha = make_office("Test Pirgachha", rangpur)
    pirgachha_officer = make_officer(pirgachha, name="Pirgachha GRO")
    pirgachha_officer.email = "gro@pirgachha.example"
    pirgachha_officer.save()
    make_charter(
        pirgachha,
        signatory=pirgachha_officer,
        tiers={1: (pirgachha_officer, 30), 2: (deputy_director, 20), 3: (None, 60)},
    )
    taraganj = make_office("Test Taraganj", rangpur)
    return {
        "kaunia": kaunia,
        "rangpur": rangpur,
        "gangachara": gangachara,
        "pirgachha": pirgachha,
        "pirgachha_officer": pirgachha_officer,
        "taraganj": taraganj,
    }


def listed(client, user) -> set[int]:
    client.force_login(user)
    response = client.get(reverse("admin:grievances_grievance_changelist"))
    assert response.status_code == 200
    return set(response.context["cl"].queryset.values_list("pk", flat=True))


def test_the_district_ict_officer_sees_the_tier_1_cases_of_every_upazila_naming_the_post(
    client, django_user_model, network
):
    kaunia_case = file(network["kaunia"], at(2025, 3, 2))
    gangachara_case = file(network["gangachara"], at(2025, 3, 2))
    pirgachha_case = file(network["pirgachha"], at(2025, 3, 2))
    # A Kaunia case that moved up to tier 2 is the appeal officer's now.
    escalated = file(network["kaunia"], at(2025, 1, 5))
    workflow.escalate(grievance=escalated, today=D(2025, 2, 17))

    district = make_staff(
        django_user_model,
        "district",
        "GRO",
        post=DISTRICT_ICT_OFFICER,
        offices=[network["rangpur"]],
    )
    assert listed(client, district) == {kaunia_case.pk, gangachara_case.pk}
    # ... and acts on them: the case page offers the GRO's steps.
    page = client.get(reverse("admin:grievances_grievance_change", args=[kaunia_case.pk]))
    assert "start" in dict(page.context["grs_actions"])

    # Nobody else's list has those two: not Kaunia's own Upazila ICT Officer, in the GRO
    # group; not Pirgachha's GRO; not the appeal officer.
    kaunia_officer = make_staff(
        django_user_model,
        "kaunia",
        "GRO",
        post=KAUNIA_UPAZILA_OFFICER,
        offices=[network["kaunia"]],
    )
    assert listed(client, kaunia_officer) == set()
    pirgachha_gro = make_staff(
        django_user_model,
        "pirgachha",
        "GRO",
        post=network["pirgachha_officer"],
        offices=[network["pirgachha"]],
    )
    assert listed(client, pirgachha_gro) == {pirgachha_case.pk}
    appeal = make_staff(django_user_model, "appeal", "appeal officer", post=DEPUTY_DIRECTOR)
    assert listed(client, appeal) == {escalated.pk}


def test_a_complaint_filed_at_kaunia_reaches_the_district_ict_officer(client, network):
    response = client.post(url("grievances:new", "bn"), VALID)
    assert response.status_code == 302
    assert Grievance.objects.get().handling_officer_id == DISTRICT_ICT_OFFICER


def test_forwarding_offers_only_offices_with_a_grs_table_of_their_own_or_above(
    client, django_user_model, network
):
    case = file(network["kaunia"], at(2025, 3, 2))
    offered = set(workflow.offices_to_forward_to(case))
    assert offered == {network["gangachara"], network["pirgachha"]}
    # Rangpur has no charter, so Taraganj under it has no table either ...
    with pytest.raises(workflow.WorkflowError, match="has no grievance redress tier 1"):
        workflow.forward(grievance=case, actor=None, to_office=network["taraganj"])
    # ... until the district publishes one: then the district and every upazila under it
    # without a table of its own take the district's.
    make_charter(
        network["rangpur"],
        signatory=Officer.objects.get(pk=DISTRICT_ICT_OFFICER),
        tiers={1: (Officer.objects.get(pk=DISTRICT_ICT_OFFICER), 30)},
    )
    offered = set(workflow.offices_to_forward_to(case))
    assert offered == {
        network["rangpur"],
        network["gangachara"],
        network["pirgachha"],
        network["taraganj"],
    }
    # The admin's form offers the same offices.
    district = make_staff(django_user_model, "district", "GRO", post=DISTRICT_ICT_OFFICER)
    client.force_login(district)
    form = client.get(reverse("admin:grievances_grievance_act", args=[case.pk, "forward"]))
    assert set(form.context["form"].fields["to_office"].queryset) == offered


def test_an_unpublished_charter_has_no_grs_table_for_forwarding(network, charter):
    case = file(network["pirgachha"], at(2025, 3, 2))
    assert network["kaunia"] in set(workflow.offices_to_forward_to(case))
    charter.is_published = False
    charter.save()
    assert network["kaunia"] not in set(workflow.offices_to_forward_to(case))


def test_a_forwarded_case_reaches_the_other_office_s_gro_with_its_timeline_and_a_new_clock(
    client, django_user_model, network
):
    Holiday.objects.create(date=D(2025, 3, 26), name_bn="স্বাধীনতা দিবস", name_en="Independence")
    case = file(network["kaunia"], at(2025, 2, 23))
    assert case.deadline == D(2025, 4, 7)  # 30 working days after 23 Feb; 26 March a holiday
    district = make_staff(django_user_model, "district", "GRO", post=DISTRICT_ICT_OFFICER)
    workflow.start(grievance=case, actor=district, now=at(2025, 2, 24))
    workflow.order_investigation(
        grievance=case,
        actor=district,
        investigating_officer="Upazila ICT Officer",
        due_on=D(2025, 3, 10),
        now=at(2025, 2, 25),
    )

    workflow.forward(
        grievance=case,
        actor=district,
        to_office=network["pirgachha"],
        note="The service was Pirgachha's",
        now=at(2025, 3, 2),
    )

    case.refresh_from_db()
    assert case.office == network["pirgachha"]
    assert case.handling_officer == network["pirgachha_officer"]
    assert case.status == Grievance.Status.FORWARDED
    assert case.tier == 1
    # The guideline counts from receipt by the right office: the clock restarts on the
    # forwarding day, Sunday 2 March, with Pirgachha's tier-1 limit of 30 working days (not
    # Fridays, Saturdays or 26 March), and Kaunia's investigation extension lapses.
    assert case.tier_started_on == D(2025, 3, 2)
    assert case.deadline == D(2025, 4, 14)
    assert case.investigation_ordered is False
    # Pirgachha's GRO is told by e-mail.
    assert OutboxMessage.objects.filter(recipient="gro@pirgachha.example").exists()

    pirgachha_gro = make_staff(
        django_user_model,
        "pirgachha",
        "GRO",
        post=network["pirgachha_officer"],
        offices=[network["pirgachha"]],
    )
    assert listed(client, pirgachha_gro) == {case.pk}
    page = client.get(reverse("admin:grievances_grievance_change", args=[case.pk]))
    assert page.status_code == 200
    timeline = page.context["inline_admin_formsets"][1].formset.queryset
    assert [entry.kind for entry in timeline] == [
        Kind.SUBMITTED,
        Kind.STARTED,
        Kind.INVESTIGATION_ORDERED,
        Kind.FORWARDED,
    ]
    assert "start" in dict(page.context["grs_actions"])
    # The district officer, no longer named for it, no longer sees it.
    assert listed(client, district) == set()


def test_an_appeal_reaches_the_tier_2_officer_of_the_office_concerned(
    client, django_user_model, network
):
    case = file(network["kaunia"], at(2025, 3, 2))
    district = make_staff(django_user_model, "district", "GRO", post=DISTRICT_ICT_OFFICER)
    workflow.dispose(grievance=case, actor=district, decision="Answered", now=at(2025, 3, 10))
    workflow.appeal(grievance=case, reason="Not answered at all", now=at(2025, 3, 16))
    case.refresh_from_db()
    # Kaunia's tier 2 is the Deputy Director (Administration) at the Department in Dhaka.
    assert (case.tier, case.handling_officer_id) == (2, DEPUTY_DIRECTOR)
    assert case.handling_officer.office_id == 1
    assert case.deadline == D(2025, 4, 13)  # 20 working days after Sunday 16 March
    appeal = make_staff(django_user_model, "appeal", "appeal officer", post=DEPUTY_DIRECTOR)
    assert listed(client, appeal) == {case.pk}
    assert listed(client, district) == set()


def test_an_upazila_without_a_tier_2_row_appeals_to_the_district_s_tier_2_officer(
    django_user_model, network
):
    district_officer = Officer.objects.get(pk=DISTRICT_ICT_OFFICER)
    additional = make_officer(network["rangpur"], "Additional Deputy Commissioner")
    make_charter(
        network["rangpur"],
        signatory=district_officer,
        tiers={1: (district_officer, 30), 2: (additional, 20)},
    )
    taraganj_officer = make_officer(network["taraganj"])
    make_charter(network["taraganj"], signatory=taraganj_officer, tiers={1: (taraganj_officer, 30)})
    case = file(network["taraganj"], at(2025, 3, 2))
    assert case.handling_officer == taraganj_officer
    workflow.dispose(grievance=case, actor=None, decision="Answered", now=at(2025, 3, 10))
    workflow.appeal(grievance=case, reason="Not satisfied", now=at(2025, 3, 16))
    case.refresh_from_db()
    assert (case.tier, case.handling_officer) == (2, additional)


def test_the_office_records_the_cabinet_cells_decision_through_its_cell_desk(
    client, django_user_model, network
):
    case = file(network["kaunia"], at(2025, 1, 5))
    # GRO deadline 16 February 2025, appeal officer's deadline 17 March 2025 (hand-counted,
    # Fridays and Saturdays off): the sweep after each moves the case up.
    workflow.escalate_overdue(today=D(2025, 2, 17))
    workflow.escalate_overdue(today=D(2025, 3, 18))
    case.refresh_from_db()
    assert case.tier == 3
    # A Kaunia staff member in the "Cabinet cell" group, holding no post, is the office's
    # desk for cases it handed to the cell.
    desk = make_staff(django_user_model, "desk", "Cabinet cell", offices=[network["kaunia"]])
    assert listed(client, desk) == {case.pk}
    page = client.get(reverse("admin:grievances_grievance_change", args=[case.pk]))
    assert "record_cell_decision" in dict(page.context["grs_actions"])
    pirgachha_desk = make_staff(
        django_user_model, "pirgachha-desk", "Cabinet cell", offices=[network["pirgachha"]]
    )
    assert listed(client, pirgachha_desk) == set()
