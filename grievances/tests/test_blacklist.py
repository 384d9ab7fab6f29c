"""The blacklist of guideline §8: the GRO proposes, the appeal officer confirms (or turns
down, or lifts); complaints from a confirmed number are received, never dropped, flagged to
the GRO, who may decline them with a reason the complainant sees and may appeal."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from grievances import workflow
from grievances.admin import ACTIONS
from grievances.models import BlacklistRecord, Grievance, OutboxMessage, StaffProfile
from services.models import Office, Officer
from tests.helpers import at, url

pytestmark = pytest.mark.usefixtures("english")

Action = BlacklistRecord.Action
HARASSER = "01911000111"


@pytest.fixture
def appeal_officer(django_user_model, office):
    user = django_user_model.objects.create_user("appeal", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="appeal officer"))
    # Kaunia's tier 2 names the deputy director (administration): officer 3.
    StaffProfile.objects.create(user=user, officer=Officer.objects.get(pk=3))
    return user


@pytest.fixture
def gro(django_user_model, office):
    user = django_user_model.objects.create_user("gro", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="GRO"))
    StaffProfile.objects.create(user=user, officer=Officer.objects.get(pk=2))
    return user


def proposed(file_complaint, gro, **kwargs):
    case = file_complaint(mobile=HARASSER, now=at(2025, 1, 5))
    workflow.dispose(grievance=case, actor=gro, decision="False.", now=at(2025, 1, 6))
    (record,) = workflow.propose_blacklisting(
        grievance=case, actor=gro, reason="Three false complaints.", now=at(2025, 1, 7), **kwargs
    )
    return case, record


def confirmed(file_complaint, gro, appeal_officer):
    case, record = proposed(file_complaint, gro)
    workflow.decide_blacklisting(
        record=record, action=Action.CONFIRMED, actor=appeal_officer, now=at(2025, 1, 8)
    )
    return case, record


@pytest.mark.django_db
def test_a_proposal_alone_flags_nothing(file_complaint, gro):
    _case, record = proposed(file_complaint, gro)
    assert (record.action, record.identifier_type, record.identifier) == (
        "proposed",
        "mobile",
        HARASSER,
    )
    assert record.actor == gro and record.grievance is not None
    later = file_complaint(mobile=HARASSER, now=at(2025, 1, 9))
    assert later.blacklisted is False


@pytest.mark.django_db
def test_a_complaint_from_a_confirmed_number_is_received_and_flagged(
    file_complaint, gro, appeal_officer
):
    confirmed(file_complaint, gro, appeal_officer)
    OutboxMessage.objects.all().delete()
    later = file_complaint(mobile=HARASSER, now=at(2025, 1, 9))
    assert later.pk and later.tracking_number and later.blacklisted is True
    assert later.status == Grievance.Status.RECEIVED
    assert OutboxMessage.objects.filter(recipient=HARASSER).exists()  # receipt as usual
    other = file_complaint(mobile="01711222333", now=at(2025, 1, 9))
    assert other.blacklisted is False


@pytest.mark.django_db
def test_confirming_flags_the_open_complaints_from_the_number(file_complaint, gro, appeal_officer):
    open_case = file_complaint(mobile=HARASSER, now=at(2025, 1, 6))
    confirmed(file_complaint, gro, appeal_officer)
    open_case.refresh_from_db()
    assert open_case.blacklisted is True


@pytest.mark.django_db
def test_the_blacklist_is_the_offices_own(file_complaint, gro, appeal_officer, office):
    confirmed(file_complaint, gro, appeal_officer)
    branch = Office.objects.create(parent=office, level="upazila", name_bn="শাখা", name_en="Branch")
    elsewhere = file_complaint(office=branch, mobile=HARASSER, now=at(2025, 1, 9))
    assert elsewhere.blacklisted is False


@pytest.mark.django_db
def test_an_id_number_can_be_proposed_too(file_complaint, gro, appeal_officer):
    _case, record = proposed(file_complaint, gro, mobile=False, id_number=True)
    assert (record.identifier_type, record.identifier) == ("nid", "1234567890")
    workflow.decide_blacklisting(record=record, action=Action.CONFIRMED, actor=appeal_officer)
    later = file_complaint(mobile="01711222333", now=at(2025, 1, 9))  # same NID
    assert later.blacklisted is True


@pytest.mark.django_db
def test_the_gro_declines_a_flagged_complaint_and_the_complainant_sees_why(
    client, file_complaint, gro, appeal_officer
):
    confirmed(file_complaint, gro, appeal_officer)
    later = file_complaint(mobile=HARASSER, language="en", now=at(2025, 1, 9))
    assert workflow.Step.DECLINE in workflow.available_steps(later, today=later.deadline)
    OutboxMessage.objects.all().delete()
    workflow.decline(
        grievance=later,
        actor=gro,
        reason="This number has filed false complaints (guideline §8).",
        now=at(2025, 1, 12),
    )
    later.refresh_from_db()
    assert later.status == Grievance.Status.DISPOSED
    assert later.disposal_kind == Grievance.DisposalKind.DECLINED
    entry = later.timeline.latest("pk")
    assert entry.kind == "disposed"  # counted as a disposal in the figures
    sms = OutboxMessage.objects.get(channel="sms")
    assert "decision" in sms.body and later.tracking_number in sms.body
    email = OutboxMessage.objects.get(channel="email", recipient="rahima@example.com")
    assert "filed false complaints" in email.body
    # appealable like any disposal
    assert workflow.Step.APPEAL in workflow.available_steps(later, today=at(2025, 1, 13).date())
    client.post(
        url("grievances:track", "en"),
        {"tracking_number": later.tracking_number, "mobile": HARASSER},
    )
    html = client.get(url("grievances:case", "en", tracking_number=later.tracking_number))
    html = html.content.decode()
    assert "Complaint declined" in html and "filed false complaints" in html


@pytest.mark.django_db
def test_only_a_flagged_or_anonymous_complaint_can_be_declined(file_complaint, gro):
    case = file_complaint(now=at(2025, 1, 5))
    with pytest.raises(workflow.WorkflowError, match="blacklisted"):
        workflow.decline(grievance=case, actor=gro, reason="No.", now=at(2025, 1, 6))
    anonymous = file_complaint(is_anonymous=True, now=at(2025, 1, 5))
    workflow.decline(grievance=anonymous, actor=gro, reason="Anonymous.", now=at(2025, 1, 6))


@pytest.mark.django_db
def test_lifting_ends_the_flag(file_complaint, gro, appeal_officer):
    _case, record = confirmed(file_complaint, gro, appeal_officer)
    open_case = file_complaint(mobile=HARASSER, now=at(2025, 1, 9))
    assert open_case.blacklisted
    workflow.decide_blacklisting(
        record=record, action=Action.LIFTED, actor=appeal_officer, reason="Apologised."
    )
    open_case.refresh_from_db()
    assert open_case.blacklisted is False
    assert file_complaint(mobile=HARASSER, now=at(2025, 1, 10)).blacklisted is False
    steps = list(
        BlacklistRecord.objects.filter(identifier=HARASSER)
        .order_by("created_at", "pk")
        .values_list("action", flat=True)
    )
    assert steps == ["proposed", "confirmed", "lifted"]


@pytest.mark.django_db
def test_decisions_follow_the_order_propose_confirm_lift(file_complaint, gro, appeal_officer):
    case, record = proposed(file_complaint, gro)
    with pytest.raises(workflow.WorkflowError, match="not waiting"):
        workflow.decide_blacklisting(record=record, action=Action.LIFTED, actor=appeal_officer)
    with pytest.raises(workflow.WorkflowError, match="already"):
        workflow.propose_blacklisting(grievance=case, actor=gro, reason="Again.")
    workflow.decide_blacklisting(record=record, action=Action.REJECTED, actor=appeal_officer)
    with pytest.raises(workflow.WorkflowError, match="not waiting"):
        workflow.decide_blacklisting(record=record, action=Action.CONFIRMED, actor=appeal_officer)
    # turned down: the GRO may propose it again later
    workflow.propose_blacklisting(grievance=case, actor=gro, reason="Two more since.")


@pytest.mark.django_db
def test_the_records_are_never_rewritten(file_complaint, gro):
    _case, record = proposed(file_complaint, gro)
    record.reason = "changed"
    with pytest.raises(TypeError):
        record.save()
    with pytest.raises(TypeError):
        record.delete()
    with pytest.raises(TypeError):
        BlacklistRecord.objects.update(reason="x")
    with pytest.raises(TypeError):
        BlacklistRecord.objects.all().delete()


@pytest.mark.django_db
def test_only_the_gro_proposes_and_never_for_an_anonymous_complaint(file_complaint, gro):
    anonymous = file_complaint(is_anonymous=True, now=at(2025, 1, 5))
    with pytest.raises(workflow.WorkflowError, match="anonymous"):
        workflow.propose_blacklisting(grievance=anonymous, actor=gro, reason="x")
    case = file_complaint(now=at(2025, 1, 5))
    workflow.escalate(grievance=case, today=at(2025, 2, 17).date(), now=at(2025, 2, 17))
    with pytest.raises(workflow.WorkflowError, match="Only the GRO"):
        workflow.propose_blacklisting(grievance=case, actor=gro, reason="x")


def test_the_gro_has_buttons_to_propose_and_decline():
    assert workflow.Step.PROPOSE_BLACKLISTING in ACTIONS
    assert workflow.Step.DECLINE in ACTIONS


@pytest.mark.django_db
def test_the_case_list_filters_flagged_complaints(
    admin_client, file_complaint, gro, appeal_officer
):
    confirmed(file_complaint, gro, appeal_officer)
    flagged = file_complaint(mobile=HARASSER, now=at(2025, 1, 9))
    plain = file_complaint(mobile="01711222333", now=at(2025, 1, 9))
    page = admin_client.get(
        reverse("admin:grievances_grievance_changelist"), {"blacklisted__exact": "1"}
    )
    html = page.content.decode()
    assert flagged.tracking_number in html and plain.tracking_number not in html
    case_page = admin_client.get(
        reverse("admin:grievances_grievance_change", args=[flagged.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "put on the blacklist" in case_page.content.decode()


@pytest.mark.django_db
def test_the_appeal_officer_confirms_in_admin_and_the_gro_cannot(
    client, file_complaint, gro, appeal_officer
):
    _case, record = proposed(file_complaint, gro)
    changelist = reverse("admin:grievances_blacklistrecord_changelist")
    client.force_login(gro)
    page = client.get(changelist)
    assert page.status_code == 200 and HARASSER in page.content.decode()
    assert not page.context["cl"].model_admin.get_actions(page.wsgi_request)
    client.force_login(appeal_officer)
    page = client.get(changelist)
    assert HARASSER in page.content.decode()
    ask = client.post(changelist, {"action": "confirm", "_selected_action": [record.pk]})
    assert ask.status_code == 200  # the page asking for a reason
    done = client.post(
        changelist,
        {"action": "confirm", "_selected_action": [record.pk], "apply": "1", "reason": "Seen."},
    )
    assert done.status_code == 302
    latest = BlacklistRecord.objects.order_by("-pk").first()
    assert (latest.action, latest.actor, latest.reason) == ("confirmed", appeal_officer, "Seen.")


@pytest.mark.django_db
def test_an_officer_of_another_office_does_not_see_the_records(
    client, django_user_model, file_complaint, gro
):
    proposed(file_complaint, gro)
    stranger = django_user_model.objects.create_user("other", password="x", is_staff=True)
    stranger.groups.add(Group.objects.get(name="appeal officer"))
    client.force_login(stranger)
    page = client.get(reverse("admin:grievances_blacklistrecord_changelist"))
    assert HARASSER not in page.content.decode()
