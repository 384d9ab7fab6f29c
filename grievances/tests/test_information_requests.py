"""Asking the complainant for information pauses the tier's clock until the reply.

Every expected date is counted by hand: working days are Sunday to Thursday, less the
holidays the test adds; the day of a request, a reply or a receipt never counts.

The case of most tests: filed Sunday 5 January 2025, GRO deadline Sunday 16 February
(30 working days). Asked on Sunday 2 February with the default 10 working days to reply:
- the tier had 10 working days left after 2 February (3-6, 9-13 and 16 February);
- the reply is due on Sunday 16 February (3-6, 9-13, 16 February);
- while waiting, the deadline is 10 working days after the reply deadline.
"""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from grievances import notifications, workflow
from grievances.models import Attachment, Grievance, Holiday, OutboxMessage, TimelineEntry
from services.models import Officer
from tests.helpers import at, image_bytes

pytestmark = pytest.mark.usefixtures("english")

D = datetime.date
Status = Grievance.Status
Kind = TimelineEntry.Kind


@pytest.fixture
def gro(django_user_model):
    return django_user_model.objects.create_user("gro", password="x", is_staff=True)


@pytest.fixture
def holiday_18_february(db):
    """A holiday on Tuesday 18 February 2025 (after the GRO's deadline, before the end of
    the paused clock)."""
    return Holiday.objects.create(date=D(2025, 2, 18), name_bn="ছুটি", name_en="A holiday")


def asked(file_complaint, gro, *, reply_days=workflow.REPLY_WORKING_DAYS, language="bn"):
    grievance = file_complaint(now=at(2025, 1, 5), language=language)
    assert grievance.deadline == D(2025, 2, 16)
    return workflow.request_information(
        grievance=grievance,
        actor=gro,
        question="Send a photo of the application receipt.",
        reply_days=reply_days,
        now=at(2025, 2, 2),
    )


@pytest.mark.django_db
def test_a_request_pauses_the_clock_with_a_reply_deadline(file_complaint, gro):
    grievance = asked(file_complaint, gro)
    assert grievance.status == Status.AWAITING_INFORMATION
    assert grievance.paused_on == D(2025, 2, 2)
    assert grievance.working_days_left_when_paused == 10
    assert grievance.information_due == D(2025, 2, 16)
    # The latest the deadline can be: 10 working days after the reply deadline: 17-20,
    # 23-27 February, Sunday 2 March.
    assert grievance.deadline == D(2025, 3, 2)
    entry = grievance.timeline.latest("pk")
    assert (entry.kind, entry.deadline) == (Kind.INFORMATION_REQUESTED, D(2025, 3, 2))
    assert grievance.is_paused(D(2025, 2, 16)) and not grievance.is_paused(D(2025, 2, 17))


@pytest.mark.django_db
def test_a_paused_clock_resumes_with_the_remaining_days_across_a_holiday(
    file_complaint, gro, holiday_18_february
):
    grievance = asked(file_complaint, gro)
    # 10 working days after the reply deadline, the holiday skipped: 17, 19, 20, 23-27
    # February, Sunday 2 and Monday 3 March.
    assert grievance.deadline == D(2025, 3, 3)
    grievance = workflow.answer_information(
        grievance=grievance, answer="Photo attached.", now=at(2025, 2, 12, 15)
    )
    # Answered Wednesday 12 February: 10 working days after it, the holiday skipped:
    # 13, 16, 17, 19, 20, 23, 24, 25, 26, 27 February.
    assert grievance.deadline == D(2025, 2, 27)
    assert grievance.status == Status.IN_PROGRESS
    assert (grievance.paused_on, grievance.information_due) == (None, None)
    entry = grievance.timeline.latest("pk")
    assert (entry.kind, entry.actor_label, entry.public_note) == (
        Kind.INFORMATION_RECEIVED,
        "Complainant",
        "Photo attached.",
    )
    assert entry.deadline == D(2025, 2, 27)


@pytest.mark.django_db
def test_a_reply_on_paper_resumes_the_clock_from_the_day_it_came(
    file_complaint, gro, holiday_18_february
):
    grievance = asked(file_complaint, gro)
    grievance = workflow.receive_information(
        grievance=grievance,
        actor=gro,
        reply="The receipt number is 4711.",
        received_on=D(2025, 2, 11),
        now=at(2025, 2, 13),
    )
    # The letter came on Tuesday 11 February: 12, 13, 16, 17, 19, 20, 23, 24, 25, 26 February.
    assert grievance.deadline == D(2025, 2, 26)
    entry = grievance.timeline.latest("pk")
    assert (entry.actor, entry.effective_on, entry.public_note) == (
        gro,
        D(2025, 2, 11),
        "The receipt number is 4711.",
    )


