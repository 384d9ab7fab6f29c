"""Tier 3 as it really works: the Cabinet Division's cell is outside this system.

The case of these tests: filed Sunday 5 January 2025; the GRO's deadline Sunday 16
February; the appeal officer's tier from Monday 17 February, due Monday 17 March (20
working days: 18-20, 23-27 February, 2-6, 9-13, 16-17 March); the appeal officer's
deadline missed, the case is for the cell from Tuesday 18 March. No holidays.
"""

import datetime
import re
import unicodedata

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from grievances import notifications, workflow
from grievances.models import Grievance, OutboxMessage, TimelineEntry
from services.models import GrsTier
from tests.helpers import at

pytestmark = pytest.mark.usefixtures("english")

D = datetime.date
Status = Grievance.Status
Kind = TimelineEntry.Kind
GRO_EMAIL = "doict.rangpur@gmail.com"
APPEAL_OFFICER_EMAIL = "ddadmin@doict.gov.bd"
CELL_EMAIL = "grs.cell@cabinet.gov.bd"
# The Kaunia charter's tier-3 row.
CELL_ADDRESS = {
    "bn": ["অভিযোগ গ্রহণ কেন্দ্র", "০৫নং গেইট, বাংলাদেশ সচিবালয়, ঢাকা"],
    "en": ["Complaint receiving centre", "Gate 5, Bangladesh Secretariat, Dhaka"],
}
# Words that would claim a hand-over the office never made.
SENT = {"en": re.compile(r"\b(sent|forwarded|transferred)\b", re.I), "bn": re.compile("পাঠানো")}


def nfc(text):
    return unicodedata.normalize("NFC", text)


@pytest.fixture
def gro(django_user_model):
    return django_user_model.objects.create_user("gro", password="x", is_staff=True)


def at_the_cell(file_complaint, language="bn"):
    grievance = file_complaint(now=at(2025, 1, 5), language=language)
    workflow.escalate_overdue(today=D(2025, 2, 17), now=at(2025, 2, 17, 0, 15))
    OutboxMessage.objects.all().delete()
    workflow.escalate_overdue(today=D(2025, 3, 18), now=at(2025, 3, 18, 0, 15))
    grievance.refresh_from_db()
    return grievance


@pytest.mark.django_db
def test_the_appeal_officers_missed_deadline_marks_the_case_for_the_cell(file_complaint):
    grievance = at_the_cell(file_complaint)
    assert (grievance.tier, grievance.status) == (3, Status.CABINET_CELL)
    assert grievance.tier_started_on == D(2025, 3, 18)
    assert not grievance.is_open
    entry = grievance.timeline.latest("pk")
    assert (entry.kind, entry.from_tier, entry.to_tier, entry.to_status) == (
        Kind.ESCALATED,
        2,
        3,
        Status.CABINET_CELL,
    )


@pytest.mark.django_db
def test_a_case_at_the_cell_is_never_overdue_here(file_complaint):
    grievance = at_the_cell(file_complaint)
    for day in (D(2025, 6, 10), D(2025, 6, 11), D(2026, 3, 1)):
        assert not grievance.is_overdue(day)
        assert not Grievance.objects.overdue(day).exists()
        assert not Grievance.objects.due_by(day).exists()
        assert workflow.escalate_overdue(today=day).total == 0


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["bn", "en"])
def test_the_complainant_is_told_where_to_take_it_and_never_that_it_was_sent(
    file_complaint, language
):
    grievance = at_the_cell(file_complaint, language=language)
    texts = []
    for message in OutboxMessage.objects.filter(grievance=grievance):
        if message.recipient in (grievance.mobile, grievance.email):
            texts.append(nfc(f"{message.subject}\n{message.body}"))
    assert len(texts) == 2  # SMS and e-mail
    for text in texts:
        assert grievance.tracking_number in text
        assert "grs.gov.bd" in text
        for line in CELL_ADDRESS[language]:
            assert nfc(line) in text, text
        assert f"/{language}/complaints/track/" in text  # where the summary is
        assert not SENT[language].search(text), text
        assert not SENT["en"].search(text), text


