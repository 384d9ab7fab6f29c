"""Delivery the GRO can trust: a complainant who never heard is on the GRO's list.

Two ways onto the list ("complainant not informed"): a message to the complainant fails for
good after its retries; or the decision is not told within 7 working days (guideline), which
the hourly sweep checks. Dates counted by hand: disposed Monday 6 January 2025, the 7
working days are 7-9 and 12-15 January, so the complainant must have been told by the end
of Wednesday 15 January.
"""

import datetime
import unicodedata

import pytest
from django.urls import reverse

from grievances import notifications, sms, workflow
from grievances.models import Grievance, OutboxMessage, TimelineEntry
from tests.helpers import at

pytestmark = pytest.mark.usefixtures("english")

D = datetime.date
Kind = TimelineEntry.Kind


class BrokenBackend(sms.BaseSmsBackend):
    def send(self, message):
        raise sms.SmsError("gateway down")


@pytest.fixture
def gro(django_user_model):
    return django_user_model.objects.create_user("gro", password="x", is_staff=True)


@pytest.fixture
def broken_sms(settings):
    settings.SMS_BACKEND = "grievances.tests.test_delivery_trust.BrokenBackend"
    settings.GRS_OUTBOX_MAX_ATTEMPTS = 2


def disposed(file_complaint, gro, **overrides):
    grievance = file_complaint(now=at(2025, 1, 5), **overrides)
    return workflow.dispose(grievance=grievance, actor=gro, decision="Granted.", now=at(2025, 1, 6))


@pytest.mark.django_db
def test_a_message_that_fails_for_good_puts_the_case_on_the_list(file_complaint, broken_sms):
    grievance = file_complaint(now=at(2025, 1, 5))
    notifications.send_due(now=at(2025, 1, 5, 11))
    grievance.refresh_from_db()
    assert not grievance.complainant_not_informed  # one failure: it will be retried
    notifications.send_due(now=at(2025, 1, 6))
    grievance.refresh_from_db()
    assert grievance.complainant_not_informed
    entry = grievance.timeline.get(kind=Kind.COMPLAINANT_NOT_INFORMED)
    assert "gateway down" in entry.internal_note  # in the site's language, Bangla here
    assert entry.public_note == ""


@pytest.mark.django_db
def test_an_officers_failed_email_does_not(file_complaint, monkeypatch, settings):
    settings.GRS_OUTBOX_MAX_ATTEMPTS = 1
    grievance = file_complaint(now=at(2025, 1, 5))

    def refuse(self, *args, **kwargs):
        if self.to == ["doict.rangpur@gmail.com"]:
            raise OSError("mailbox full")
        return 1

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    notifications.send_due(now=at(2025, 1, 5, 11))
    assert OutboxMessage.objects.get(recipient="doict.rangpur@gmail.com").status == "failed"
    grievance.refresh_from_db()
    assert not grievance.complainant_not_informed


@pytest.mark.django_db
def test_a_decision_told_in_time_passes_the_check(file_complaint, gro):
    grievance = disposed(file_complaint, gro)
    assert grievance.decision_notice_due == D(2025, 1, 15)
    notifications.send_due(now=at(2025, 1, 6, 11))
    assert workflow.check_decision_notices(today=D(2025, 1, 16), now=at(2025, 1, 16, 0, 15)) == 0
    grievance.refresh_from_db()
    assert (grievance.complainant_not_informed, grievance.decision_notice_due) == (False, None)


@pytest.mark.django_db
def test_a_decision_not_told_in_seven_working_days_is_flagged_once(file_complaint, gro):
    grievance = disposed(file_complaint, gro)
    # The decision's messages never went out (the outbox worker was down).
    assert workflow.check_decision_notices(today=D(2025, 1, 15), now=at(2025, 1, 15, 23)) == 0
    assert workflow.check_decision_notices(today=D(2025, 1, 16), now=at(2025, 1, 16, 0, 15)) == 1
    assert workflow.check_decision_notices(today=D(2025, 1, 17), now=at(2025, 1, 17, 0, 15)) == 0
    grievance.refresh_from_db()
    assert grievance.complainant_not_informed
    entry = grievance.timeline.get(kind=Kind.COMPLAINANT_NOT_INFORMED)
    # In the site's language (Bangla here): the decision's day and the last day.
    note = unicodedata.normalize("NFC", entry.internal_note)
    for day in ("৬ জানুয়ারি ২০২৫", "১৫ জানুয়ারি ২০২৫"):
        assert unicodedata.normalize("NFC", day) in note


