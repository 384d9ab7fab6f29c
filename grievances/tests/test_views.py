import datetime
import unicodedata

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from grievances import workflow
from grievances.models import Grievance, Rating
from tests.helpers import at

# Messages and errors made outside a request are read in English here.
pytestmark = pytest.mark.usefixtures("english")

FORM = {
    "complaint_type": "citizen",
    "subject": "No reply to my application",
    "description": "Nobody answered.",
    "name": "Rahima Begum",
    "id_type": "nid",
    "id_number": "১২৩৪৫৬৭৮৯০",
    "permanent_address": "Haragach, Kaunia",
    "present_address": "Haragach, Kaunia",
    "mobile": "০১৭১২৩৪৫৬৭৮",
    "email": "rahima@example.com",
    "service": "",
    "other_service": "Training",
    # Annex খ-১ asks for these too, and the declaration.
    "remedy_sought": "An answer to my application.",
    "prevention": "Answer applications within the charter's time limit.",
    "declaration": "on",
}


def url(name, language="bn", **kwargs):
    with translation.override(language):
        return reverse(f"grievances:{name}", kwargs=kwargs)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["bn", "en"])
def test_the_form_page_is_grouped_as_the_official_form(client, charter, language):
    response = client.get(url("new", language))
    assert response.status_code == 200
    html = response.content.decode()
    # Annex খ-১'s parts: type, the complaining office (official complaints), the
    # complainant, the service, the complaint, the declaration.
    assert html.count('<fieldset class="part">') == 6
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'name="website"' in html  # the honeypot
    assert 'for="id_mobile"' in html