@pytest.mark.django_db
def test_a_paper_reply_cannot_predate_the_question_nor_come_tomorrow(file_complaint, gro):
    grievance = asked(file_complaint, gro)
    for day in (D(2025, 2, 1), D(2025, 2, 14)):
        with pytest.raises(workflow.WorkflowError):
            workflow.receive_information(
                grievance=grievance, actor=gro, reply="Letter", received_on=day, now=at(2025, 2, 13)
            )
    assert Grievance.objects.get().status == Status.AWAITING_INFORMATION


@pytest.mark.django_db
def test_a_reply_on_the_day_of_the_question_leaves_the_deadline_as_it_was(file_complaint, gro):
    grievance = asked(file_complaint, gro)
    grievance = workflow.answer_information(
        grievance=grievance, answer="Here.", now=at(2025, 2, 2, 18)
    )
    assert grievance.deadline == D(2025, 2, 16)


@pytest.mark.django_db
def test_the_sweep_never_escalates_a_paused_case(file_complaint, gro):
    asked(file_complaint, gro)
    for day in (D(2025, 2, 17), D(2025, 2, 20), D(2025, 3, 2)):
        assert workflow.escalate_overdue(today=day).total == 0
        assert not Grievance.objects.overdue(day).exists()
    grievance = Grievance.objects.get()
    with pytest.raises(workflow.WorkflowError):
        workflow.escalate(grievance=grievance, today=D(2025, 2, 17))
    # Unanswered, the clock resumed after the reply deadline and ran out on 2 March.
    assert workflow.escalate_overdue(today=D(2025, 3, 3)).by_tier == {1: 1}
    grievance.refresh_from_db()
    assert (grievance.tier, grievance.tier_started_on) == (2, D(2025, 3, 3))


@pytest.mark.django_db
def test_an_investigation_ordered_while_waiting_still_extends_the_limit(file_complaint, gro):
    grievance = asked(file_complaint, gro)
    workflow.order_investigation(
        grievance=grievance,
        actor=gro,
        investigating_officer="Upazila ICT Officer",
        due_on=D(2025, 2, 13),
        now=at(2025, 2, 3),
    )
    grievance = workflow.answer_information(
        grievance=grievance, answer="Here.", now=at(2025, 2, 12)
    )
    # 10 working days left plus the investigation's 10, after Wednesday 12 February:
    # 13, 16-20, 23-27 February, 2-6 and 9-12 March.
    assert grievance.deadline == D(2025, 3, 12)


@pytest.mark.django_db
def test_an_unanswered_request_lets_the_officer_close_for_want_of_information(file_complaint, gro):
    grievance = asked(file_complaint, gro, reply_days=3, language="en")
    # Due Wednesday 5 February (3, 4, 5 February).
    assert grievance.information_due == D(2025, 2, 5)
    with pytest.raises(workflow.WorkflowError, match="may still answer until 5 February 2025"):
        workflow.close_for_want_of_information(grievance=grievance, actor=gro, now=at(2025, 2, 5))
    OutboxMessage.objects.all().delete()
    grievance = workflow.close_for_want_of_information(
        grievance=grievance, actor=gro, now=at(2025, 2, 6)
    )
    assert grievance.status == Status.DISPOSED
    assert grievance.disposal_kind == Grievance.DisposalKind.NO_INFORMATION
    assert grievance.decision.startswith("Closed for want of information")
    assert "2 February 2025" in grievance.decision and "5 February 2025" in grievance.decision
    # Told like any decision, and appealable like any decision.
    sms = OutboxMessage.objects.get(channel="sms")
    assert sms.dedup_key == f"decision:{grievance.timeline.latest('pk').pk}:sms"
    assert "appeal" in sms.body
    assert workflow.Step.APPEAL in workflow.available_steps(grievance, today=D(2025, 2, 6))
    grievance = workflow.appeal(
        grievance=grievance, reason="I sent it by post.", now=at(2025, 2, 9)
    )
    assert (grievance.tier, grievance.status) == (2, Status.RECEIVED)


