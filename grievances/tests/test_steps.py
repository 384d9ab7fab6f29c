"""Which steps a case allows: one table, written by hand from the GRS guideline, checked
against ``workflow.available_steps``, the step functions themselves, admin's buttons and
the complainant's case page.

The guideline's rules behind the table: an appeal within 30 days of the disposal (§8) and
only to a higher tier (nothing to appeal at tier 3); a disposal is closed only after the
appeal period or once the complainant says they are satisfied; an investigation extends
only the GRO's (tier 1) limit, and only once (§7.4.1); an anonymous complainant cannot be
asked for information (nor followed, so cannot appeal); one rating per decision.
"""

import datetime

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from grievances import workflow
from grievances.models import Grievance, Rating
from services.models import Office

# Messages and errors made outside a request are read in English here.
pytestmark = pytest.mark.usefixtures("english")

START = "start"
REQUEST = "request_information"
RECEIVE = "receive_information"
HEARING = "record_hearing"
INVESTIGATE = "order_investigation"
FORWARD = "forward"
DISPOSE = "dispose"
CLOSE = "close"
APPEAL = "appeal"
RATE = "rate"
ALL_STEPS = {START, REQUEST, RECEIVE, HEARING, INVESTIGATE, FORWARD, DISPOSE, CLOSE, APPEAL, RATE}
STAFF = {START, REQUEST, RECEIVE, HEARING, INVESTIGATE, FORWARD, DISPOSE, CLOSE}

# An open case may always be heard, forwarded and disposed.
ALWAYS_OPEN = {HEARING, FORWARD, DISPOSE}

# (id, case state, steps allowed). State: status, tier, anonymous, investigation ordered,
# disposed this many days ago, rated (None: not rated; True/False: satisfied or not).
STATES = [
    ("received", dict(status="received"), ALWAYS_OPEN | {START, REQUEST, INVESTIGATE}),
    (
        "received-anonymous",
        dict(status="received", anonymous=True),
        ALWAYS_OPEN | {START, INVESTIGATE},
    ),
    ("in-progress", dict(status="in_progress"), ALWAYS_OPEN | {REQUEST, INVESTIGATE}),
    (
        "in-progress-anonymous",
        dict(status="in_progress", anonymous=True),
        ALWAYS_OPEN | {INVESTIGATE},
    ),
    (
        "in-progress-investigation-ordered",
        dict(status="in_progress", investigation=True),
        ALWAYS_OPEN | {REQUEST},
    ),
    (
        "awaiting-information",
        dict(status="awaiting_information"),
        ALWAYS_OPEN | {RECEIVE, INVESTIGATE},
    ),
    ("forwarded", dict(status="forwarded"), ALWAYS_OPEN | {START, REQUEST, INVESTIGATE}),
    (
        "forwarded-investigation-ordered",
        dict(status="forwarded", investigation=True),
        ALWAYS_OPEN | {START, REQUEST},
    ),
    ("received-tier-2", dict(status="received", tier=2), ALWAYS_OPEN | {START, REQUEST}),
    ("in-progress-tier-3", dict(status="in_progress", tier=3), ALWAYS_OPEN | {REQUEST}),
    ("disposed-today", dict(status="disposed", disposed=0), {APPEAL, RATE}),
    ("disposed-29-days-ago", dict(status="disposed", disposed=29), {APPEAL, RATE}),
    ("disposed-30-days-ago", dict(status="disposed", disposed=30), {APPEAL, RATE}),
    ("disposed-31-days-ago", dict(status="disposed", disposed=31), {CLOSE, RATE}),
    ("disposed-rated-satisfied", dict(status="disposed", disposed=5, rated=True), {APPEAL, CLOSE}),
    ("disposed-rated-unsatisfied", dict(status="disposed", disposed=5, rated=False), {APPEAL}),
    (
        "disposed-long-ago-rated-unsatisfied",
        dict(status="disposed", disposed=45, rated=False),
        {CLOSE},
    ),
    ("disposed-today-tier-2", dict(status="disposed", tier=2, disposed=0), {APPEAL, RATE}),
    ("disposed-today-tier-3", dict(status="disposed", tier=3, disposed=0), {CLOSE, RATE}),
    (
        "disposed-today-anonymous",
        dict(status="disposed", anonymous=True, disposed=0),
        {CLOSE, RATE},
    ),
    ("closed", dict(status="closed", disposed=40), {RATE}),
    ("closed-rated", dict(status="closed", disposed=40, rated=True), set()),
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
        disposed=None,
        rated=None,
    ):
        now = timezone.now()
        case = file_complaint(is_anonymous=anonymous, now=now - datetime.timedelta(days=60))
        changes = {"status": status, "tier": tier, "investigation_ordered": investigation}
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
    arguments = {
        START: {"actor": actor},
        REQUEST: {"actor": actor, "question": "Which office did you apply at?"},
        RECEIVE: {"actor": actor},
        HEARING: {"actor": actor, "held_on": timezone.localdate(), "note": "Both sides heard."},
        INVESTIGATE: {"actor": actor},
        FORWARD: {"actor": actor, "to_office": branch},
        DISPOSE: {"actor": actor, "decision": "Service given."},
        CLOSE: {"actor": actor},
        APPEAL: {"reason": "Nothing changed."},
        RATE: {"satisfied": True},
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
    assert set(workflow.COMPLAINANT_STEPS) == {APPEAL, RATE}
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