@pytest.mark.django_db
def test_errors_appear_next_to_their_fields_with_aria(client, charter):
    response = client.post(url("new", "en"), {**FORM, "mobile": "12345"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_mobile_error"' in html
    assert 'aria-describedby="id_mobile_error"' in html
    assert "Bangladesh mobile number" in html
    assert Grievance.objects.count() == 0


@pytest.mark.django_db
def test_a_citizen_files_a_complaint_in_bangla_and_gets_a_receipt(client, charter):
    response = client.post(url("new"), FORM)
    grievance = Grievance.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("receipt", tracking_number=grievance.tracking_number)
    assert grievance.mobile == "01712345678" and grievance.id_number == "1234567890"
    assert grievance.language == "bn"
    page = client.get(response["Location"]).content.decode()
    assert grievance.tracking_number in page
    assert "Rahima" not in page
    # the receipt by e-mail is queued, then sent by the outbox
    from grievances.notifications import send_due

    send_due()
    recipients = sorted(m.to[0] for m in mail.outbox if grievance.tracking_number in m.subject)
    assert recipients == ["doict.rangpur@gmail.com", "rahima@example.com"]


@pytest.mark.django_db
def test_the_receipt_is_shown_only_to_the_browser_that_filed(client, charter):
    client.post(url("new"), FORM)
    grievance = Grievance.objects.get()
    other = Client()
    response = other.get(url("receipt", tracking_number=grievance.tracking_number))
    assert response.status_code == 404


@pytest.mark.django_db
def test_csrf_is_enforced(charter):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(url("new"), FORM).status_code == 403
    assert strict.post(url("track"), {"tracking_number": "x", "mobile": "x"}).status_code == 403


@pytest.mark.django_db
def test_submissions_past_the_per_mobile_limit_are_accepted_and_flagged(client, charter, settings):
    settings.GRS_RATE_LIMITS = {**settings.GRS_RATE_LIMITS, "submit_mobile": (2, 3600)}
    for _ in range(3):
        assert client.post(url("new"), FORM).status_code == 302
    flags = Grievance.objects.order_by("pk").values_list("many_from_same_mobile", flat=True)
    assert list(flags) == [False, False, True]


@pytest.mark.django_db
def test_submissions_are_rate_limited_per_address(client, charter, settings):
    settings.GRS_RATE_LIMITS = {**settings.GRS_RATE_LIMITS, "submit_ip": (1, 3600)}
    assert client.post(url("new"), FORM).status_code == 302
    assert client.post(url("new"), {**FORM, "mobile": "01812345678"}).status_code == 429


def _file(file_complaint):
    grievance = file_complaint(now=at(2025, 1, 5))
    workflow.start(grievance=grievance, actor=None, note="SECRET internal note")
    return grievance


@pytest.mark.django_db
def test_tracking_needs_the_number_and_the_mobile_together(client, file_complaint):
    grievance = _file(file_complaint)
    response = client.post(
        url("track", "en"), {"tracking_number": grievance.tracking_number, "mobile": "01812345678"}
    )
    assert response.status_code == 200
    assert "No complaint matches" in response.content.decode()
    case_url = url("case", "en", tracking_number=grievance.tracking_number)
    assert client.get(case_url).status_code == 404
    response = client.post(
        url("track", "en"),
        {"tracking_number": grievance.tracking_number.lower(), "mobile": "+8801712345678"},
    )
    assert response.status_code == 302 and response["Location"] == case_url


@pytest.mark.django_db
def test_the_tracking_page_shows_public_steps_only(client, file_complaint):
    grievance = _file(file_complaint)
    workflow.request_information(
        grievance=grievance, actor=None, question="Which office?", now=at(2025, 1, 6)
    )
    client.post(
        url("track"), {"tracking_number": grievance.tracking_number, "mobile": FORM["mobile"]}
    )
    html = client.get(url("case", tracking_number=grievance.tracking_number)).content.decode()
    assert "Which office?" in html
    assert "SECRET" not in html
    for personal in ("Rahima", "01712345678", "1234567890", "Haragach", "rahima@example.com"):
        assert personal not in html
    assert "২০২৫" in html  # dates in Bangla digits on the Bangla page


@pytest.mark.django_db
def test_a_hearing_shows_its_date_as_the_page_writes_dates(client, file_complaint):
    grievance = _file(file_complaint)
    workflow.record_hearing(
        grievance=grievance,
        actor=None,
        held_on=datetime.date(2025, 1, 12),
        note="Both sides heard",
        now=at(2025, 1, 13),
    )
    client.post(
        url("track"), {"tracking_number": grievance.tracking_number, "mobile": FORM["mobile"]}
    )
    bangla = client.get(url("case", tracking_number=grievance.tracking_number)).content.decode()
    english = client.get(url("case", "en", tracking_number=grievance.tracking_number))
    # Django writes য় precomposed in its month names; NFC keeps it as য + nukta.
    assert unicodedata.normalize("NFC", "১২ জানুয়ারি ২০২৫") in unicodedata.normalize("NFC", bangla)
    assert "2025-01-12" not in bangla
    assert "12 January 2025" in english.content.decode()
    assert "Both sides heard" not in bangla  # the record of the hearing stays internal


@pytest.mark.django_db
def test_tracking_lookups_are_rate_limited(client, charter, settings):
    settings.GRS_RATE_LIMITS = {**settings.GRS_RATE_LIMITS, "track_ip": (3, 3600)}
    guess = {"tracking_number": "GRS-2025-AAAAAA", "mobile": "01712345678"}
    for _ in range(3):
        assert client.post(url("track"), guess).status_code == 200
    assert client.post(url("track"), guess).status_code == 429


@pytest.mark.django_db
def test_the_complainant_appeals_from_the_tracking_page(client, file_complaint):
    grievance = file_complaint(now=at(2025, 1, 5))
    today = datetime.date.today()
    workflow.dispose(grievance=grievance, actor=None, decision="Rejected: no record found")
    client.post(
        url("track"), {"tracking_number": grievance.tracking_number, "mobile": FORM["mobile"]}
    )
    case_url = url("case", "en", tracking_number=grievance.tracking_number)
    html = client.get(case_url).content.decode()
    assert "Rejected: no record found" in html
    assert 'action="' + url("appeal", "en", tracking_number=grievance.tracking_number) in html
    response = client.post(
        url("appeal", "en", tracking_number=grievance.tracking_number), {"reason": "Unfair"}
    )
    assert response.status_code == 302
    grievance.refresh_from_db()
    assert (grievance.tier, grievance.status, grievance.tier_started_on) == (2, "received", today)


@pytest.mark.django_db
def test_an_appeal_needs_a_reason(client, file_complaint):
    grievance = file_complaint()
    workflow.dispose(grievance=grievance, actor=None, decision="Done")
    client.post(
        url("track"), {"tracking_number": grievance.tracking_number, "mobile": FORM["mobile"]}
    )
    response = client.post(url("appeal", tracking_number=grievance.tracking_number), {"reason": ""})
    assert response.status_code == 400
    grievance.refresh_from_db()
    assert grievance.tier == 1


@pytest.mark.django_db
def test_the_complainant_rates_a_disposal_once(client, file_complaint):
    grievance = file_complaint()
    workflow.dispose(grievance=grievance, actor=None, decision="Done")
    client.post(
        url("track"), {"tracking_number": grievance.tracking_number, "mobile": FORM["mobile"]}
    )
    rate_url = url("rate", tracking_number=grievance.tracking_number)
    response = client.post(rate_url, {"satisfied": "yes", "comment": "Quick"})
    assert response.status_code == 302
    assert Rating.objects.get().satisfied is True
    html = client.get(url("case", tracking_number=grievance.tracking_number)).content.decode()
    assert rate_url not in html
    assert client.post(rate_url, {"satisfied": "no"}).status_code == 400
    assert Rating.objects.count() == 1


@pytest.mark.django_db
def test_an_anonymous_complaint_cannot_be_tracked(client, charter):
    data = {**FORM, "is_anonymous": "on", "mobile": "", "name": "", "id_number": ""}
    response = client.post(url("new", "en"), data)
    assert response.status_code == 302
    grievance = Grievance.objects.get()
    assert grievance.is_anonymous and grievance.mobile == ""
    assert "cannot follow" in client.get(response["Location"]).content.decode()
    assert client.get(url("case", tracking_number=grievance.tracking_number)).status_code == 404