@pytest.mark.django_db
def test_the_offices_gro_and_appeal_officer_are_told(file_complaint):
    grievance = at_the_cell(file_complaint)
    officers = OutboxMessage.objects.filter(recipient__in=[GRO_EMAIL, APPEAL_OFFICER_EMAIL])
    assert sorted(officers.values_list("recipient", flat=True)) == [APPEAL_OFFICER_EMAIL, GRO_EMAIL]
    for message in officers:
        assert grievance.tracking_number in message.body
        assert "/admin/grievances/grievance/?status__exact=cabinet_cell" in message.body
        for personal in ("Rahima", grievance.mobile, grievance.email):
            assert personal not in message.body
    # Nothing goes to the cell unless its address is configured.
    assert not OutboxMessage.objects.exclude(
        recipient__in=[GRO_EMAIL, APPEAL_OFFICER_EMAIL, grievance.mobile, grievance.email]
    ).exists()


@pytest.mark.django_db
def test_an_appeal_against_the_appeal_officers_decision_goes_to_the_cell(file_complaint, gro):
    grievance = file_complaint(now=at(2025, 1, 5), language="en")
    workflow.escalate(grievance=grievance, today=D(2025, 2, 17), now=at(2025, 2, 17, 1))
    workflow.dispose(grievance=grievance, actor=gro, decision="Rejected.", now=at(2025, 3, 2))
    OutboxMessage.objects.all().delete()
    grievance = workflow.appeal(grievance=grievance, reason="Not fair.", now=at(2025, 3, 9))
    assert (grievance.tier, grievance.status, grievance.tier_started_on) == (
        3,
        Status.CABINET_CELL,
        D(2025, 3, 9),
    )
    sms = OutboxMessage.objects.get(channel="sms")
    assert "appeal" in sms.body and "grs.gov.bd" in sms.body
    assert "Gate 5, Bangladesh Secretariat, Dhaka" in sms.body
    assert not SENT["en"].search(sms.body)
    assert "Expected disposal" not in sms.body  # the cell's clock is not this office's
    recipients = set(OutboxMessage.objects.values_list("recipient", flat=True))
    assert {GRO_EMAIL, APPEAL_OFFICER_EMAIL} <= recipients


@pytest.mark.django_db
def test_with_the_cells_address_set_the_summary_is_emailed_and_the_timeline_says_so(
    file_complaint, settings
):
    settings.GRS_CABINET_CELL_EMAIL = CELL_EMAIL
    grievance = at_the_cell(file_complaint)
    to_cell = OutboxMessage.objects.get(recipient=CELL_EMAIL)
    assert to_cell.grievance == grievance
    assert not grievance.timeline.filter(kind=Kind.CELL_SUMMARY_EMAILED).exists()  # not yet
    notifications.send_due(now=at(2025, 3, 18, 0, 20))
    (email,) = [m for m in mail.outbox if m.to == [CELL_EMAIL]]
    ((name, content, kind),) = email.attachments
    assert (name, kind) == (f"{grievance.tracking_number}-summary.html", "text/html")
    assert grievance.tracking_number in content and "<style>" in content
    entry = grievance.timeline.get(kind=Kind.CELL_SUMMARY_EMAILED)
    assert (entry.public_note, entry.created_at) == (CELL_EMAIL, at(2025, 3, 18, 0, 20))
    # The officers hear that the summary went to the cell; the complainant is still told
    # to file it there.
    officer = OutboxMessage.objects.filter(recipient=GRO_EMAIL).latest("pk")
    assert CELL_EMAIL in officer.body


