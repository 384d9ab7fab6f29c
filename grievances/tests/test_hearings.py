"""Hearings: the GRO calls one (date, time, place, who is summoned), the complainant gets
the notice by SMS and e-mail and sees it on the tracking page, and the outcome is recorded
afterwards. Dates are hand-checked; Fridays and Saturdays are off."""

import datetime
import re
import unicodedata

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from grievances import workflow
from grievances.models import Hearing, OutboxMessage, TimelineEntry
from tests.helpers import DHAKA, at, url

pytestmark = pytest.mark.usefixtures("english")

D = datetime.date
T = datetime.time
# Filed Sunday 5 January 2025; the hearing is called on Monday 6 January for Monday 13
# January at 10:30 (Asia/Dhaka).
HEARING = {
    "hearing_date": D(2025, 1, 13),
    "hearing_time": T(10, 30),
    "place": "Upazila ICT office, room 2",
    "summoned": "The complainant and the officer responsible for the service",
}


@pytest.fixture
def case(file_complaint):
    return file_complaint(now=at(2025, 1, 5))


def schedule(case, **changes):
    return workflow.schedule_hearing(
        grievance=case, actor=None, **{**HEARING, **changes}, now=at(2025, 1, 6)
    )


@pytest.mark.django_db
def test_a_hearing_is_scheduled_for_a_future_date_and_time(case):
    hearing = schedule(case)
    assert hearing.starts_at == at(2025, 1, 13, 10, 30)
    assert (hearing.place, hearing.tier) == ("Upazila ICT office, room 2", 1)
    entry = hearing.scheduled_entry
    assert (entry.kind, entry.from_status, entry.to_status) == (
        "hearing_scheduled",
        "received",
        "in_progress",
    )
    case.refresh_from_db()
    assert case.deadline == D(2025, 2, 16)  # the clock is not touched


@pytest.mark.django_db
@pytest.mark.parametrize(
    "changes",
    [
        {"hearing_date": D(2025, 1, 6), "hearing_time": T(9, 0)},  # earlier that morning
        {"hearing_date": D(2025, 1, 5)},
        {"place": "  "},
        {"summoned": ""},
    ],
)
def test_a_hearing_in_the_past_or_without_place_or_summons_is_refused(case, changes):
    with pytest.raises(workflow.WorkflowError):
        schedule(case, **changes)
    assert not Hearing.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "date", "time"),
    [("en", "13 January 2025", "10:30"), ("bn", "১৩ জানুয়ারি ২০২৫", "১০:৩০")],
)
def test_the_complainant_gets_the_notice_by_sms_and_email(file_complaint, language, date, time):
    case = file_complaint(now=at(2025, 1, 5), language=language)
    OutboxMessage.objects.all().delete()
    schedule(case, place="Upazila ICT office")
    sms = OutboxMessage.objects.get(channel="sms")
    email = OutboxMessage.objects.get(channel="email", recipient="rahima@example.com")
    date = unicodedata.normalize("NFC", date)
    for text in (unicodedata.normalize("NFC", sms.body), unicodedata.normalize("NFC", email.body)):
        assert case.tracking_number in text
        assert date in text and time in text, text
        assert "Upazila ICT office" in text
    assert "The complainant and the officer responsible" in email.body
    assert date in unicodedata.normalize("NFC", email.subject)
    if language == "bn":  # no ASCII digit outside the tracking number and the link
        rest = re.sub(r"GRS-\d{4}-\w+|https?://\S+", "", sms.body + email.body)
        assert not re.search(r"[0-9]", rest), rest
    # the GRO hears nothing: they called it
    assert not OutboxMessage.objects.filter(recipient="doict.rangpur@gmail.com").exists()


@pytest.mark.django_db
def test_an_anonymous_complainant_gets_no_notice(file_complaint):
    case = file_complaint(is_anonymous=True, now=at(2025, 1, 5))
    OutboxMessage.objects.all().delete()
    schedule(case)
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_the_tracking_page_shows_the_coming_hearing(client, file_complaint):
    case = file_complaint(now=timezone.now())  # the hearing is still to come
    tomorrow = timezone.localdate() + datetime.timedelta(days=2)
    workflow.schedule_hearing(
        grievance=case,
        actor=None,
        hearing_date=tomorrow,
        hearing_time=T(11, 0),
        place="Upazila ICT office",
        summoned="The complainant",
    )
    client.post(
        url("grievances:track", "en"),
        {"tracking_number": case.tracking_number, "mobile": case.mobile},
    )
    page = client.get(url("grievances:case", "en", tracking_number=case.tracking_number))
    html = page.content.decode()
    assert "Hearing notice" in html
    assert "11:00" in html and "Upazila ICT office" in html and "The complainant" in html
    assert "Hearing scheduled" in html  # and the step in the timeline


@pytest.mark.django_db
def test_the_outcome_is_recorded_afterwards_and_closes_the_notice(client, case):
    hearing = schedule(case)
    with pytest.raises(workflow.WorkflowError, match="before it is held"):
        workflow.record_hearing(
            grievance=case, actor=None, held_on=D(2025, 1, 13), note="x", now=at(2025, 1, 12)
        )
    workflow.record_hearing(
        grievance=case,
        actor=None,
        held_on=D(2025, 1, 13),
        note="Both sides heard; the officer will answer in writing.",
        now=at(2025, 1, 13, 15),
    )
    hearing.refresh_from_db()
    assert hearing.outcome_entry.kind == TimelineEntry.Kind.HEARING_RECORDED
    assert hearing.outcome_entry.internal_note.startswith("Both sides heard")
    assert hearing.outcome_entry.public_note == "2025-01-13"


@pytest.mark.django_db
def test_a_hearing_held_without_a_notice_here_is_still_recorded(case):
    workflow.record_hearing(
        grievance=case, actor=None, held_on=D(2025, 1, 8), note="Heard.", now=at(2025, 1, 8, 15)
    )
    assert case.timeline.filter(kind="hearing_recorded").count() == 1
    assert not Hearing.objects.exists()


@pytest.mark.django_db
def test_the_gro_schedules_a_hearing_in_admin(admin_client, file_complaint):
    case = file_complaint(now=timezone.now())
    act = reverse("admin:grievances_grievance_act", args=[case.pk, "schedule_hearing"])
    with translation.override("en"):
        page = admin_client.get(reverse("admin:grievances_grievance_change", args=[case.pk]))
    assert act in page.content.decode()
    day = timezone.localdate() + datetime.timedelta(days=10)
    response = admin_client.post(
        act,
        {
            "hearing_date": day.isoformat(),
            "hearing_time": "10:30",
            "place": "Upazila ICT office",
            "summoned": "The complainant",
            "note": "",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    hearing = Hearing.objects.get()
    assert hearing.starts_at.astimezone(DHAKA).time() == T(10, 30)