@pytest.mark.django_db
def test_a_late_answer_is_taken_but_the_clock_had_already_resumed(file_complaint, gro):
    grievance = asked(file_complaint, gro, reply_days=3)
    # Waiting: 10 working days after Wednesday 5 February: 6, 9-13, 16-19 February.
    assert grievance.deadline == D(2025, 2, 19)
    grievance = workflow.answer_information(
        grievance=grievance, answer="Late.", now=at(2025, 2, 10)
    )
    assert (grievance.status, grievance.deadline) == (Status.IN_PROGRESS, D(2025, 2, 19))


@pytest.mark.django_db
def test_a_request_needs_a_running_clock_and_a_sensible_reply_time(file_complaint, gro):
    grievance = file_complaint(now=at(2025, 1, 5))
    with pytest.raises(workflow.WorkflowError, match="ended on 16 February 2025"):
        workflow.request_information(
            grievance=grievance, actor=gro, question="Which date?", now=at(2025, 2, 17)
        )
    for days in (0, 31):
        with pytest.raises(workflow.WorkflowError, match="from 1 to 30 working days"):
            workflow.request_information(
                grievance=grievance, actor=gro, question="?", reply_days=days, now=at(2025, 2, 2)
            )
    # On the deadline day itself one working day is left after the reply.
    grievance = workflow.request_information(
        grievance=grievance, actor=gro, question="Which date?", reply_days=1, now=at(2025, 2, 16)
    )
    assert (grievance.working_days_left_when_paused, grievance.information_due) == (
        1,
        D(2025, 2, 17),
    )
    assert grievance.deadline == D(2025, 2, 18)


@pytest.mark.django_db
def test_one_reminder_before_the_reply_deadline(file_complaint, gro):
    grievance = asked(file_complaint, gro, language="en")
    OutboxMessage.objects.all().delete()
    # Due Sunday 16 February: two working days before it is Wednesday 12 February (13, 16).
    assert notifications.queue_information_reminders(today=D(2025, 2, 11), now=at(2025, 2, 11)) == 0
    assert notifications.queue_information_reminders(today=D(2025, 2, 12), now=at(2025, 2, 12)) == 2
    assert (
        notifications.queue_information_reminders(today=D(2025, 2, 12), now=at(2025, 2, 12, 11))
        == 0
    )
    assert notifications.queue_information_reminders(today=D(2025, 2, 13), now=at(2025, 2, 13)) == 0
    sms = OutboxMessage.objects.get(channel="sms")
    assert grievance.tracking_number in sms.body and "16 February 2025" in sms.body
    assert sms.dedup_key.startswith("info-reminder:")
    # After the reply deadline, nothing more.
    assert notifications.queue_information_reminders(today=D(2025, 2, 17), now=at(2025, 2, 17)) == 0
    assert OutboxMessage.objects.count() == 2


@pytest.mark.django_db
def test_the_hourly_sweep_reminds_only_in_the_offices_day(file_complaint, gro, monkeypatch):
    asked(file_complaint, gro)
    OutboxMessage.objects.all().delete()
    monkeypatch.setattr(notifications.timezone, "now", lambda: at(2025, 2, 12, 2))
    assert notifications.queue_information_reminders(today=D(2025, 2, 12)) == 0
    monkeypatch.setattr(notifications.timezone, "now", lambda: at(2025, 2, 12, 9, 15))
    assert notifications.queue_information_reminders(today=D(2025, 2, 12)) == 2


# ---------------------------------------------------------------------------- the case page


def open_case(client, grievance):
    client.post(
        reverse("grievances:track"),
        {"tracking_number": grievance.tracking_number, "mobile": grievance.mobile},
    )
    return reverse("grievances:case", args=[grievance.tracking_number])


@pytest.fixture
def waiting(file_complaint, gro):
    """A case asked for information today (the page runs on the real clock)."""
    now = timezone.now()
    grievance = file_complaint(now=now - datetime.timedelta(days=2))
    return workflow.request_information(
        grievance=grievance, actor=gro, question="Which union digital centre?", now=now
    )