@pytest.mark.django_db
def test_a_cell_email_that_fails_is_not_recorded_as_sent(file_complaint, settings, monkeypatch):
    settings.GRS_CABINET_CELL_EMAIL = CELL_EMAIL
    settings.GRS_OUTBOX_MAX_ATTEMPTS = 1
    grievance = at_the_cell(file_complaint)

    def refuse(self, *args, **kwargs):
        if self.to == [CELL_EMAIL]:
            raise OSError("mailbox full")
        return 1

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    notifications.send_due(now=at(2025, 3, 18, 0, 20))
    assert OutboxMessage.objects.get(recipient=CELL_EMAIL).status == "failed"
    grievance.refresh_from_db()
    assert not grievance.timeline.filter(kind=Kind.CELL_SUMMARY_EMAILED).exists()
    assert not grievance.complainant_not_informed  # not the complainant's message


@pytest.mark.django_db
def test_staff_record_the_cells_decision_and_may_then_close(file_complaint, admin_client):
    grievance = at_the_cell(file_complaint)
    url = reverse("admin:grievances_grievance_act", args=[grievance.pk, "record_cell_decision"])
    response = admin_client.post(
        url,
        {"decision": "The certificate must be issued in 7 days.", "decided_on": "2025-04-10"},
    )
    assert response.status_code == 302
    grievance.refresh_from_db()
    assert (grievance.status, grievance.tier) == (Status.DISPOSED, 3)
    assert grievance.decision == "The certificate must be issued in 7 days."
    entry = grievance.timeline.latest("pk")
    assert (entry.kind, entry.effective_on) == (Kind.CELL_DECISION_RECORDED, D(2025, 4, 10))
    steps = workflow.available_steps(grievance, today=timezone.localdate())
    assert workflow.Step.CLOSE in steps and workflow.Step.APPEAL not in steps
    assert grievance.decision_notice_due is None  # the cell tells the complainant itself


@pytest.mark.django_db
def test_the_cells_decision_cannot_predate_the_hand_over(file_complaint, gro):
    grievance = at_the_cell(file_complaint)
    with pytest.raises(workflow.WorkflowError, match="18 March 2025"):
        workflow.record_cell_decision(
            grievance=grievance, actor=gro, decision="x", decided_on=D(2025, 3, 17)
        )


