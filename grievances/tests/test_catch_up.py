"""A sweep that runs late gives the next tier the dates a sweep on time would have given.

The rule (``workflow.escalation_day``), in the guideline's words: the deadline is the end of
the Nth working day after receipt, the day of receipt not counted. A tier that has not
disposed the case by the end of its deadline day loses it then, so the next tier receives it
on the following day, which does not count either: the new deadline is the new tier's
limit in working days after the day after the missed deadline.

Dates counted by hand (Sunday to Thursday are working days; no holidays):
- filed Sunday 5 January 2025: GRO deadline Sunday 16 February; tier 2 from Monday 17
  February, 20 working days: 18-20, 23-27 February, 2-6, 9-13, 16-17 March: Monday 17 March;
  the cell from Tuesday 18 March.
- filed Thursday 2 January 2025: GRO deadline Thursday 13 February (5-9, 12-16, 19-23,
  26-30 January, 2-6, 9-13 February); tier 2 from Friday 14 February, 20 working days:
  16-20, 23-27 February, 2-6, 9-13 March: Thursday 13 March.
"""

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from grievances import workflow
from grievances.models import Grievance, TimelineEntry
from tests.helpers import DHAKA, at

pytestmark = pytest.mark.usefixtures("english")

D = datetime.date
Kind = TimelineEntry.Kind


def midnight(day: D) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, tzinfo=DHAKA)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "run_on",
    [D(2025, 2, 17), D(2025, 2, 18), D(2025, 2, 20), D(2025, 3, 17)],
    ids=["on-time", "a-day-late", "three-days-late", "four-weeks-late"],
)
def test_a_late_sweep_gives_the_next_tier_the_same_dates(file_complaint, run_on):
    grievance = file_complaint(now=at(2025, 1, 5))
    assert grievance.deadline == D(2025, 2, 16)
    workflow.escalate_overdue(today=run_on, now=at(run_on.year, run_on.month, run_on.day, 0, 15))
    grievance.refresh_from_db()
    assert (grievance.tier, grievance.tier_started_on, grievance.deadline) == (
        2,
        D(2025, 2, 17),
        D(2025, 3, 17),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("run_on", [D(2025, 2, 14), D(2025, 2, 16), D(2025, 2, 19)])
def test_when_the_day_after_the_deadline_is_a_friday(file_complaint, run_on):
    grievance = file_complaint(now=at(2025, 1, 2))
    assert grievance.deadline == D(2025, 2, 13)
    workflow.escalate_overdue(today=run_on, now=at(run_on.year, run_on.month, run_on.day, 1))
    grievance.refresh_from_db()
    assert (grievance.tier_started_on, grievance.deadline) == (D(2025, 2, 14), D(2025, 3, 13))


@pytest.mark.django_db
def test_one_case_escalated_late_gets_the_same_dates(file_complaint):
    grievance = file_complaint(now=at(2025, 1, 5))
    grievance = workflow.escalate(grievance=grievance, today=D(2025, 2, 20), now=at(2025, 2, 20, 9))
    assert (grievance.tier_started_on, grievance.deadline) == (D(2025, 2, 17), D(2025, 3, 17))
    entry = grievance.timeline.latest("pk")
    assert (entry.created_at, entry.effective_on, entry.deadline) == (
        at(2025, 2, 20, 9),
        D(2025, 2, 17),
        D(2025, 3, 17),
    )


@pytest.mark.django_db
def test_a_late_runs_entries_are_written_when_it_ran_and_say_when_it_took_effect(file_complaint):
    grievance = file_complaint(now=at(2025, 1, 5))
    workflow.escalate_overdue(today=D(2025, 2, 20), now=at(2025, 2, 20, 0, 15))
    entry = grievance.timeline.get(kind=Kind.ESCALATED)
    assert entry.created_at == at(2025, 2, 20, 0, 15)
    assert (entry.effective_on, entry.deadline) == (D(2025, 2, 17), D(2025, 3, 17))


@pytest.mark.django_db
def test_a_run_as_of_a_day_writes_its_entries_on_that_day(file_complaint):
    grievance = file_complaint(now=at(2025, 1, 5))
    out = io.StringIO()
    call_command("escalate_grievances", "--as-of", "2025-02-20", stdout=out)
    assert "Escalated 1 complaint(s) as of 2025-02-20" in out.getvalue()
    entry = grievance.timeline.get(kind=Kind.ESCALATED)
    assert entry.created_at == midnight(D(2025, 2, 20))
    assert entry.effective_on == D(2025, 2, 17)
    grievance.refresh_from_db()
    assert (grievance.tier_started_on, grievance.deadline) == (D(2025, 2, 17), D(2025, 3, 17))


@pytest.mark.django_db
def test_a_run_after_weeks_moves_a_case_through_both_tiers_as_daily_runs_would(file_complaint):
    grievance = file_complaint(now=at(2025, 1, 5))
    result = workflow.escalate_overdue(today=D(2025, 6, 1))
    assert result.by_tier == {1: 1, 2: 1}
    grievance.refresh_from_db()
    assert (grievance.tier, grievance.status) == (3, Grievance.Status.CABINET_CELL)
    assert grievance.tier_started_on == D(2025, 3, 18)
    entries = grievance.timeline.filter(kind=Kind.ESCALATED).order_by("pk")
    assert [(e.from_tier, e.to_tier, e.effective_on, e.created_at) for e in entries] == [
        (1, 2, D(2025, 2, 17), midnight(D(2025, 6, 1))),
        (2, 3, D(2025, 3, 18), midnight(D(2025, 6, 1))),
    ]
    assert [e.deadline for e in entries] == [D(2025, 3, 17), D(2025, 6, 10)]
    # Running again moves nothing.
    assert workflow.escalate_overdue(today=D(2025, 6, 1)).total == 0


@pytest.mark.django_db
def test_a_case_whose_new_tier_is_still_running_moves_once(file_complaint):
    file_complaint(now=at(2025, 1, 5))
    assert workflow.escalate_overdue(today=D(2025, 3, 17)).by_tier == {1: 1}
    assert workflow.escalate_overdue(today=D(2025, 3, 17)).total == 0
    assert workflow.escalate_overdue(today=D(2025, 3, 18)).by_tier == {2: 1}


@pytest.mark.django_db
def test_the_case_page_says_when_a_late_escalation_took_effect(client, file_complaint):
    grievance = file_complaint(now=at(2025, 1, 5), language="en")
    workflow.escalate_overdue(today=D(2025, 2, 20), now=at(2025, 2, 20, 0, 15))
    client.post(
        reverse("grievances:track"),
        {"tracking_number": grievance.tracking_number, "mobile": grievance.mobile},
    )
    page = client.get(reverse("grievances:case", args=[grievance.tracking_number]))
    html = page.content.decode()
    assert "20 February 2025" in html and "took effect on 17 February 2025" in html


@pytest.mark.django_db
def test_the_complainant_is_told_the_new_tiers_real_deadline(file_complaint):
    from grievances.models import OutboxMessage

    grievance = file_complaint(now=at(2025, 1, 5), language="en")
    workflow.escalate_overdue(today=D(2025, 2, 20), now=at(2025, 2, 20, 0, 15))
    sms = OutboxMessage.objects.filter(grievance=grievance, channel="sms").latest("pk")
    assert "17 March 2025" in sms.body