@pytest.mark.django_db
def test_a_decision_told_too_late_is_flagged(file_complaint, gro):
    grievance = disposed(file_complaint, gro)
    notifications.send_due(now=at(2025, 1, 16, 9))
    assert workflow.check_decision_notices(today=D(2025, 1, 17)) == 1
    grievance.refresh_from_db()
    assert grievance.complainant_not_informed


@pytest.mark.django_db
def test_a_complainant_who_appealed_or_rated_knew_the_decision(file_complaint, gro):
    appealed = disposed(file_complaint, gro)
    workflow.appeal(grievance=appealed, reason="No.", now=at(2025, 1, 9))
    rated = disposed(file_complaint, gro)
    workflow.rate(grievance=rated, satisfied=True, now=at(2025, 1, 8))
    assert workflow.check_decision_notices(today=D(2025, 1, 16)) == 0


@pytest.mark.django_db
def test_an_anonymous_complaint_is_not_checked(file_complaint, gro):
    grievance = disposed(file_complaint, gro, is_anonymous=True)
    assert grievance.decision_notice_due is None
    assert workflow.check_decision_notices(today=D(2025, 2, 1)) == 0


@pytest.mark.django_db
def test_the_hourly_sweep_runs_the_check(file_complaint, gro):
    disposed(file_complaint, gro)
    result = workflow.sweep(today=D(2025, 1, 16))
    assert result.not_informed == 1


@pytest.mark.django_db
def test_the_gro_sees_the_list_and_records_how_the_complainant_was_told(
    admin_client, client, file_complaint, gro
):
    grievance = disposed(file_complaint, gro)
    workflow.check_decision_notices(today=D(2025, 1, 16))
    changelist = reverse("admin:grievances_grievance_changelist")
    flagged = admin_client.get(changelist, {"complainant_not_informed__exact": "1"})
    assert grievance.tracking_number in flagged.content.decode()
    listing = admin_client.get(changelist, HTTP_ACCEPT_LANGUAGE="en")
    assert "complainant not informed" in listing.content.decode()
    page = admin_client.get(reverse("admin:grievances_grievance_change", args=[grievance.pk]))
    assert "grs-not-informed" in page.content.decode()
    steps = {name for name, _label in page.context["grs_actions"]}
    assert "record_complainant_informed" in steps
    # The complainant's own page does not list the office's notes about its messages.
    client.post(
        reverse("grievances:track"),
        {"tracking_number": grievance.tracking_number, "mobile": grievance.mobile},
    )
    case = client.get(reverse("grievances:case", args=[grievance.tracking_number]))
    assert [e for e in case.context["timeline"] if e.kind == Kind.COMPLAINANT_NOT_INFORMED] == []

    url = reverse(
        "admin:grievances_grievance_act", args=[grievance.pk, "record_complainant_informed"]
    )
    assert admin_client.post(url, {"note": ""}).status_code == 200  # how, is required
    response = admin_client.post(url, {"note": "Phoned on 19 January, read out the decision."})
    assert response.status_code == 302
    grievance.refresh_from_db()
    assert not grievance.complainant_not_informed
    assert grievance.timeline.latest("pk").kind == Kind.COMPLAINANT_INFORMED
    assert (
        grievance.tracking_number
        not in admin_client.get(
            changelist, {"complainant_not_informed__exact": "1"}
        ).content.decode()
    )


@pytest.mark.django_db
def test_the_check_survives_two_runs_at_once_in_sequence(file_complaint, gro):
    """Idempotent: the due date is cleared when the case is checked."""
    disposed(file_complaint, gro)
    disposed(file_complaint, gro)
    assert workflow.check_decision_notices(today=D(2025, 1, 16), batch_size=1) == 2
    assert workflow.check_decision_notices(today=D(2025, 1, 16), batch_size=1) == 0
    assert Grievance.objects.filter(decision_notice_due__isnull=False).count() == 0
