"""The monthly report and the public figures with paused clocks, "closed for want of
information" and cases at the Cabinet Division's cell, from a fixture checked by hand.

Calendar: Sunday to Thursday are working days; no holidays. Limits: GRO 30, appeal officer
20 working days. The day of receipt, of a request, of a reply never counts.

P1  rec Sun 5 Jan (GRO deadline Sun 16 Feb). Asked Mon 27 Jan, 10 days to reply: 14 working
    days left (28-30 Jan, 2-6, 9-13, 16 Feb), reply due Mon 10 Feb (28-30 Jan, 2-6, 9-10
    Feb), deadline while waiting Sun 2 Mar (11-13, 16-20, 23-27 Feb, 2 Mar). Answered Wed
    5 Feb: deadline Tue 25 Feb (6, 9-13, 16-20, 23-25 Feb). Disposed Thu 20 Feb, after the
    first deadline but within the paused one: 34 working days (6-9, 12-16, 19-23, 26-30
    Jan, 2-6, 9-13, 16-20 Feb).
P2  rec Sun 5 Jan (16 Feb). Asked Sun 9 Feb: 5 days left (10-13, 16 Feb), reply due Sun
    23 Feb (10-13, 16-20, 23 Feb), deadline while waiting Sun 2 Mar (24-27 Feb, 2 Mar).
    Never answered: pending *within* the limit on 28 Feb. Closed for want of information
    Mon 3 Mar, beyond the limit: 41 working days (34 to 20 Feb, 23-27 Feb, 2-3 Mar).
Q   rec Sun 2 Feb (GRO deadline Sun 16 Mar: 3-6, 9-13, 16-20, 23-27 Feb, 2-6, 9-13, 16
    Mar). Asked Mon 3 Feb, 5 days to reply: due Mon 10 Feb; 29 days left; deadline while
    waiting Sun 23 Mar. Closed for want of information Wed 12 Feb, within: 8 working days
    (3-6, 9-12 Feb). Appealed Sun 16 Feb (appeal officer due Sun 16 Mar); decided Thu 13
    Mar, within: 19 working days (17-20, 23-27 Feb, 2-6, 9-13 Mar).
R   rec Sun 5 Jan (16 Feb). Sweep as of 17 Feb: tier 2 from 17 Feb, due Mon 17 Mar. Sweep
    as of 18 Mar: for the Cabinet Division cell from 18 Mar. The cell's decision (of 10
    Apr) recorded Tue 15 Apr.
S   as R, but the cell's decision never comes.

(The sweeps of 17 Feb and 18 Mar leave P1, P2 and Q alone: paused, answered in time,
disposed or still running.)
"""

import datetime

import pytest
from django.contrib.auth.models import User
from django.utils import translation

from grievances import workflow
from grievances.models import Grievance
from reports import figures as reports
from tests.helpers import at

pytestmark = pytest.mark.usefixtures("english")

D = datetime.date
FIELDS = [
    "carried_over",
    "received_web",
    "disposed",
    "moved_up",
    "pending_within",
    "pending_beyond",
    "with_cell",
    "disposal_rate",
    "median_working_days",
]


@pytest.fixture(autouse=True)
def _language_left_as_found():
    yield
    translation.deactivate()


def row(r) -> tuple:
    return tuple(getattr(r, name) for name in FIELDS)


@pytest.fixture
def cases(office, file_complaint):
    gro = User.objects.create_user("gro-new-states", is_staff=True)

    def ask(case, day, reply_days=10):
        return workflow.request_information(
            grievance=case, actor=gro, question="Which date?", reply_days=reply_days, now=day
        )

    p1 = file_complaint(now=at(2025, 1, 5))
    p2 = file_complaint(now=at(2025, 1, 5))
    r = file_complaint(now=at(2025, 1, 5))
    s = file_complaint(now=at(2025, 1, 5))
    p1 = ask(p1, at(2025, 1, 27))
    assert (p1.information_due, p1.deadline) == (D(2025, 2, 10), D(2025, 3, 2))
    q = file_complaint(now=at(2025, 2, 2))
    q = ask(q, at(2025, 2, 3), reply_days=5)
    assert (q.information_due, q.deadline) == (D(2025, 2, 10), D(2025, 3, 23))
    p1 = workflow.answer_information(grievance=p1, answer="10 January.", now=at(2025, 2, 5))
    assert p1.deadline == D(2025, 2, 25)
    p2 = ask(p2, at(2025, 2, 9))
    assert (p2.information_due, p2.deadline) == (D(2025, 2, 23), D(2025, 3, 2))
    q = workflow.close_for_want_of_information(grievance=q, actor=gro, now=at(2025, 2, 12))
    q = workflow.appeal(grievance=q, reason="I never got the question.", now=at(2025, 2, 16))
    assert q.deadline == D(2025, 3, 16)
    assert workflow.escalate_overdue(today=D(2025, 2, 17)).by_tier == {1: 2}  # R and S
    workflow.dispose(grievance=p1, actor=gro, decision="Issued.", now=at(2025, 2, 20))
    workflow.close_for_want_of_information(grievance=p2, actor=gro, now=at(2025, 3, 3))
    workflow.dispose(grievance=q, actor=gro, decision="Question resent; done.", now=at(2025, 3, 13))
    assert workflow.escalate_overdue(today=D(2025, 3, 18)).by_tier == {2: 2}  # R and S
    r.refresh_from_db()
    assert (r.status, r.tier_started_on) == (Grievance.Status.CABINET_CELL, D(2025, 3, 18))
    workflow.record_cell_decision(
        grievance=r, actor=gro, decision="Granted.", decided_on=D(2025, 4, 10), now=at(2025, 4, 15)
    )
    return {"p1": p1, "p2": p2, "q": q, "r": r, "s": s}


