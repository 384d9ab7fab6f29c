import datetime
import io
import threading

import pytest
from django.core.management import call_command
from django.db import connection

from grievances import workflow
from grievances.models import Grievance, OutboxMessage, TimelineEntry
from grievances.workflow import escalate_overdue
from tests.helpers import at

# Messages and errors made outside a request are read in English here.
pytestmark = pytest.mark.usefixtures("english")

D = datetime.date
Status = Grievance.Status

# Filed Sunday 5 January 2025: the GRO's deadline is Sunday 16 February.
GRO_DEADLINE = D(2025, 2, 16)


@pytest.mark.django_db
def test_a_case_stays_with_the_gro_on_the_last_working_day_of_its_deadline(file_complaint):
    grievance = file_complaint()
    assert grievance.deadline == GRO_DEADLINE
    result = escalate_overdue(today=GRO_DEADLINE)
    assert result.total == 0
    grievance.refresh_from_db()
    assert grievance.tier == 1


@pytest.mark.django_db
def test_a_case_escalates_to_the_appeal_officer_the_day_after_its_deadline(file_complaint):
    grievance = file_complaint()
    result = escalate_overdue(today=D(2025, 2, 17), now=at(2025, 2, 17, 1))
    assert result.by_tier == {1: 1}
    grievance.refresh_from_db()
    assert (grievance.tier, grievance.status) == (2, Status.RECEIVED)
    assert grievance.handling_officer_id == 3
    assert grievance.tier_started_on == D(2025, 2, 17)
    assert grievance.deadline == D(2025, 3, 17)  # 20 working days
    entry = grievance.timeline.latest("pk")
    assert (entry.kind, entry.from_tier, entry.to_tier, entry.from_status) == (
        TimelineEntry.Kind.ESCALATED,
        1,
        2,
        Status.RECEIVED,
    )


@pytest.mark.django_db
def test_the_whole_path_from_gro_to_appeal_officer_to_cabinet_cell(file_complaint):
    grievance = file_complaint()
    escalate_overdue(today=D(2025, 2, 17))
    grievance.refresh_from_db()
    assert grievance.tier == 2
    escalate_overdue(today=D(2025, 3, 17))  # the appeal officer's last day: stays
    grievance.refresh_from_db()
    assert grievance.tier == 2
    escalate_overdue(today=D(2025, 3, 18))
    grievance.refresh_from_db()
    assert grievance.tier == 3
    assert grievance.handling_officer is None  # the cell is not a named officer
    # 60 working days after Tue 18 March 2025, Fridays and Saturdays off, no holidays:
    # 19-20 Mar (2), eleven Sunday-Thursday weeks from 23 Mar to 5 Jun (57), 8-10 Jun (60).
    assert grievance.deadline == D(2025, 6, 10)
    assert escalate_overdue(today=D(2026, 1, 1)).total == 0  # no tier above the cell
    grievance.refresh_from_db()
    assert grievance.tier == 3
    assert list(grievance.timeline.values_list("to_tier", flat=True)) == [1, 2, 3]


@pytest.mark.django_db
def test_escalation_is_idempotent(file_complaint):
    file_complaint()
    assert escalate_overdue(today=D(2025, 2, 17)).total == 1
    assert escalate_overdue(today=D(2025, 2, 17)).total == 0
    assert escalate_overdue(today=D(2025, 2, 18)).total == 0
    assert TimelineEntry.objects.filter(kind="escalated").count() == 1


@pytest.mark.django_db
def test_escalation_catches_up_after_missed_days_as_daily_runs_would_have(file_complaint):
    grievance = file_complaint()
    result = escalate_overdue(today=D(2025, 6, 1))
    grievance.refresh_from_db()
    # Tier 2 from Mon 17 Feb (due Mon 17 Mar), then the cell from Tue 18 Mar: the dates
    # daily runs would have given (grievances/tests/test_catch_up.py has the details).
    assert result.by_tier == {1: 1, 2: 1}
    assert (grievance.tier, grievance.status) == (3, Status.CABINET_CELL)
    assert grievance.tier_started_on == D(2025, 3, 18)
    assert grievance.deadline == D(2025, 6, 10)


