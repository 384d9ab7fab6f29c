import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.datastructures import MultiValueDict

from grievances.forms import ComplaintForm, TrackForm
from grievances.text import normalise_mobile, normalise_tracking_number

# Messages and errors made outside a request are read in English here.
pytestmark = pytest.mark.usefixtures("english")

TODAY = datetime.date(2025, 3, 2)


def valid_data(**overrides):
    data = {
        "complaint_type": "citizen",
        "subject": "No reply",
        "description": "Nobody answered my application.",
        "name": "Rahima Begum",
        "id_type": "nid",
        "id_number": "1234567890",
        "permanent_address": "Kaunia, Rangpur",
        "present_address": "Kaunia, Rangpur",
        "mobile": "01712345678",
        "email": "",
        "service": "",
        "other_service": "Something else",
        # Annex খ-১ asks for these too, and the declaration.
        "remedy_sought": "An answer.",
        "prevention": "Answer on time.",
        "declaration": "on",
    }
    data.update(overrides)
    return data


def form(data, files=None, charter=None):
    return ComplaintForm(data, files, charter=charter, today=TODAY)


@pytest.mark.parametrize(
    "typed,stored",
    [
        ("01712345678", "01712345678"),
        ("+8801712345678", "01712345678"),
        ("8801912345678", "01912345678"),
        ("০১৭১২৩৪৫৬৭৮", "01712345678"),
        ("+৮৮০১৩১২৩৪৫৬৭৮", "01312345678"),
        ("017-1234 5678", "01712345678"),
    ],
)
def test_mobile_numbers_in_bangla_or_ascii_digits_are_stored_in_ascii(typed, stored):
    assert normalise_mobile(typed) == stored


@pytest.mark.parametrize(
    "typed", ["01212345678", "0171234567", "017123456789", "1712345678", "+4401712345678", "abc"]
)
def test_numbers_that_are_not_bangladesh_mobiles_are_refused(typed):
    assert normalise_mobile(typed) is None


@pytest.mark.django_db
def test_the_form_stores_bangla_digits_as_ascii(charter):
    bound = form(valid_data(mobile="০১৭১২৩৪৫৬৭৮", id_number="১২৩৪৫৬৭৮৯০"), charter=charter)
    assert bound.is_valid(), bound.errors
    assert bound.cleaned_data["mobile"] == "01712345678"
    assert bound.cleaned_data["id_number"] == "1234567890"


@pytest.mark.django_db
def test_a_bad_phone_number_is_reported_next_to_the_field(charter):
    bound = form(valid_data(mobile="01212345678"), charter=charter)
    assert not bound.is_valid()
    assert list(bound.errors) == ["mobile"]
    assert "Bangladesh mobile number" in bound.errors["mobile"][0]


@pytest.mark.django_db
def test_missing_fields_are_each_reported(charter):
    bound = form({"complaint_type": "citizen"}, charter=charter)
    assert not bound.is_valid()
    for name in ("subject", "description", "name", "id_type", "id_number", "mobile"):
        assert name in bound.errors, name
    assert "other_service" in bound.errors


@pytest.mark.django_db
def test_errors_are_in_the_pages_language(charter):
    with translation.override("bn"):
        bound = form({"complaint_type": "citizen"}, charter=charter)
        assert not bound.is_valid()
        message = bound.errors["subject"][0]
    assert message != "This field is required."


@pytest.mark.django_db
def test_an_anonymous_complaint_needs_no_personal_data(charter):
    bound = form(
        valid_data(is_anonymous="on", name="", id_type="", id_number="", mobile=""),
        charter=charter,
    )
    assert bound.is_valid(), bound.errors


@pytest.mark.parametrize(
    "id_type,number,ok",
    [
        ("nid", "1234567890123", True),
        ("nid", "12345", False),
        ("birth", "12345678901234567", True),
        ("birth", "1234567890", False),
        ("passport", "A01234567", True),
        ("passport", "A0!", False),
    ],
)
@pytest.mark.django_db
def test_id_numbers_are_checked_by_their_type(charter, id_type, number, ok):
    bound = form(valid_data(id_type=id_type, id_number=number), charter=charter)
    assert bound.is_valid() is ok


@pytest.mark.django_db
def test_the_honeypot_refuses_a_bot(charter):
    bound = form(valid_data(website="http://spam.example"), charter=charter)
    assert not bound.is_valid()
    assert bound.non_field_errors()


@pytest.mark.django_db
def test_a_complaint_before_the_services_time_limit_runs_out_is_held_back(charter):
    service = charter.office.services.get(category="citizen", serial=1)  # 3 working days
    data = valid_data(service=service.pk, other_service="", service_applied_on="২৭/০২/২০২৫")
    bound = form(data, charter=charter)
    assert not bound.is_valid()
    error = bound.errors["service_applied_on"][0]
    assert "4 March 2025" in error  # Thu 27 Feb + 3 working days
    bound = form({**data, "office_has_decided": "on"}, charter=charter)
    assert bound.is_valid(), bound.errors
    assert bound.cleaned_data["service_applied_on"] == datetime.date(2025, 2, 27)


@pytest.mark.django_db
def test_a_complaint_after_the_services_time_limit_is_admitted(charter):
    service = charter.office.services.get(category="citizen", serial=1)
    data = valid_data(service=service.pk, other_service="", service_applied_on="2025-02-20")
    assert form(data, charter=charter).is_valid()


@pytest.mark.django_db
def test_too_many_attachments_are_refused(charter):
    files = MultiValueDict(
        {
            "attachments": [
                SimpleUploadedFile(f"{n}.pdf", b"%PDF-1.4 test", "application/pdf")
                for n in range(4)
            ]
        }
    )
    bound = form(valid_data(), files, charter=charter)
    assert not bound.is_valid()
    assert "at most 3" in bound.errors["attachments"][0]


@pytest.mark.django_db
def test_an_attachment_that_is_not_what_it_claims_is_reported(charter):
    files = MultiValueDict(
        {"attachments": [SimpleUploadedFile("x.jpg", b"not an image", "image/jpeg")]}
    )
    bound = form(valid_data(), files, charter=charter)
    assert not bound.is_valid()
    assert "x.jpg" in bound.errors["attachments"][0]


def test_tracking_numbers_are_read_however_they_are_typed():
    assert normalise_tracking_number(" grs-২০২৫-k7m3qx ") == "GRS-2025-K7M3QX"
    assert normalise_tracking_number("GRS2025K7M3QX") == "GRS-2025-K7M3QX"
    bound = TrackForm({"tracking_number": "grs 2025 k7m3qx", "mobile": "০১৭১২৩৪৫৬৭৮"})
    assert bound.is_valid()
    assert bound.cleaned_data == {"tracking_number": "GRS-2025-K7M3QX", "mobile": "01712345678"}