@pytest.mark.django_db
def test_the_case_page_shows_the_open_question_and_takes_the_answer_with_a_file(
    client, waiting, private_media
):
    case_url = open_case(client, waiting)
    html = client.get(case_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Which union digital centre?" in html
    assert 'enctype="multipart/form-data"' in html
    answer_url = reverse("grievances:answer", args=[waiting.tracking_number])
    assert answer_url in html
    photo = SimpleUploadedFile("receipt.png", image_bytes("PNG"), content_type="image/png")
    response = client.post(answer_url, {"answer": "Haragach UDC.", "attachments": [photo]})
    assert response.status_code == 302
    grievance = Grievance.objects.get()
    assert grievance.status == Status.IN_PROGRESS
    (attachment,) = Attachment.objects.filter(grievance=grievance)
    assert attachment.content_type == "image/png"
    entry = grievance.timeline.latest("pk")
    assert entry.kind == Kind.INFORMATION_RECEIVED
    assert "Haragach UDC." in entry.public_note and "receipt.png" in entry.public_note
    # The handling officer hears of it; the form is gone.
    assert OutboxMessage.objects.filter(recipient="doict.rangpur@gmail.com").latest("pk").subject
    assert answer_url not in client.get(case_url).content.decode()


@pytest.mark.django_db
def test_an_empty_answer_or_a_bad_file_is_refused(client, waiting):
    open_case(client, waiting)
    answer_url = reverse("grievances:answer", args=[waiting.tracking_number])
    assert client.post(answer_url, {"answer": ""}).status_code == 400
    fake = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    assert client.post(answer_url, {"answer": "Here", "attachments": [fake]}).status_code == 400
    assert Grievance.objects.get().status == Status.AWAITING_INFORMATION


@pytest.mark.django_db
def test_only_the_browser_that_opened_the_case_may_answer(client, waiting):
    answer_url = reverse("grievances:answer", args=[waiting.tracking_number])
    assert client.post(answer_url, {"answer": "Me"}).status_code == 404
    assert Grievance.objects.get().status == Status.AWAITING_INFORMATION


@pytest.mark.django_db
def test_staff_enter_a_paper_reply_in_admin(admin_client, waiting):
    url = reverse("admin:grievances_grievance_act", args=[waiting.pk, "receive_information"])
    today = timezone.localdate()
    response = admin_client.post(
        url, {"reply": "Came by post.", "received_on": today.isoformat(), "note": ""}
    )
    assert response.status_code == 302
    grievance = Grievance.objects.get()
    assert grievance.status == Status.IN_PROGRESS
    assert grievance.timeline.latest("pk").public_note == "Came by post."


@pytest.mark.django_db
def test_admin_asks_with_a_reply_time_and_lists_paused_cases(admin_client, file_complaint):
    grievance = file_complaint(now=timezone.now() - datetime.timedelta(days=2))
    url = reverse("admin:grievances_grievance_act", args=[grievance.pk, "request_information"])
    form = admin_client.get(url).context["form"]
    assert form.fields["reply_days"].initial == 10
    response = admin_client.post(url, {"question": "Which office?", "reply_days": "5"})
    assert response.status_code == 302
    grievance.refresh_from_db()
    assert grievance.status == Status.AWAITING_INFORMATION
    assert grievance.information_due > timezone.localdate()
    assert grievance.timeline.latest("pk").public_note == "Which office?"
    listed = admin_client.get(reverse("admin:grievances_grievance_changelist"), {"due": "paused"})
    assert grievance.tracking_number in listed.content.decode()
    overdue = admin_client.get(reverse("admin:grievances_grievance_changelist"), {"due": "overdue"})
    assert grievance.tracking_number not in overdue.content.decode()


@pytest.mark.django_db
def test_the_gro_sees_the_close_button_after_the_reply_deadline(
    client, file_complaint, django_user_model
):
    from grievances.models import StaffProfile

    user = django_user_model.objects.create_user("anik", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="GRO"))
    StaffProfile.objects.create(user=user, officer=Officer.objects.get(pk=2))
    client.force_login(user)
    now = timezone.now()
    grievance = file_complaint(now=now - datetime.timedelta(days=20))
    grievance = workflow.request_information(
        grievance=grievance,
        actor=user,
        question="?",
        reply_days=1,
        now=now - datetime.timedelta(days=10),
    )
    page = client.get(reverse("admin:grievances_grievance_change", args=[grievance.pk]))
    steps = {name for name, _label in page.context["grs_actions"]}
    assert "close_for_want_of_information" in steps and "receive_information" in steps