@pytest.mark.django_db
def test_january_a_paused_case_is_pending_within_the_limit(office, cases):
    report = reports.monthly_report(office=office, month=D(2025, 1, 1))
    tier1, tier2, tier3 = report.tiers
    # P1 (paused, due 2 Mar at the latest), P2, R, S received; all within.
    assert row(tier1.total) == (0, 4, 0, 0, 4, 0, 0, 0.0, None)
    assert (tier2.rows, tier3.rows) == ([], [])


@pytest.mark.django_db
def test_february_pauses_and_a_closure_for_want_of_information(office, cases):
    report = reports.monthly_report(office=office, month=D(2025, 2, 1))
    tier1, tier2, tier3 = report.tiers
    # Carried P1, P2, R, S; received Q; disposed P1 (34 wd) and Q (closed, 8 wd); R and S
    # moved up; P2 unanswered but its clock runs to 2 Mar: within on 28 Feb.
    assert row(tier1.total) == (4, 1, 2, 2, 1, 0, 0, 40.0, 21.0)
    # Received R, S (escalated) and Q (appealed); all due in March.
    assert row(tier2.total) == (0, 3, 0, 0, 3, 0, 0, 0.0, None)
    assert tier3.rows == []
    assert row(report.total) == (4, 4, 2, 2, 4, 0, 0, 25.0, 21.0)


@pytest.mark.django_db
def test_march_the_hand_over_counts_in_its_own_column(office, cases):
    report = reports.monthly_report(office=office, month=D(2025, 3, 1))
    tier1, tier2, tier3 = report.tiers
    # P2 carried, closed for want of information on 3 Mar (41 wd).
    assert row(tier1.total) == (1, 0, 1, 0, 0, 0, 0, 100.0, 41.0)
    # R, S, Q carried; Q decided (19 wd); R and S moved up to the cell on 18 Mar.
    assert row(tier2.total) == (3, 0, 1, 2, 0, 0, 0, 33.3, 19.0)
    # R and S at the cell: neither within nor beyond this office's limit.
    assert row(tier3.total) == (0, 2, 0, 0, 0, 0, 2, 0.0, None)
    assert row(report.total) == (4, 2, 2, 2, 0, 0, 2, 33.3, 30.0)


@pytest.mark.django_db
def test_april_the_cells_recorded_decision_ends_its_stay(office, cases):
    tier3 = reports.monthly_report(office=office, month=D(2025, 4, 1)).tiers[2]
    # R decided by the cell (no working days of this office's); S still at the cell.
    assert row(tier3.total) == (2, 0, 1, 0, 0, 0, 1, 50.0, None)


@pytest.mark.django_db
def test_a_case_at_the_cell_is_never_beyond_the_limit(office, cases):
    # S's tier-3 "deadline" (60 working days from 18 Mar, 10 Jun) has long passed by
    # December: still only at the cell.
    tier3 = reports.monthly_report(office=office, month=D(2025, 12, 1)).tiers[2]
    assert row(tier3.total) == (1, 0, 0, 0, 0, 0, 1, 0.0, None)


@pytest.mark.django_db
def test_every_month_adds_up(office, cases):
    for month in range(1, 13):
        report = reports.monthly_report(office=office, month=D(2025, month, 1))
        for section in report.tiers:
            for r in [*section.rows, section.total]:
                assert r.total == r.disposed + r.moved_up + r.pending + r.with_cell


@pytest.mark.django_db
def test_public_figures_count_the_offices_decisions_only(office, cases):
    result = reports.public_figures(office=office, today=D(2025, 6, 30))
    months = [
        (m.month.month, m.received, m.disposed, m.disposed_within_limit, m.average_working_days)
        for m in result.months
    ]
    assert months == [
        (1, 4, 0, 0, None),
        (2, 1, 2, 2, 21.0),  # P1 (34) within its paused deadline, Q closed (8)
        (3, 0, 2, 1, 30.0),  # P2 closed beyond (41), Q's appeal decided within (19)
        (4, 0, 0, 0, None),  # the cell's decision is not this office's
        (5, 0, 0, 0, None),
        (6, 0, 0, 0, None),
    ]
    assert (result.received, result.disposed, result.within_limit_share) == (5, 4, 75.0)
    assert result.average_working_days == 25.5  # (34 + 8 + 41 + 19) / 4
