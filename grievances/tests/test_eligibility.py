"""The guideline's conditions for receiving a complaint, judged by ``workflow.submit`` on the
date of receipt whatever the channel: directly, through Open311 and by staff entry.

Expected dates are worked out by hand: working days skip Friday, Saturday and the days in
the Holiday table, and the day of application itself never counts. Service citizen-1 of the
Kaunia charter has a time limit of 3 working days.
"""

import datetime
import json

import pytest
from django.utils import timezone

from grievances import workflow
from grievances.forms import ComplaintForm
from grievances.models import Grievance, Holiday
from open311 import keys
from tests.helpers import at

# Messages and errors made outside a request are read in English here.
pytestmark = pytest.mark.usefixtures("english")

D = datetime.date
API = "/open311/v2"
OFFLINE = "/admin/grievances/grievance/offline/"


@pytest.fixture
def service(charter):
    return charter.office.services.get(category="citizen", serial=1)  # 3 working days


def refusal(file_complaint, **complaint) -> workflow.IneligibleComplaint:
    with pytest.raises(workflow.IneligibleComplaint) as caught:
        file_complaint(**complaint)
    assert not Grievance.objects.exists()
    return caught.value


# ---------------------------------------------------------------------------- workflow.submit


@pytest.mark.django_db
@pytest.mark.parametrize(
    "received,admitted",
    [
        # Applied Thu 27 Feb 2025: Fri 28 and Sat 1 do not count; Sun 2, Mon 3, Tue 4 do.
        (at(2025, 3, 2), False),
        (at(2025, 3, 4, 16), False),  # the office's last day
        (at(2025, 3, 5, 9), True),
    ],
)
def test_the_services_time_limit_is_judged_on_the_date_of_receipt(
    file_complaint, service, received, admitted
):
    """A letter received on 2 March is held back although the limit has run out by today."""
    complaint = dict(
        service=service,
        service_applied_on=D(2025, 2, 27),
        channel=Grievance.Channel.POST,
        now=received,
    )
    if admitted:
        assert file_complaint(**complaint).received_at == received
        return
    error = refusal(file_complaint, **complaint)
    assert error.field == "service_applied_on"
    assert error.code == "service_time_not_over"
    assert "The office has until 4 March 2025" in str(error.message)


@pytest.mark.django_db
def test_a_holiday_in_the_table_lengthens_the_services_time_limit(file_complaint, service):
    Holiday.objects.create(date=D(2025, 3, 2), name_bn="ছুটি", name_en="Holiday")
    # Applied Thu 27 Feb: Fri 28, Sat 1 and Sun 2 (holiday) skipped; Mon 3, Tue 4, Wed 5.
    complaint = dict(
        service=service, service_applied_on=D(2025, 2, 27), channel=Grievance.Channel.DESK
    )
    error = refusal(file_complaint, now=at(2025, 3, 5), **complaint)
    assert "5 March 2025" in str(error.message)
    assert file_complaint(now=at(2025, 3, 6), **complaint).service_applied_on == D(2025, 2, 27)


@pytest.mark.django_db
def test_the_office_having_decided_admits_the_complaint_at_once(file_complaint, service):
    grievance = file_complaint(
        service=service,
        service_applied_on=D(2025, 2, 27),
        office_has_decided=True,
        channel=Grievance.Channel.POST,
        now=at(2025, 3, 2),
    )
    assert grievance.office_has_decided


