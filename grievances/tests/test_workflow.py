import datetime
import re
import threading

import pytest
from django.db import connection
from django.utils import translation

from grievances import workflow
from grievances.models import Grievance, OutboxMessage, Rating, TimelineEntry
from grievances.workflow import WorkflowError
from services.models import Office
from tests.helpers import at

# Messages and errors made outside a request are read in English here.
pytestmark = pytest.mark.usefixtures("english")

D = datetime.date
Status = Grievance.Status
Kind = TimelineEntry.Kind


# The investigating officer and the report's due date an investigation names (at most 20
# working days after an order on Monday 6 January 2025, i.e. by Monday 3 February).
INVESTIGATOR = {"investigating_officer": "Upazila ICT Officer", "due_on": D(2025, 1, 20)}


@pytest.fixture
def gro(django_user_model):
    return django_user_model.objects.create_user("gro", password="x", is_staff=True)


@pytest.mark.django_db
def test_submission_goes_to_the_charters_gro_with_a_30_working_day_deadline(file_complaint):
    grievance = file_complaint()
    assert re.fullmatch(r"GRS-2025-[2-9A-HJKMNP-Z]{6}", grievance.tracking_number)
    assert grievance.tier == 1
    assert grievance.status == Status.RECEIVED
    assert grievance.handling_officer_id == 2  # the district ICT officer, from the GRS table
    assert grievance.tier_started_on == D(2025, 1, 5)
    assert grievance.deadline == D(2025, 2, 16)
    entry = grievance.timeline.get()
    assert (entry.kind, entry.from_status, entry.to_status, entry.to_tier) == (
        Kind.SUBMITTED,
        "",
        Status.RECEIVED,
        1,
    )


@pytest.mark.django_db
def test_submission_queues_sms_and_email_to_the_complainant_and_email_to_the_gro(file_complaint):
    grievance = file_complaint()
    messages = {(m.channel, m.recipient) for m in grievance.messages.all()}
    assert messages == {
        ("sms", "01712345678"),
        ("email", "rahima@example.com"),
        ("email", "doict.rangpur@gmail.com"),
    }
    sms = grievance.messages.get(channel="sms")
    assert grievance.tracking_number in sms.body
    officer_mail = grievance.messages.get(recipient="doict.rangpur@gmail.com")
    assert "Rahima" not in officer_mail.body and "01712345678" not in officer_mail.body


@pytest.mark.django_db
def test_tier_officers_and_limits_come_from_the_charter(charter, file_complaint):
    tier = charter.grs_tiers.get(level=1)
    tier.time_limit_working_days = 5
    tier.officer_id = 1
    tier.save()
    grievance = file_complaint()
    assert grievance.handling_officer_id == 1
    assert grievance.deadline == D(2025, 1, 12)


@pytest.mark.django_db
def test_anonymous_complaint_keeps_no_personal_data_and_sends_nothing(file_complaint):
    grievance = file_complaint(is_anonymous=True)
    assert grievance.name == grievance.mobile == grievance.email == ""
    assert not grievance.messages.filter(channel="sms").exists()
    assert grievance.messages.filter(recipient="doict.rangpur@gmail.com").exists()


@pytest.mark.django_db
def test_a_named_complaint_needs_a_mobile_number(file_complaint):
    with pytest.raises(WorkflowError):
        file_complaint(mobile="")


@pytest.mark.django_db
def test_a_tracking_number_collision_is_retried(file_complaint, monkeypatch):
    first = file_complaint()
    numbers = iter([first.tracking_number, first.tracking_number, "GRS-2025-ABCDEF"])
    monkeypatch.setattr(workflow, "new_tracking_number", lambda *, year: next(numbers))
    second = file_complaint()
    assert second.tracking_number == "GRS-2025-ABCDEF"
    assert Grievance.objects.count() == 2


