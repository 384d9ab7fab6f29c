"""Which steps a case allows: one table, written by hand from the GRS guideline, checked
against ``workflow.available_steps``, the step functions themselves, admin's buttons and
the complainant's case page.

The guideline's rules behind the table: an appeal within 30 days of the disposal (§8) and
only to a higher tier (nothing to appeal at tier 3); a disposal is closed only after the
appeal period or once the complainant says they are satisfied; an investigation extends
only the GRO's (tier 1) limit, only once, and only while it runs (§7.4.1); an anonymous
complainant cannot be asked for information (nor followed, so cannot appeal); one rating
per decision. An appeal on paper is entered by staff whenever the case is disposed (its
30 days are judged on its date of receipt); the GRO may propose a named complainant's
number for the blacklist in any state, and decline a complaint from a blacklisted number
or an anonymous one (§8); an investigation's report is recorded while one is under way.
"""

import datetime

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from grievances import workflow
from grievances.attachments import CleanAttachment
from grievances.models import Grievance, Investigation, Rating, TimelineEntry
from services.models import Office
from tests.helpers import PDF

# Messages and errors made outside a request are read in English here.
pytestmark = pytest.mark.usefixtures("english")

START = "start"
REQUEST = "request_information"
RECEIVE = "receive_information"
SCHEDULE = "schedule_hearing"
HEARING = "record_hearing"
INVESTIGATE = "order_investigation"
REPORT = "record_investigation_report"
FORWARD = "forward"
DISPOSE = "dispose"
DECLINE = "decline"
CLOSE = "close"
ENTER_APPEAL = "enter_appeal"
PROPOSE = "propose_blacklisting"
CLOSE_NO_INFORMATION = "close_for_want_of_information"
CELL_DECISION = "record_cell_decision"
INFORMED = "record_complainant_informed"
APPEAL = "appeal"
RATE = "rate"
ANSWER = "answer_information"
STAFF = {
    START,
    REQUEST,
    RECEIVE,
    SCHEDULE,
    HEARING,
    INVESTIGATE,
    REPORT,
    FORWARD,
    DISPOSE,
    DECLINE,
    CLOSE,
    ENTER_APPEAL,
    PROPOSE,
    CLOSE_NO_INFORMATION,
    CELL_DECISION,
    INFORMED,
}
COMPLAINANT = {APPEAL, RATE, ANSWER}
ALL_STEPS = STAFF | COMPLAINANT

# An open case may always be heard (a hearing called, or one held recorded), forwarded and
# disposed.
ALWAYS_OPEN = {SCHEDULE, HEARING, FORWARD, DISPOSE}

