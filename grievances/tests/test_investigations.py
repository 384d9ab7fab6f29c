"""Investigations (guideline §7.4.1): the GRO names the investigating officer and a due
date at most 20 working days on, only while the GRO's limit runs; the report comes as an
attachment. Dates are hand-checked: Fridays and Saturdays off, holidays as each test says.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from grievances import workflow
from grievances.attachments import CleanAttachment
from grievances.models import Attachment, Holiday, Investigation
from tests.helpers import PDF, at

pytestmark = pytest.mark.usefixtures("english")

D = datetime.date
OFFICER = "Md. Rahim, Upazila ICT Officer"


@pytest.fixture
def case(file_complaint):
    # Received Sunday 5 January 2025: the GRO's 30 working days end Sunday 16 February.
    return file_complaint(now=at(2025, 1, 5))


def order(case, *, due_on, now):
    return workflow.order_investigation(
        grievance=case, actor=None, investigating_officer=OFFICER, due_on=due_on, now=now
    )


@pytest.mark.django_db
def test_an_investigation_names_the_officer_and_due_date_and_extends_the_limit(case):
    case = order(case, due_on=D(2025, 1, 30), now=at(2025, 1, 6))
    assert case.deadline == D(2025, 3, 2)  # 16 Feb + 10 working days
    investigation = Investigation.objects.get()
    assert (investigation.investigating_officer, investigation.due_on) == (OFFICER, D(2025, 1, 30))
    assert investigation.ordered_entry.kind == "investigation_ordered"
    assert investigation.report is None


@pytest.mark.django_db
def test_the_report_may_be_due_at_most_20_working_days_on(case):
    # Ordered Monday 6 January: 20 working days on is Monday 3 February (Jan 7-9, 12-16,
    # 19-23, 26-30, Feb 2-3).
    assert workflow.latest_investigation_due(today=D(2025, 1, 6)) == D(2025, 2, 3)
    with pytest.raises(workflow.WorkflowError, match="20 working days"):
        order(case, due_on=D(2025, 2, 4), now=at(2025, 1, 6))
    with pytest.raises(workflow.WorkflowError):
        order(case, due_on=D(2025, 1, 6), now=at(2025, 1, 6))  # not after today
    order(case, due_on=D(2025, 2, 3), now=at(2025, 1, 6))


@pytest.mark.django_db
def test_a_holiday_moves_the_latest_due_date(case):
    Holiday.objects.create(date=D(2025, 1, 20), name_bn="ছুটি", name_en="A holiday")
    assert workflow.latest_investigation_due(today=D(2025, 1, 6)) == D(2025, 2, 4)


@pytest.mark.django_db
def test_no_investigation_once_the_gros_limit_has_passed(case):
    # The limit ends on Sunday 16 February: an order that day is in time, the next is not.
    with pytest.raises(workflow.WorkflowError, match="16 February 2025"):
        order(case, due_on=D(2025, 2, 20), now=at(2025, 2, 17))
    case.refresh_from_db()
    assert case.deadline == D(2025, 2, 16) and not case.investigation_ordered
    order(case, due_on=D(2025, 2, 20), now=at(2025, 2, 16, 16))
    case.refresh_from_db()
    assert case.deadline == D(2025, 3, 2)


@pytest.mark.django_db
def test_an_overdue_case_is_not_pulled_back_by_an_investigation(case):
    assert workflow.Step.ORDER_INVESTIGATION in workflow.available_steps(case, today=D(2025, 2, 16))
    assert workflow.Step.ORDER_INVESTIGATION not in workflow.available_steps(
        case, today=D(2025, 2, 17)
    )


@pytest.mark.django_db
def test_the_officer_must_be_named(case):
    with pytest.raises(workflow.WorkflowError, match="Name the investigating officer"):
        workflow.order_investigation(
            grievance=case,
            actor=None,
            investigating_officer=" ",
            due_on=D(2025, 1, 20),
            now=at(2025, 1, 6),
        )


@pytest.mark.django_db
def test_the_report_is_stored_as_an_attachment_of_the_case(case, private_media):
    order(case, due_on=D(2025, 1, 30), now=at(2025, 1, 6))
    report = CleanAttachment("report.pdf", "application/pdf", PDF)
    investigation = workflow.record_investigation_report(
        grievance=case, actor=None, report=report, note="Received by post.", now=at(2025, 1, 28)
    )
    attachment = Attachment.objects.get()
    assert investigation.report == attachment and attachment.grievance == case
    assert attachment.original_name == "report.pdf"
    assert investigation.report_entry.kind == "investigation_reported"
    assert any(private_media.rglob("*.pdf"))
    # one report per investigation: the step is gone
    assert workflow.Step.RECORD_INVESTIGATION_REPORT not in workflow.available_steps(
        case, today=D(2025, 1, 28)
    )


@pytest.mark.django_db
def test_the_gro_orders_an_investigation_and_uploads_the_report_in_admin(
    admin_client, file_complaint
):
    case = file_complaint(now=timezone.now())  # within the limit
    today = timezone.localdate()
    act = reverse("admin:grievances_grievance_act", args=[case.pk, "order_investigation"])
    response = admin_client.post(
        act,
        {
            "investigating_officer": OFFICER,
            "due_on": (today + datetime.timedelta(days=7)).isoformat(),
            "note": "",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    upload = reverse(
        "admin:grievances_grievance_act", args=[case.pk, "record_investigation_report"]
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = admin_client.post(
        upload,
        {"report": SimpleUploadedFile("tadanta.pdf", PDF, "application/pdf"), "note": ""},
    )
    assert response.status_code == 302, response.context["form"].errors
    investigation = Investigation.objects.get()
    assert investigation.report.original_name == "tadanta.pdf"


@pytest.mark.django_db
def test_a_report_that_is_not_a_pdf_or_image_is_refused_in_admin(admin_client, file_complaint):
    case = file_complaint(now=timezone.now())
    order(case, due_on=timezone.localdate() + datetime.timedelta(days=7), now=timezone.now())
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = reverse(
        "admin:grievances_grievance_act", args=[case.pk, "record_investigation_report"]
    )
    response = admin_client.post(
        upload, {"report": SimpleUploadedFile("report.pdf", b"MZ not a pdf", "application/pdf")}
    )
    assert response.status_code == 200
    assert "report" in response.context["form"].errors
    assert not Attachment.objects.exists()