@pytest.mark.django_db
def test_the_handling_steps_each_write_the_timeline(file_complaint, gro):
    grievance = file_complaint()
    workflow.start(grievance=grievance, actor=gro, note="Looking into it", now=at(2025, 1, 6))
    workflow.request_information(
        grievance=grievance, actor=gro, question="Which date?", now=at(2025, 1, 7)
    )
    workflow.receive_information(grievance=grievance, actor=gro, now=at(2025, 1, 8))
    workflow.record_hearing(
        grievance=grievance,
        actor=gro,
        held_on=D(2025, 1, 9),
        note="Both sides heard",
        now=at(2025, 1, 9),
    )
    grievance = workflow.dispose(
        grievance=grievance, actor=gro, decision="The certificate was issued.", now=at(2025, 1, 12)
    )
    assert grievance.status == Status.DISPOSED
    assert grievance.disposed_at == at(2025, 1, 12)
    grievance = workflow.close(grievance=grievance, actor=gro, now=at(2025, 2, 20))
    assert grievance.status == Status.CLOSED
    steps = list(grievance.timeline.values_list("kind", "from_status", "to_status"))
    assert steps == [
        (Kind.SUBMITTED, "", Status.RECEIVED),
        (Kind.STARTED, Status.RECEIVED, Status.IN_PROGRESS),
        (Kind.INFORMATION_REQUESTED, Status.IN_PROGRESS, Status.AWAITING_INFORMATION),
        (Kind.INFORMATION_RECEIVED, Status.AWAITING_INFORMATION, Status.IN_PROGRESS),
        (Kind.HEARING_RECORDED, Status.IN_PROGRESS, Status.IN_PROGRESS),
        (Kind.DISPOSED, Status.IN_PROGRESS, Status.DISPOSED),
        (Kind.CLOSED, Status.DISPOSED, Status.CLOSED),
    ]
    assert grievance.timeline.get(kind=Kind.STARTED).actor == gro
    assert grievance.timeline.get(kind=Kind.INFORMATION_REQUESTED).public_note == "Which date?"


@pytest.mark.django_db
def test_invalid_moves_are_refused_with_a_clear_error(file_complaint, gro):
    grievance = file_complaint()
    with pytest.raises(WorkflowError, match="not possible while the complaint is"):
        workflow.close(grievance=grievance, actor=gro)
    with pytest.raises(WorkflowError):
        workflow.receive_information(grievance=grievance, actor=gro)
    with pytest.raises(WorkflowError):
        workflow.dispose(grievance=grievance, actor=gro, decision="  ")
    workflow.dispose(grievance=grievance, actor=gro, decision="Done", now=at(2025, 1, 6))
    with pytest.raises(WorkflowError):
        workflow.dispose(grievance=grievance, actor=gro, decision="Again")
    with pytest.raises(WorkflowError):
        workflow.start(grievance=grievance, actor=gro)
    assert grievance.timeline.count() == 2


@pytest.mark.django_db
def test_workflow_error_message_follows_the_active_language(file_complaint, gro):
    from django.utils import translation

    grievance = file_complaint()
    with translation.override("en"), pytest.raises(WorkflowError) as error:
        workflow.close(grievance=grievance, actor=gro)
    assert "Received" in str(error.value.message)


@pytest.mark.django_db
def test_an_investigation_extends_the_gro_limit_by_10_working_days_once(file_complaint, gro):
    grievance = file_complaint()
    grievance = workflow.order_investigation(
        grievance=grievance, actor=gro, now=at(2025, 1, 6), **INVESTIGATOR
    )
    assert grievance.deadline == D(2025, 3, 2)  # 16 Feb + two working weeks
    assert grievance.status == Status.IN_PROGRESS
    with pytest.raises(WorkflowError, match="already"):
        workflow.order_investigation(grievance=grievance, actor=gro, **INVESTIGATOR)


@pytest.mark.django_db
def test_an_investigation_cannot_extend_the_appeal_officers_limit(file_complaint, gro):
    grievance = file_complaint()
    workflow.escalate(grievance=grievance, today=D(2025, 2, 17))
    with pytest.raises(WorkflowError):
        workflow.order_investigation(
            grievance=grievance, actor=gro, now=at(2025, 2, 18), **INVESTIGATOR
        )