# (id, case state, steps allowed). State: status, tier, anonymous, investigation ordered
# (True: the flag only; "under way": with its report still to come), filed this many days
# ago (60 unless said: the GRO's 30 working days have ended), blacklisted, disposed this
# many days ago, rated (None: not rated; True/False: satisfied or not).
STATES = [
    ("received", dict(status="received"), ALWAYS_OPEN | {START, PROPOSE}),
    (
        "received-within-the-limit",
        dict(status="received", filed=5),
        ALWAYS_OPEN | {START, REQUEST, INVESTIGATE, PROPOSE},
    ),
    (
        "received-anonymous",
        dict(status="received", anonymous=True),
        ALWAYS_OPEN | {START, DECLINE},
    ),
    (
        "received-anonymous-within-the-limit",
        dict(status="received", anonymous=True, filed=5),
        ALWAYS_OPEN | {START, INVESTIGATE, DECLINE},
    ),
    ("in-progress", dict(status="in_progress"), ALWAYS_OPEN | {PROPOSE}),
    (
        "in-progress-within-the-limit",
        dict(status="in_progress", filed=5),
        ALWAYS_OPEN | {REQUEST, INVESTIGATE, PROPOSE},
    ),
    (
        "in-progress-anonymous",
        dict(status="in_progress", anonymous=True),
        ALWAYS_OPEN | {DECLINE},
    ),
    (
        "in-progress-blacklisted",
        dict(status="in_progress", blacklisted=True),
        ALWAYS_OPEN | {DECLINE, PROPOSE},
    ),
    (
        "in-progress-investigation-ordered",
        dict(status="in_progress", investigation=True, filed=5),
        ALWAYS_OPEN | {REQUEST, PROPOSE},
    ),
    (
        "in-progress-investigation-under-way",
        dict(status="in_progress", investigation="under way", filed=5),
        ALWAYS_OPEN | {REQUEST, REPORT, PROPOSE},
    ),
    # Waiting for the complainant's information: they answer online or staff enter a reply;
    # after the reply deadline the case may be closed for want of information.
    (
        "awaiting-information",
        dict(status="awaiting_information", filed=5, reply_due=3),
        ALWAYS_OPEN | {RECEIVE, ANSWER, INVESTIGATE, PROPOSE},
    ),
    (
        "awaiting-information-due-today",
        dict(status="awaiting_information", filed=5, reply_due=0),
        ALWAYS_OPEN | {RECEIVE, ANSWER, INVESTIGATE, PROPOSE},
    ),
    (
        "awaiting-information-past-the-reply-deadline",
        dict(status="awaiting_information", filed=5, reply_due=-1),
        ALWAYS_OPEN | {RECEIVE, ANSWER, CLOSE_NO_INFORMATION, INVESTIGATE, PROPOSE},
    ),
    # At tier 3 the case is the Cabinet Division cell's, outside this system: staff record
    # the cell's decision when it arrives.
    ("for-the-cabinet-cell", dict(status="cabinet_cell", tier=3), {CELL_DECISION}),
    # A message failed for good or a decision was not told in 7 working days.
    (
        "in-progress-complainant-not-informed",
        dict(status="in_progress", filed=5, not_informed=True),
        ALWAYS_OPEN | {REQUEST, INVESTIGATE, PROPOSE, INFORMED},
    ),
    (
        "disposed-complainant-not-informed",
        dict(status="disposed", disposed=31, not_informed=True),
        {CLOSE, RATE, ENTER_APPEAL, PROPOSE, INFORMED},
    ),
    ("forwarded", dict(status="forwarded"), ALWAYS_OPEN | {START, PROPOSE}),
    (
        "forwarded-investigation-ordered",
        dict(status="forwarded", investigation=True, filed=5),
        ALWAYS_OPEN | {START, REQUEST, PROPOSE},
    ),
    ("received-tier-2", dict(status="received", tier=2), ALWAYS_OPEN | {START}),
    (
        "received-tier-2-blacklisted",
        dict(status="received", tier=2, blacklisted=True),
        ALWAYS_OPEN | {START},
    ),
    ("in-progress-tier-3", dict(status="in_progress", tier=3), ALWAYS_OPEN),
    (
        "disposed-today",
        dict(status="disposed", disposed=0),
        {APPEAL, RATE, ENTER_APPEAL, PROPOSE},
    ),
    (
        "disposed-29-days-ago",
        dict(status="disposed", disposed=29),
        {APPEAL, RATE, ENTER_APPEAL, PROPOSE},
    ),
    (
        "disposed-30-days-ago",
        dict(status="disposed", disposed=30),
        {APPEAL, RATE, ENTER_APPEAL, PROPOSE},
    ),
    (
        "disposed-31-days-ago",
        dict(status="disposed", disposed=31),
        {CLOSE, RATE, ENTER_APPEAL, PROPOSE},
    ),
    (
        "disposed-rated-satisfied",
        dict(status="disposed", disposed=5, rated=True),
        {APPEAL, CLOSE, ENTER_APPEAL, PROPOSE},
    ),
    (
        "disposed-rated-unsatisfied",
        dict(status="disposed", disposed=5, rated=False),
        {APPEAL, ENTER_APPEAL, PROPOSE},
    ),
    (
        "disposed-long-ago-rated-unsatisfied",
        dict(status="disposed", disposed=45, rated=False),
        {CLOSE, ENTER_APPEAL, PROPOSE},
    ),
    (
        "disposed-today-tier-2",
        dict(status="disposed", tier=2, disposed=0),
        {APPEAL, RATE, ENTER_APPEAL},
    ),
    ("disposed-today-tier-3", dict(status="disposed", tier=3, disposed=0), {CLOSE, RATE}),
    (
        "disposed-today-anonymous",
        dict(status="disposed", anonymous=True, disposed=0),
        {CLOSE, RATE},
    ),
    ("closed", dict(status="closed", disposed=40), {RATE, PROPOSE}),
    ("closed-rated", dict(status="closed", disposed=40, rated=True), {PROPOSE}),
]
IDS = [row[0] for row in STATES]