@pytest.mark.django_db
@pytest.mark.parametrize(
    "id_type,id_number,message",
    [
        ("nid", "12345", "A national ID number has 10, 13 or 17 digits."),
        ("nid", "12345678901", "A national ID number has 10, 13 or 17 digits."),
        ("birth", "1234567890", "A birth registration number has 17 digits."),
        ("passport", "A0!", "A passport number has 8 or 9 letters and digits"),
        ("passport", "A0123456789", "A passport number has 8 or 9 letters and digits"),
    ],
)
def test_id_numbers_are_checked_by_submit_whatever_the_channel(
    file_complaint, id_type, id_number, message
):
    error = refusal(
        file_complaint, id_type=id_type, id_number=id_number, channel=Grievance.Channel.PHONE
    )
    assert error.field == "id_number"
    assert str(error.message).startswith(message)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "id_type,id_number",
    [
        ("nid", "1234567890"),
        ("nid", "1234567890123"),
        ("birth", "12345678901234567"),
        ("passport", "A01234567"),
    ],
)
def test_valid_id_numbers_are_admitted(file_complaint, id_type, id_number):
    assert file_complaint(id_type=id_type, id_number=id_number).id_number == id_number


@pytest.mark.django_db
def test_an_anonymous_complaint_has_no_id_number_to_check(file_complaint):
    grievance = file_complaint(is_anonymous=True, id_type="nid", id_number="12", mobile="")
    assert (grievance.id_type, grievance.id_number) == ("", "")


@pytest.mark.django_db
def test_the_service_cannot_be_applied_for_after_the_complaint_was_received(file_complaint):
    error = refusal(
        file_complaint,
        other_service="Training",
        service_applied_on=D(2025, 3, 3),
        channel=Grievance.Channel.POST,
        now=at(2025, 3, 2),
    )
    assert error.field == "service_applied_on"
    assert str(error.message) == "The date cannot be later than the date of receipt (2 March 2025)."


@pytest.mark.django_db
def test_a_service_date_in_the_future_is_refused(file_complaint):
    now = timezone.now()
    error = refusal(
        file_complaint,
        other_service="Training",
        service_applied_on=timezone.localdate(now) + datetime.timedelta(days=1),
        now=now,
    )
    assert (error.field, str(error.message)) == (
        "service_applied_on",
        "The date cannot be in the future.",
    )


@pytest.mark.django_db
def test_a_service_date_before_2000_is_refused(file_complaint):
    error = refusal(file_complaint, other_service="Training", service_applied_on=D(1999, 12, 31))
    assert (error.field, str(error.message)) == (
        "service_applied_on",
        "The date is too long ago: check the year.",
    )
    assert file_complaint(service_applied_on=D(2000, 1, 1)).service_applied_on == D(2000, 1, 1)


# ---------------------------------------------------------------------------- Open311


@pytest.fixture
def raw_key(db):
    _key, raw = keys.issue(name="Union digital centre")
    return raw


@pytest.fixture
def on_2_march(monkeypatch):
    """The office's clock shows Sunday 2 March 2025, 11:00."""
    monkeypatch.setattr(timezone, "now", lambda: at(2025, 3, 2, 11))


@pytest.fixture
def no_early_check(monkeypatch):
    """The form lets every condition through, so only workflow.submit can refuse."""
    monkeypatch.setattr(ComplaintForm, "_add_problem", lambda self, problem: None)


def post(client, raw_key, **attributes):
    data = {
        "api_key": raw_key,
        "service_code": "citizen-1",
        "description": "I asked for information and nobody answered.",
        "attribute[complaint_type]": "citizen",
        "attribute[subject]": "No information given",
        "first_name": "Karim",
        "last_name": "Uddin",
        "attribute[id_type]": "nid",
        "attribute[id_number]": "9876543210",
        "attribute[permanent_address]": "Village Tepamadhupur, Kaunia, Rangpur",
        "phone": "01898765432",
        **attributes,
    }
    return client.post(f"{API}/requests.json", data, HTTP_ACCEPT_LANGUAGE="en")


def descriptions(response) -> list[str]:
    assert response.status_code == 400
    return [error["description"] for error in json.loads(response.content)]


@pytest.mark.django_db
@pytest.mark.parametrize("early_check", [True, False], ids=["form", "submit"])
def test_open311_holds_back_a_complaint_within_the_services_time_limit(
    client, raw_key, on_2_march, monkeypatch, early_check
):
    if not early_check:
        monkeypatch.setattr(ComplaintForm, "_add_problem", lambda self, problem: None)
    response = post(client, raw_key, **{"attribute[service_applied_on]": "2025-02-27"})
    assert descriptions(response) == [
        "attribute[service_applied_on]: The office has until 4 March 2025 to provide this "
        "service. A complaint can be made after that date, or now if the office has already "
        "decided on your application: then tick the box below."
    ]
    assert not Grievance.objects.exists()