@pytest.mark.django_db
def test_forwarding_hands_the_case_to_another_office_and_restarts_its_clock(
    office, file_complaint, gro
):
    branch = Office.objects.create(parent=office, level="upazila", name_bn="শাখা", name_en="Branch")
    grievance = file_complaint()
    grievance = workflow.forward(
        grievance=grievance, actor=gro, to_office=branch, now=at(2025, 1, 12)
    )
    assert grievance.status == Status.FORWARDED
    assert grievance.office == branch
    assert grievance.tier_started_on == D(2025, 1, 12)
    assert grievance.deadline == D(2025, 2, 23)
    assert grievance.handling_officer_id == 2  # the branch has no charter: its parent's GRS
    with pytest.raises(WorkflowError):
        workflow.forward(grievance=grievance, actor=gro, to_office=branch)
    workflow.start(grievance=grievance, actor=gro)


@pytest.mark.django_db
def test_an_appeal_within_30_days_goes_to_the_appeal_officer(file_complaint, gro):
    grievance = file_complaint()
    workflow.dispose(grievance=grievance, actor=gro, decision="Rejected", now=at(2025, 1, 6))
    grievance = workflow.appeal(grievance=grievance, reason="Not fair", now=at(2025, 2, 5))
    assert (grievance.tier, grievance.status) == (2, Status.RECEIVED)
    assert grievance.handling_officer_id == 3  # the deputy director (administration)
    assert grievance.tier_started_on == D(2025, 2, 5)
    assert grievance.deadline == D(2025, 3, 5)  # 20 working days
    entry = grievance.timeline.latest("pk")
    assert (entry.kind, entry.from_tier, entry.to_tier) == (Kind.APPEALED, 1, 2)
    assert entry.internal_note == "Not fair" and entry.public_note == ""
    assert grievance.messages.filter(recipient="ddadmin@doict.gov.bd").exists()


@pytest.mark.django_db
def test_an_appeal_after_30_days_is_refused(file_complaint, gro):
    grievance = file_complaint()
    workflow.dispose(grievance=grievance, actor=gro, decision="Rejected", now=at(2025, 1, 6))
    with pytest.raises(WorkflowError, match="30 days"):
        workflow.appeal(grievance=grievance, reason="Late", now=at(2025, 2, 6))


@pytest.mark.django_db
def test_an_open_complaint_cannot_be_appealed(file_complaint):
    grievance = file_complaint()
    with pytest.raises(WorkflowError):
        workflow.appeal(grievance=grievance, reason="Why?")


@pytest.mark.django_db
def test_there_is_no_appeal_beyond_the_cabinet_cell(file_complaint, gro):
    grievance = file_complaint()
    workflow.escalate(grievance=grievance, today=D(2025, 2, 17))
    workflow.escalate(grievance=grievance, today=D(2025, 4, 1))
    grievance.refresh_from_db()
    assert grievance.tier == 3 and grievance.handling_officer is None
    assert grievance.status == Status.CABINET_CELL  # the cell works outside this system
    workflow.record_cell_decision(
        grievance=grievance,
        actor=gro,
        decision="Settled",
        decided_on=D(2025, 4, 2),
        now=at(2025, 4, 2),
    )
    with pytest.raises(WorkflowError):
        workflow.appeal(grievance=grievance, reason="Still unhappy", now=at(2025, 4, 3))


@pytest.mark.django_db
def test_a_disposal_is_rated_once(file_complaint, gro):
    grievance = file_complaint()
    with pytest.raises(WorkflowError):
        workflow.rate(grievance=grievance, satisfied=True)
    workflow.dispose(grievance=grievance, actor=gro, decision="Done", now=at(2025, 1, 6))
    rating = workflow.rate(grievance=grievance, satisfied=False, comment="Slow")
    assert (rating.tier, rating.satisfied, rating.comment) == (1, False, "Slow")
    with pytest.raises(WorkflowError):
        workflow.rate(grievance=grievance, satisfied=True)
    assert Rating.objects.count() == 1


@pytest.mark.django_db
def test_the_timeline_is_never_rewritten(file_complaint):
    entry = file_complaint().timeline.get()
    entry.internal_note = "changed"
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        TimelineEntry.objects.all().update(internal_note="changed")
    with pytest.raises(TypeError):
        TimelineEntry.objects.all().delete()


@pytest.mark.django_db
def test_the_database_refuses_a_disposal_without_a_decision(file_complaint):
    from django.db import IntegrityError, transaction

    grievance = file_complaint()
    with pytest.raises(IntegrityError), transaction.atomic():
        Grievance.objects.filter(pk=grievance.pk).update(status=Status.DISPOSED)