@pytest.mark.django_db
def test_admin_shows_the_case_as_with_the_cell_not_overdue(admin_client, file_complaint):
    grievance = at_the_cell(file_complaint)
    listing = admin_client.get(
        reverse("admin:grievances_grievance_changelist"), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "with the Cabinet Division cell" in listing.content.decode()
    overdue = admin_client.get(reverse("admin:grievances_grievance_changelist"), {"due": "overdue"})
    assert grievance.tracking_number not in overdue.content.decode()
    page = admin_client.get(reverse("admin:grievances_grievance_change", args=[grievance.pk]))
    assert {name for name, _label in page.context["grs_actions"]} == {"record_cell_decision"}


# ---------------------------------------------------------------------------- the summary


def track(client, grievance):
    client.post(
        reverse("grievances:track"),
        {"tracking_number": grievance.tracking_number, "mobile": grievance.mobile},
    )


@pytest.fixture
def through_both_tiers(file_complaint, gro):
    """Asked and answered at tier 1, escalated; decided at tier 2 and appealed to the cell."""
    grievance = file_complaint(now=at(2025, 1, 5))
    workflow.request_information(
        grievance=grievance, actor=gro, question="Which union digital centre?", now=at(2025, 1, 6)
    )
    grievance = workflow.answer_information(
        grievance=grievance, answer="Haragach UDC.", now=at(2025, 1, 7)
    )
    # Asked on Monday 6 January (a day spent), answered on Tuesday 7 January (not counted):
    # the 29 working days left run from 8 January, to Monday 17 February.
    assert grievance.deadline == D(2025, 2, 17)
    workflow.escalate_overdue(today=D(2025, 2, 18), now=at(2025, 2, 18, 0, 15))
    workflow.dispose(
        grievance=grievance, actor=gro, decision="The centre reopened.", now=at(2025, 3, 2)
    )
    return workflow.appeal(grievance=grievance, reason="It is still closed.", now=at(2025, 3, 9))


@pytest.mark.django_db
def test_the_summary_shows_both_tiers_and_where_to_take_it(client, through_both_tiers):
    grievance = through_both_tiers
    track(client, grievance)
    url = reverse("grievances:summary", args=[grievance.tracking_number])
    response = client.get(url)
    assert response.status_code == 200
    page = nfc(response.content.decode())
    assert '<html lang="bn">' in page  # the cell's language, whatever the page's
    assert grievance.tracking_number in page
    assert page.count("<svg") == 1 and 'role="img"' in page  # the QR code
    assert "http://127.0.0.1:8000/bn/complaints/track/" in page
    # Tier 1: the question and the answer; tier 2: the escalation and the decision.
    tier1, tier2, cell = (
        page.index('id="s-tier-1"'),
        page.index('id="s-tier-2"'),
        page.index('id="s-cell"'),
    )
    assert tier1 < page.index("Which union digital centre?") < page.index("Haragach UDC.") < tier2
    assert tier2 < page.index("The centre reopened.") < cell
    assert cell < page.index("It is still closed.")  # the appeal's grounds
    assert "grs.gov.bd" in page[cell:]
    for line in CELL_ADDRESS["bn"]:
        assert nfc(line) in page[cell:]
    with translation.override("bn"):
        assert nfc("৫ জানুয়ারি ২০২৫") in page  # dates as Bangla writes them
    assert "Rahima Begum" in page  # the complainant's own name; no ID or mobile
    assert grievance.mobile not in page and grievance.id_number not in page
    assert "<style" not in page  # the page itself keeps to the Content-Security-Policy


@pytest.mark.django_db
def test_the_summary_downloads_as_one_self_contained_file(client, through_both_tiers):
    grievance = through_both_tiers
    track(client, grievance)
    url = reverse("grievances:summary", args=[grievance.tracking_number])
    response = client.get(url, {"download": "1"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="{grievance.tracking_number}-summary.html"'
    )
    content = response.content.decode()
    assert "<style>" in content and "@page" in content and "A4 portrait" in content
    assert "/static/" not in content


@pytest.mark.django_db
def test_the_summary_needs_the_numbers_and_a_case_at_tier_3(
    client, file_complaint, through_both_tiers
):
    url = reverse("grievances:summary", args=[through_both_tiers.tracking_number])
    assert client.get(url).status_code == 404  # not opened with number and mobile
    other = file_complaint(now=at(2025, 1, 5))
    track(client, other)
    assert (
        client.get(reverse("grievances:summary", args=[other.tracking_number])).status_code == 404
    )


@pytest.mark.django_db
def test_the_case_page_says_how_to_take_it_to_the_cell(client, through_both_tiers):
    grievance = through_both_tiers
    track(client, grievance)
    page = client.get(reverse("grievances:case", args=[grievance.tracking_number])).content
    page = nfc(page.decode())
    assert reverse("grievances:summary", args=[grievance.tracking_number]) in page
    assert "grs.gov.bd" in page
    assert nfc(CELL_ADDRESS["en"][1]) in page or nfc(CELL_ADDRESS["bn"][1]) in page
    assert "Expected disposal by" not in page


@pytest.mark.django_db
def test_the_tier_3_row_comes_from_the_charter(office):
    row = workflow.tier_row(office=office, level=GrsTier.Level.CABINET_CELL)
    assert row.time_limit_working_days == 60
    assert "grs.gov.bd" in row.contact_address


@pytest.mark.django_db(transaction=True)
def test_the_migration_marks_open_tier_3_cases_for_the_cell(file_complaint):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    grievance = at_the_cell(file_complaint)
    before = "0009_annex_forms_hearings_blacklist"
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([("grievances", before)])
        old = executor.loader.project_state([("grievances", before)]).apps
        # Before: an open case at tier 3, as the old sweep left it.
        assert old.get_model("grievances", "Grievance").objects.get().status == "received"
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    grievance.refresh_from_db()
    assert grievance.status == Status.CABINET_CELL
    # The latest step at the case's tier records its deadline; older ones are replayed.
    steps = grievance.timeline.order_by("pk")
    assert [step.deadline for step in steps] == [None, None, D(2025, 6, 10)]