@pytest.mark.django_db
def test_disposed_cases_are_not_escalated(file_complaint):
    grievance = file_complaint()
    workflow.dispose(grievance=grievance, actor=None, decision="Done", now=at(2025, 1, 6))
    assert escalate_overdue(today=D(2025, 3, 1)).total == 0


@pytest.mark.django_db
def test_new_tier_deadlines_respect_holidays(file_complaint):
    from grievances.models import Holiday

    file_complaint()
    Holiday.objects.create(date=D(2025, 2, 18), name_bn="ছুটি", name_en="Holiday")
    escalate_overdue(today=D(2025, 2, 17))
    assert Grievance.objects.get().deadline == D(2025, 3, 18)


@pytest.mark.django_db
def test_escalation_tells_the_complainant_and_the_new_officer(file_complaint):
    grievance = file_complaint()
    OutboxMessage.objects.all().delete()
    escalate_overdue(today=D(2025, 2, 17))
    recipients = set(OutboxMessage.objects.values_list("channel", "recipient"))
    assert recipients == {
        ("sms", "01712345678"),
        ("email", "rahima@example.com"),
        ("email", "ddadmin@doict.gov.bd"),
    }
    officer_mail = OutboxMessage.objects.get(recipient="ddadmin@doict.gov.bd")
    assert grievance.tracking_number in officer_mail.body
    assert "Rahima" not in officer_mail.body


@pytest.mark.django_db
def test_a_dry_run_counts_and_changes_nothing(file_complaint):
    file_complaint()
    file_complaint()
    result = escalate_overdue(today=D(2025, 2, 17), dry_run=True)
    assert result.by_tier == {1: 2}
    assert set(Grievance.objects.values_list("tier", flat=True)) == {1}


@pytest.mark.django_db
def test_the_command_takes_as_of_and_dry_run(file_complaint):
    file_complaint()
    out = io.StringIO()
    call_command("escalate_grievances", "--as-of", "2025-02-17", "--dry-run", stdout=out)
    assert "Would escalate 1" in out.getvalue()
    assert Grievance.objects.get().tier == 1
    out = io.StringIO()
    call_command("escalate_grievances", "--as-of", "2025-02-17", stdout=out)
    assert "Escalated 1" in out.getvalue()
    assert Grievance.objects.get().tier == 2


@pytest.mark.django_db
def test_the_command_refuses_a_malformed_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("escalate_grievances", "--as-of", "17/02/2025")


@pytest.mark.django_db
def test_many_cases_escalate_with_a_constant_number_of_queries(
    file_complaint, django_assert_max_num_queries
):
    for _ in range(30):
        file_complaint()
    with django_assert_max_num_queries(15):
        assert escalate_overdue(today=D(2025, 2, 17)).total == 30


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_escalation_runs_at_once_escalate_each_case_once(charter):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    for _ in range(40):
        workflow.submit(
            office=charter.office,
            complaint_type="citizen",
            subject="s",
            description="d",
            mobile="01712345678",
            now=at(2025, 1, 5),
        )
    barrier = threading.Barrier(2)
    totals, errors = [], []

    def run():
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            totals.append(escalate_overdue(today=D(2025, 2, 17)).total)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(totals) == 40
    assert set(Grievance.objects.values_list("tier", flat=True)) == {2}
    assert TimelineEntry.objects.filter(kind="escalated").count() == 40


@pytest.mark.django_db
def test_an_office_without_the_next_tier_does_not_stop_the_others(file_complaint, charter):
    from services.models import Office

    moved = file_complaint()
    cabinet = Office.objects.get(level=Office.Level.MINISTRY)  # no charter, no GRS table
    stuck = Grievance.objects.create(
        tracking_number="GRS-2025-STUCK1",
        complaint_type="citizen",
        name="Rahima Begum",
        mobile="01712345678",
        office=cabinet,
        subject="s",
        description="d",
        received_at=at(2025, 1, 5),
        tier_started_on=D(2025, 1, 5),
        deadline=D(2025, 2, 16),
    )
    out, err = io.StringIO(), io.StringIO()
    call_command("escalate_grievances", "--as-of", "2025-02-17", stdout=out, stderr=err)
    moved.refresh_from_db()
    stuck.refresh_from_db()
    assert (moved.tier, stuck.tier) == (2, 1)
    assert "Escalated 1 complaint(s)" in out.getvalue()
    assert "stay at tier 1" in err.getvalue()