@pytest.mark.django_db
def test_steps_the_complainant_may_see_send_an_sms(file_complaint, gro):
    grievance = file_complaint()
    workflow.start(grievance=grievance, actor=gro, now=at(2025, 1, 6))
    workflow.request_information(
        grievance=grievance, actor=gro, question="Send the receipt", now=at(2025, 1, 6)
    )
    sms = OutboxMessage.objects.filter(grievance=grievance, channel="sms")
    assert sms.count() == 2  # receipt and the question; starting work sends nothing
    assert "Send the receipt" in sms.latest("pk").body


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_get_distinct_tracking_numbers(charter, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    # Few possible codes: concurrent submissions must collide and retry.
    alphabet = iter(["GRS-2025-AAAAAA", "GRS-2025-BBBBBB"] * 100)
    lock = threading.Lock()

    def scarce(*, year):
        with lock:
            return next(alphabet)

    real = workflow.new_tracking_number
    monkeypatch.setattr(workflow, "new_tracking_number", scarce)
    numbers, errors = [], []
    barrier = threading.Barrier(4)

    def file():
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            grievance = workflow.submit(
                office=charter.office,
                complaint_type="citizen",
                subject="s",
                description="d",
                mobile="01712345678",
                now=at(2025, 1, 5),
            )
            numbers.append(grievance.tracking_number)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=file) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    monkeypatch.setattr(workflow, "new_tracking_number", real)
    # Two codes for four complaints: two succeed with distinct numbers, two give up cleanly.
    assert len(numbers) == len(set(numbers))
    assert Grievance.objects.count() == len(numbers)
    assert all(isinstance(error, WorkflowError) for error in errors)

    def random_file():
        from django.db import connection as thread_connection

        try:
            grievance = workflow.submit(
                office=charter.office,
                complaint_type="citizen",
                subject="s",
                description="d",
                mobile="01712345678",
            )
            numbers.append(grievance.tracking_number)
        finally:
            thread_connection.close()

    numbers.clear()
    threads = [threading.Thread(target=random_file) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(numbers) == 8 == len(set(numbers))


@pytest.mark.django_db
def test_a_disposal_cannot_be_closed_while_the_complainant_may_still_appeal(file_complaint, gro):
    grievance = file_complaint()
    workflow.dispose(grievance=grievance, actor=gro, decision="Done", now=at(2025, 1, 12))
    with pytest.raises(WorkflowError, match="may still appeal"):
        workflow.close(grievance=grievance, actor=gro, now=at(2025, 1, 20))
    grievance.refresh_from_db()
    assert workflow.Step.APPEAL in workflow.available_steps(grievance, today=D(2025, 1, 20))
    workflow.close(grievance=grievance, actor=gro, now=at(2025, 2, 12))
    grievance.refresh_from_db()
    assert grievance.status == Status.CLOSED


@pytest.mark.django_db
def test_the_refusal_to_close_gives_the_last_day_to_appeal_as_the_language_writes_it(
    file_complaint, gro
):
    grievance = file_complaint()
    workflow.dispose(grievance=grievance, actor=gro, decision="Done", now=at(2025, 1, 12))
    # 30 days after 12 January 2025.
    with pytest.raises(WorkflowError, match="11 February 2025"):
        workflow.close(grievance=grievance, actor=gro, now=at(2025, 1, 20))
    with translation.override("bn"), pytest.raises(WorkflowError) as refusal:
        workflow.close(grievance=grievance, actor=gro, now=at(2025, 1, 20))
    assert "১১" in refusal.value.message and "২০২৫" in refusal.value.message
    assert not re.search(r"[0-9]", str(refusal.value.message))


@pytest.mark.django_db
def test_a_satisfied_complainant_lets_the_officer_close_at_once(file_complaint, gro):
    grievance = file_complaint()
    workflow.dispose(grievance=grievance, actor=gro, decision="Done", now=at(2025, 1, 12))
    workflow.rate(grievance=grievance, satisfied=True, now=at(2025, 1, 13))
    workflow.close(grievance=grievance, actor=gro, now=at(2025, 1, 14))
    grievance.refresh_from_db()
    assert grievance.status == Status.CLOSED
