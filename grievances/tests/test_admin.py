import datetime

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from grievances import workflow
from grievances.attachments import CleanAttachment
from grievances.models import Grievance, StaffProfile, TimelineEntry
from tests.helpers import at

# Messages and errors made outside a request are read in English here.
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def staff(django_user_model):
    def make(username, group, officer_id=None, office_id=None):
        user = django_user_model.objects.create_user(username, password="pw", is_staff=True)
        user.groups.add(Group.objects.get(name=group))
        if officer_id or office_id:
            StaffProfile.objects.create(user=user, officer_id=officer_id, office_id=office_id)
        return user

    return make


@pytest.fixture
def cases(file_complaint):
    """One case at each tier."""
    first = file_complaint()
    second = file_complaint()
    third = file_complaint()
    workflow.escalate(grievance=second, today=datetime.date(2025, 2, 17))
    workflow.escalate(grievance=third, today=datetime.date(2025, 2, 17))
    workflow.escalate(grievance=third, today=datetime.date(2025, 4, 1))
    return {1: first, 2: second, 3: third}


def changelist(client, user):
    client.force_login(user)
    return client.get(reverse("admin:grievances_grievance_changelist"))


@pytest.mark.django_db
def test_the_officer_groups_exist_with_case_permissions():
    for name in ("GRO", "appeal officer", "Cabinet cell"):
        codenames = set(Group.objects.get(name=name).permissions.values_list("codename", flat=True))
        assert {"view_grievance", "change_grievance", "view_timelineentry"} <= codenames
        assert "delete_grievance" not in codenames


@pytest.mark.django_db
@pytest.mark.parametrize(
    "group,officer_id,tier",
    [("GRO", 2, 1), ("appeal officer", 3, 2), ("Cabinet cell", None, 3)],
)
def test_each_group_sees_only_the_cases_at_its_tier(client, staff, cases, group, officer_id, tier):
    user = staff("officer", group, officer_id=officer_id)
    response = changelist(client, user)
    assert response.status_code == 200
    shown = set(response.context["cl"].queryset.values_list("pk", flat=True))
    assert shown == {cases[tier].pk}


@pytest.mark.django_db
def test_an_officer_of_another_office_sees_nothing(client, staff, cases, charter):
    user = staff("elsewhere", "GRO", officer_id=3, office_id=1)
    assert list(changelist(client, user).context["cl"].queryset) == []


@pytest.mark.django_db
def test_office_staff_in_the_gro_group_see_their_offices_tier_1_cases(client, staff, cases):
    user = staff("clerk", "GRO", office_id=3)
    shown = set(changelist(client, user).context["cl"].queryset.values_list("pk", flat=True))
    assert shown == {cases[1].pk}


@pytest.mark.django_db
def test_the_charter_editor_sees_no_complaint(client, staff, cases):
    editor = staff("editor", "charter editor", office_id=3)
    assert changelist(client, editor).status_code == 403
    change = reverse("admin:grievances_grievance_change", args=[cases[1].pk])
    assert client.get(change).status_code == 403
    index = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:grievances_grievance_changelist") not in index

    holidays = reverse("admin:grievances_holiday_changelist")
    assert client.get(holidays).status_code == 403


@pytest.mark.django_db
def test_the_holiday_editor_keeps_the_holiday_table_and_sees_no_complaint(client, staff, cases):
    clerk = staff("clerk", "holiday editor")
    client.force_login(clerk)
    assert client.get(reverse("admin:grievances_holiday_add")).status_code == 200
    assert client.get(reverse("admin:grievances_grievance_changelist")).status_code == 403


@pytest.mark.django_db
def test_the_case_list_marks_overdue_cases(client, staff, file_complaint):
    file_complaint(now=at(2024, 1, 7))
    user = staff("gro", "GRO", officer_id=2)
    html = changelist(client, user).content.decode()
    assert 'class="grs-overdue"' in html  # whatever the language of the admin


@pytest.mark.django_db
def test_the_case_list_is_searchable_by_mobile_in_bangla_digits(client, staff, cases):
    user = staff("gro", "GRO", officer_id=2)
    client.force_login(user)
    url = reverse("admin:grievances_grievance_changelist")
    response = client.get(url, {"q": "০১৭১২৩৪৫৬৭৮"})
    assert [g.pk for g in response.context["cl"].queryset] == [cases[1].pk]
    response = client.get(url, {"q": cases[1].tracking_number.lower()})
    assert [g.pk for g in response.context["cl"].queryset] == [cases[1].pk]


@pytest.mark.django_db
def test_the_case_page_offers_actions_that_call_the_workflow(client, staff, cases):
    user = staff("gro", "GRO", officer_id=2)
    client.force_login(user)
    grievance = cases[1]
    page = client.get(reverse("admin:grievances_grievance_change", args=[grievance.pk]))
    assert page.status_code == 200
    dispose_url = reverse("admin:grievances_grievance_act", args=[grievance.pk, "dispose"])
    assert dispose_url in page.content.decode()
    response = client.post(dispose_url, {"decision": "Certificate issued", "note": "checked"})
    assert response.status_code == 302
    grievance.refresh_from_db()
    assert grievance.status == Grievance.Status.DISPOSED
    entry = TimelineEntry.objects.filter(grievance=grievance).latest("pk")
    assert (entry.kind, entry.actor, entry.internal_note) == ("disposed", user, "checked")


@pytest.mark.django_db
def test_an_invalid_action_is_refused_with_the_workflows_message(client, staff, cases):
    user = staff("gro", "GRO", officer_id=2)
    client.force_login(user)
    close_url = reverse("admin:grievances_grievance_act", args=[cases[1].pk, "close"])
    response = client.post(close_url, {"note": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    cases[1].refresh_from_db()
    assert cases[1].status == Grievance.Status.RECEIVED


@pytest.mark.django_db
def test_an_officer_cannot_act_on_a_case_at_another_tier(client, staff, cases):
    user = staff("gro", "GRO", officer_id=2)
    client.force_login(user)
    url = reverse("admin:grievances_grievance_act", args=[cases[2].pk, "dispose"])
    assert client.post(url, {"decision": "x"}).status_code == 404


@pytest.mark.django_db
def test_attachments_are_served_only_to_officers_who_see_the_case(client, staff, file_complaint):
    grievance = file_complaint(
        attachments=[CleanAttachment("letter.pdf", "application/pdf", b"%PDF-1.4 letter")]
    )
    attachment = grievance.attachments.get()
    url = reverse("admin:grievances_grievance_attachment", args=[grievance.pk, attachment.pk])
    client.force_login(staff("gro", "GRO", officer_id=2))
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 letter"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    client.force_login(staff("appeal", "appeal officer", officer_id=3))
    assert client.get(url).status_code == 404
    client.force_login(staff("editor", "charter editor"))
    assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302  # to the login page