@pytest.mark.django_db
def test_open311_refuses_a_bad_id_number_even_if_the_form_let_it_through(
    client, raw_key, on_2_march, no_early_check
):
    response = post(client, raw_key, **{"attribute[id_number]": "12345"})
    assert descriptions(response) == [
        "attribute[id_number]: A national ID number has 10, 13 or 17 digits."
    ]
    assert not Grievance.objects.exists()


@pytest.mark.django_db
def test_open311_admits_a_complaint_once_the_time_limit_has_run_out(
    client, raw_key, on_2_march, no_early_check
):
    # Applied Thu 20 Feb: Sun 23, Mon 24, Tue 25 Feb; by 2 March the limit has run out.
    response = post(client, raw_key, **{"attribute[service_applied_on]": "2025-02-20"})
    assert response.status_code == 200, response.content
    grievance = Grievance.objects.get()
    assert (grievance.channel, grievance.service_applied_on) == ("api", D(2025, 2, 20))
    assert grievance.received_at == at(2025, 3, 2, 11)


# ---------------------------------------------------------------------------- staff entry


def offline_data(**overrides):
    data = {
        "channel": "post",
        "received_on": "2025-03-02",
        "received_time": "",
        "language": "en",
        "complaint_type": "citizen",
        "subject": "Letter about information",
        "description": "Sent by post.",
        "name": "Karim Mia",
        "id_type": "nid",
        "id_number": "1234567890",
        "permanent_address": "Kaunia, Rangpur",
        "mobile": "01812345678",
        "service": "1",
        "service_applied_on": "2025-02-27",
    }
    data.update(overrides)
    return data


@pytest.fixture
def entered_on_20_march(monkeypatch):
    """Staff enter the letters on Thursday 20 March 2025."""
    from grievances import calendar as grs_calendar

    monkeypatch.setattr(grs_calendar, "today", lambda: D(2025, 3, 20))


@pytest.mark.django_db
@pytest.mark.parametrize("early_check", [True, False], ids=["form", "submit"])
def test_staff_entry_judges_the_time_limit_on_the_date_of_receipt(
    admin_client, charter, entered_on_20_march, monkeypatch, early_check
):
    """By 20 March the limit (4 March) has run out, but on 2 March, when the letter came,
    it had not."""
    if not early_check:
        monkeypatch.setattr(ComplaintForm, "_add_problem", lambda self, problem: None)
    response = admin_client.post(OFFLINE, offline_data(), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["service_applied_on"]
    assert errors["service_applied_on"][0].startswith("The office has until 4 March 2025")
    assert not Grievance.objects.exists()


@pytest.mark.django_db
def test_staff_entry_admits_a_letter_received_after_the_time_limit(
    admin_client, charter, entered_on_20_march
):
    response = admin_client.post(OFFLINE, offline_data(received_on="2025-03-05"))
    assert response.status_code == 302
    grievance = Grievance.objects.get()
    assert grievance.received_at == at(2025, 3, 5)
    assert grievance.channel == "post"


@pytest.mark.django_db
@pytest.mark.parametrize("early_check", [True, False], ids=["form", "submit"])
def test_staff_entry_refuses_a_service_applied_for_after_the_letter_came(
    admin_client, charter, entered_on_20_march, monkeypatch, early_check
):
    if not early_check:
        monkeypatch.setattr(ComplaintForm, "_add_problem", lambda self, problem: None)
    data = offline_data(service="", other_service="Training", service_applied_on="2025-03-10")
    response = admin_client.post(OFFLINE, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.context["form"].errors["service_applied_on"] == [
        "The date cannot be later than the date of receipt (2 March 2025)."
    ]
    assert not Grievance.objects.exists()