@pytest.fixture
def make_case(file_complaint):
    """A case put straight into a hand-written state (not through the workflow)."""

    def make(
        *,
        status,
        tier=1,
        anonymous=False,
        investigation=False,
        filed=60,
        blacklisted=False,
        disposed=None,
        rated=None,
        reply_due=None,
        not_informed=False,
    ):
        now = timezone.now()
        case = file_complaint(is_anonymous=anonymous, now=now - datetime.timedelta(days=filed))
        changes = {
            "status": status,
            "tier": tier,
            "investigation_ordered": bool(investigation),
            "blacklisted": blacklisted,
            "complainant_not_informed": not_informed,
        }
        if reply_due is not None:  # asked yesterday, to answer this many days from today
            changes["paused_on"] = timezone.localdate() - datetime.timedelta(days=1)
            changes["information_due"] = timezone.localdate() + datetime.timedelta(days=reply_due)
            changes["working_days_left_when_paused"] = 10
        if investigation == "under way":
            ordered = TimelineEntry.objects.create(
                grievance=case,
                created_at=now,
                kind=TimelineEntry.Kind.INVESTIGATION_ORDERED,
                to_status=status,
                to_tier=tier,
            )
            Investigation.objects.create(
                grievance=case,
                investigating_officer="Upazila ICT Officer",
                due_on=timezone.localdate() + datetime.timedelta(days=7),
                ordered_entry=ordered,
            )
        if disposed is not None:
            changes["disposed_at"] = now - datetime.timedelta(days=disposed)
            changes["decision"] = "Service given."
        if status == "closed":
            changes["closed_at"] = now
        Grievance.objects.filter(pk=case.pk).update(**changes)
        if rated is not None:
            Rating.objects.create(grievance=case, tier=tier, satisfied=rated, created_at=now)
        case.refresh_from_db()
        return case

    return make


class Rollback(Exception):  # noqa: N818
    pass


def step_is_taken(step, case, *, actor, branch) -> bool:
    """Whether the workflow takes ``step`` on ``case`` now (the database is left as it was)."""
    today = timezone.localdate()
    disposed_on = timezone.localdate(case.disposed_at) if case.disposed_at else today
    arguments = {
        START: {"actor": actor},
        REQUEST: {"actor": actor, "question": "Which office did you apply at?"},
        RECEIVE: {"actor": actor},
        SCHEDULE: {
            "actor": actor,
            "hearing_date": today + datetime.timedelta(days=7),
            "hearing_time": datetime.time(10, 30),
            "place": "Upazila ICT office",
            "summoned": "The complainant and the officer responsible.",
        },
        HEARING: {"actor": actor, "held_on": today, "note": "Both sides heard."},
        INVESTIGATE: {
            "actor": actor,
            "investigating_officer": "Upazila ICT Officer",
            "due_on": today + datetime.timedelta(days=7),
        },
        REPORT: {"actor": actor, "report": CleanAttachment("report.pdf", "application/pdf", PDF)},
        FORWARD: {"actor": actor, "to_office": branch},
        DISPOSE: {"actor": actor, "decision": "Service given."},
        DECLINE: {"actor": actor, "reason": "Filed from a blacklisted number."},
        CLOSE: {"actor": actor},
        # On paper, received the day of the decision: within its 30 days.
        ENTER_APPEAL: {"actor": actor, "received_on": disposed_on, "reason": "Not fair."},
        PROPOSE: {"actor": actor, "reason": "Five false complaints this month."},
        CLOSE_NO_INFORMATION: {"actor": actor},
        CELL_DECISION: {"actor": actor, "decision": "Settled by the cell.", "decided_on": today},
        INFORMED: {"actor": actor, "note": "Phoned today and read out the decision."},
        APPEAL: {"reason": "Nothing changed."},
        RATE: {"satisfied": True},
        ANSWER: {"answer": "I applied at the union digital centre."},
    }[step]
    function = getattr(workflow, step)
    try:
        with transaction.atomic():
            function(grievance=case, **arguments)
            raise Rollback
    except Rollback:
        return True
    except workflow.WorkflowError:
        return False


def test_every_officers_step_has_an_admin_button_and_the_complainant_has_two():
    from grievances.admin import ACTIONS

    assert set(ACTIONS) == set(workflow.STAFF_STEPS) == STAFF
    assert set(workflow.COMPLAINANT_STEPS) == COMPLAINANT
    assert set(workflow.Step) == ALL_STEPS


@pytest.mark.django_db
@pytest.mark.parametrize("state,expected", [row[1:] for row in STATES], ids=IDS)
def test_available_steps_follow_the_guideline(make_case, state, expected):
    case = make_case(**state)
    assert workflow.available_steps(case, today=timezone.localdate()) == expected


@pytest.mark.django_db
@pytest.mark.parametrize("state,expected", [row[1:] for row in STATES], ids=IDS)
def test_each_step_is_refused_exactly_when_it_is_not_available(
    make_case, admin_user, office, state, expected
):
    case = make_case(**state)
    branch = Office.objects.create(parent=office, level="upazila", name_bn="শাখা", name_en="Branch")
    taken = {
        step for step in ALL_STEPS if step_is_taken(step, case, actor=admin_user, branch=branch)
    }
    assert taken == expected


@pytest.mark.django_db
@pytest.mark.parametrize("state,expected", [row[1:] for row in STATES], ids=IDS)
def test_admin_offers_exactly_the_available_officers_steps(
    make_case, admin_client, state, expected
):
    case = make_case(**state)
    page = admin_client.get(reverse("admin:grievances_grievance_change", args=[case.pk]))
    assert page.status_code == 200
    assert {name for name, _label in page.context["grs_actions"]} == expected & STAFF
    html = page.content.decode()
    for step in STAFF:
        link = reverse("admin:grievances_grievance_act", args=[case.pk, step])
        assert (link in html) == (step in expected), step


@pytest.mark.django_db
def test_a_case_disposed_today_offers_no_close_button_and_refuses_to_close(make_case, admin_client):
    case = make_case(status="disposed", disposed=0)
    close_url = reverse("admin:grievances_grievance_act", args=[case.pk, "close"])
    page = admin_client.get(reverse("admin:grievances_grievance_change", args=[case.pk]))
    assert close_url not in page.content.decode()

    asked = admin_client.get(close_url, HTTP_ACCEPT_LANGUAGE="en")
    assert asked.status_code == 200
    assert "may still appeal" in asked.context["refusal"]
    assert 'class="default"' not in asked.content.decode()  # no form to send

    posted = admin_client.post(close_url, {"note": "done"}, HTTP_ACCEPT_LANGUAGE="en")
    assert posted.status_code == 200
    assert "may still appeal" in " ".join(posted.context["form"].non_field_errors())
    case.refresh_from_db()
    assert case.status == Grievance.Status.DISPOSED


@pytest.mark.django_db
def test_an_unavailable_step_posted_to_admin_is_not_taken(make_case, admin_client):
    case = make_case(status="in_progress", investigation=True)
    url = reverse("admin:grievances_grievance_act", args=[case.pk, "order_investigation"])
    response = admin_client.post(url, {"note": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "already been ordered" in " ".join(response.context["form"].non_field_errors())
    before = case.deadline
    case.refresh_from_db()
    assert case.deadline == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "state,can_appeal,can_rate",
    [
        (dict(status="in_progress"), False, False),
        (dict(status="disposed", disposed=0), True, True),
        (dict(status="disposed", disposed=31), False, True),
        (dict(status="disposed", disposed=5, rated=False), True, False),
        (dict(status="disposed", tier=3, disposed=0), False, True),
        (dict(status="closed", disposed=40, rated=True), False, False),
    ],
)
def test_the_complainants_page_offers_the_available_steps(
    client, make_case, state, can_appeal, can_rate
):
    case = make_case(**state)
    client.post(
        reverse("grievances:track"),
        {"tracking_number": case.tracking_number, "mobile": case.mobile},
    )
    page = client.get(reverse("grievances:case", args=[case.tracking_number]))
    assert page.status_code == 200
    assert (page.context["can_appeal"], page.context["can_rate"]) == (can_appeal, can_rate)
    html = page.content.decode()
    assert (reverse("grievances:appeal", args=[case.tracking_number]) in html) == can_appeal
    assert (reverse("grievances:rate", args=[case.tracking_number]) in html) == can_rate
