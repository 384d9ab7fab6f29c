"""Access: no admin page and no complaint data for anonymous visitors, tracking that stops
answering a guesser, officers limited to their tier and office, throttled admin logins, and
personal data kept out of public pages, logs and other people's e-mail."""

import html
import json
import logging
import re
import unicodedata

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from grievances import notifications, workflow
from grievances.attachments import CleanAttachment
from grievances.models import Attachment, Grievance, StaffProfile
from services.models import Office
from tests.helpers import PDF, VALID, url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media", "sms_outbox")]

PERSONAL = {
    "name": "Rahima Begum Chowdhury",
    "id_number": "19901234567890123",
    "permanent_address": "Village Haragach Purbapara",
    "present_address": "House 12 Road 7 Dhanmondi",
    "mobile": "01898765432",
    "email": "rahima.c@example.com",
}
# The same kind of complainant writing in Bangla, with Bangla digits.
PERSONAL_BN = {
    "name": "রহিমা খাতুন সিদ্দিকা",
    "id_number": "১৯৯০১২৩৪৫৬৭৮৯০১২৩",
    "permanent_address": "গ্রাম হারাগাছ পূর্বপাড়া",
    "present_address": "বাড়ি ১২ রোড ৭ ধানমন্ডি",
    "mobile": "০১৮৯৮৭৬৫৪৩২",
    "email": "rahima.k@example.com",
}

BANGLA_DIGITS = str.maketrans("০১২৩৪৫৬৭৮৯", "0123456789")


def _plain(text: str) -> str:
    """Text reduced for a search that a change of form cannot dodge: Bangla digits read as
    ASCII, spaces, dashes and dots between digits dropped, NFC, letter case ignored."""
    text = unicodedata.normalize("NFC", text).translate(BANGLA_DIGITS)
    return re.sub(r"(?<=\d)[\s.\-]+(?=\d)", "", text).casefold()


def leaked(text: str, personal: dict = PERSONAL) -> list[str]:
    """Which of the complainant's details the text shows, in any form: as typed, in the
    other script's digits, in other letter case, the mobile also as +880 without the 0, and
    each word of the name alone."""
    plain = _plain(text)
    needles = {key: _plain(value) for key, value in personal.items()}
    needles["mobile as +880"] = _plain(personal["mobile"])[1:]
    for word in personal["name"].split():
        needles[f"name word {word}"] = _plain(word)
    return [key for key, needle in needles.items() if needle in plain]


def shown(response) -> str:
    """What a response says: HTML and XML with their character references undone, JSON with
    its \\u escapes undone."""
    return readable(response.content.decode(), response["Content-Type"])


def readable(body: str, content_type: str) -> str:
    if "json" in content_type:
        return json.dumps(json.loads(body), ensure_ascii=False)
    return html.unescape(body)


def file(charter, **overrides) -> Grievance:
    values = {
        "office": charter.office,
        "complaint_type": "citizen",
        "subject": "No reply",
        "description": "Nobody answered.",
        "id_type": "nid",
        **PERSONAL,
        **overrides,
    }
    return workflow.submit(**values)


@pytest.fixture
def officer(django_user_model):
    def make(username, group="GRO", *, office=None, password="correct horse battery"):
        user = django_user_model.objects.create_user(username, password=password, is_staff=True)
        user.groups.add(Group.objects.get(name=group))
        if office is not None:
            StaffProfile.objects.create(user=user, office=office)
        return user

    return make


# --- Anonymous visitors ---


@pytest.mark.parametrize(
    "name",
    [
        "admin:index",
        "admin:grievances_grievance_changelist",
        "admin:grievances_outboxmessage_changelist",
        "admin:grievances_staffprofile_changelist",
        "admin:auth_user_changelist",
        "admin:services_service_changelist",
    ],
)
def test_anonymous_visitors_reach_no_admin_page(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_anonymous_visitors_reach_no_case_page_attachment_or_action(client, charter):
    grievance = file(
        charter,
        attachments=[CleanAttachment("a.pdf", "application/pdf", PDF)],
    )
    attachment = Attachment.objects.get()
    for address in [
        reverse("admin:grievances_grievance_change", args=[grievance.pk]),
        reverse("admin:grievances_grievance_attachment", args=[grievance.pk, attachment.pk]),
        reverse("admin:grievances_grievance_act", args=[grievance.pk, "dispose"]),
    ]:
        response = client.get(address)
        assert response.status_code == 302, address
        assert response["Location"].startswith(reverse("admin:login"))
    for name in ("grievances:receipt", "grievances:case"):
        page = client.get(url(name, "en", tracking_number=grievance.tracking_number))
        assert page.status_code == 404
    # Public data about the case says nothing personal.
    api = shown(client.get("/open311/v2/requests.json"))
    assert grievance.tracking_number not in api
    assert leaked(api) == []


def test_no_attachment_is_reachable_under_media(client, charter, private_media):
    file(charter, attachments=[CleanAttachment("a.pdf", "application/pdf", PDF)])
    name = Attachment.objects.get().file.name
    assert (private_media / name).exists()
    for address in [f"/media/{name}", f"/private_media/{name}", f"/static/../private_media/{name}"]:
        assert client.get(address).status_code == 404


# --- Tracking: both numbers, and no endless guessing ---


def track(client, tracking_number, mobile, **extra):
    return client.post(
        url("grievances:track", "en"),
        {"tracking_number": tracking_number, "mobile": mobile},
        **extra,
    )


def test_the_tracking_number_alone_or_the_mobile_alone_opens_nothing(client, charter):
    grievance = file(charter)
    assert track(client, grievance.tracking_number, "01711111111").status_code == 200
    assert track(client, "GRS-2025-ZZZZZZ", PERSONAL["mobile"]).status_code == 200
    page = client.get(url("grievances:case", "en", tracking_number=grievance.tracking_number))
    assert page.status_code == 404


def test_a_client_guessing_100_times_is_refused_even_the_right_pair(client, charter, settings):
    grievance = file(charter)
    limit = settings.GRS_RATE_LIMITS["track_ip"][0]
    answers = [
        track(client, f"GRS-2025-{n:06d}".replace("0", "A"), f"0171{n:07d}").status_code
        for n in range(100)
    ]
    assert answers[:limit] == [200] * limit
    assert set(answers[limit:]) == {429}
    refused = track(client, grievance.tracking_number, PERSONAL["mobile"])
    assert refused.status_code == 429
    assert "Too many attempts. Please wait a while and try again." in refused.content.decode()
    # In Bangla on the Bangla page.
    bangla = client.post(
        url("grievances:track", "bn"),
        {"tracking_number": grievance.tracking_number, "mobile": PERSONAL["mobile"]},
    )
    assert bangla.status_code == 429 and '<html lang="bn">' in bangla.content.decode()
    # Another client is not affected.
    other = track(Client(), grievance.tracking_number, PERSONAL["mobile"], REMOTE_ADDR="10.9.8.7")
    assert other.status_code == 302


def test_guessing_mobiles_for_one_tracking_number_from_many_addresses_is_stopped_too(
    charter, settings
):
    grievance = file(charter)
    limit = settings.GRS_RATE_LIMITS["track_number"][0]
    for n in range(limit):
        track(Client(), grievance.tracking_number, f"0171100{n:04d}", REMOTE_ADDR=f"10.0.0.{n}")
    # A new session, even with the right pair, must now prove the mobile with an SMS code.
    refused = track(Client(), grievance.tracking_number, PERSONAL["mobile"], REMOTE_ADDR="10.1.1.1")
    assert refused.status_code == 429


def test_wrong_guesses_with_a_citizens_mobile_never_lock_the_citizen_out(charter, settings):
    grievance = file(charter)
    limit = settings.GRS_RATE_LIMITS["track_ip"][0]
    for n in range(limit + 5):
        track(Client(), f"GRS-2025-AAAA{n:02d}", PERSONAL["mobile"], REMOTE_ADDR=f"10.0.0.{n}")
    opened = track(Client(), grievance.tracking_number, PERSONAL["mobile"], REMOTE_ADDR="10.1.1.1")
    assert opened.status_code == 302


# --- Officers: their own tier and office only ---


@pytest.fixture
def elsewhere(charter):
    """A case of another office, with an attachment."""
    other = Office.objects.exclude(pk=charter.office.pk).first()
    grievance = file(charter, attachments=[CleanAttachment("a.pdf", "application/pdf", PDF)])
    Grievance.objects.filter(pk=grievance.pk).update(office=other, handling_officer=None)
    grievance.refresh_from_db()
    return grievance


def test_an_officer_of_another_office_gets_no_list_row_page_attachment_or_action(
    client, charter, officer, elsewhere
):
    mine = file(charter)
    gro = officer("gro", office=charter.office)
    client.force_login(gro)
    listing = client.get(reverse("admin:grievances_grievance_changelist"))
    shown = set(listing.context["cl"].queryset.values_list("pk", flat=True))
    assert shown == {mine.pk}
    assert elsewhere.tracking_number not in listing.content.decode()
    change = client.get(reverse("admin:grievances_grievance_change", args=[elsewhere.pk]))
    assert change.status_code == 302  # "does not exist", back to the admin index
    assert change["Location"] == reverse("admin:index")
    attachment = Attachment.objects.get(grievance=elsewhere)
    download = reverse("admin:grievances_grievance_attachment", args=[elsewhere.pk, attachment.pk])
    assert client.get(download).status_code == 404
    act = reverse("admin:grievances_grievance_act", args=[elsewhere.pk, "dispose"])
    assert client.post(act, {"decision": "Closed by someone else"}).status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.status == Grievance.Status.RECEIVED
    # A search by the other case's mobile number finds nothing either.
    found = client.get(
        reverse("admin:grievances_grievance_changelist"), {"q": PERSONAL["mobile"]}
    ).context["cl"]
    assert set(found.queryset.values_list("pk", flat=True)) == {mine.pk}


def test_a_case_that_moves_up_a_tier_leaves_the_gro_s_view(client, charter, officer):
    import datetime

    grievance = file(charter, attachments=[CleanAttachment("a.pdf", "application/pdf", PDF)])
    gro = officer("gro", office=charter.office)
    client.force_login(gro)
    attachment = Attachment.objects.get()
    download = reverse("admin:grievances_grievance_attachment", args=[grievance.pk, attachment.pk])
    assert client.get(download).status_code == 200
    workflow.escalate(grievance=grievance, today=grievance.deadline + datetime.timedelta(days=3))
    assert client.get(download).status_code == 404


def test_the_attachment_is_served_to_the_handling_officer_as_a_private_download(
    client, charter, officer
):
    grievance = file(charter, attachments=[CleanAttachment("a.pdf", "application/pdf", PDF)])
    client.force_login(officer("gro", office=charter.office))
    attachment = Attachment.objects.get()
    response = client.get(
        reverse("admin:grievances_grievance_attachment", args=[grievance.pk, attachment.pk])
    )
    assert b"".join(response.streaming_content) == PDF
    assert {"private", "no-store"} <= set(response["Cache-Control"].replace(" ", "").split(","))
    assert response["Content-Disposition"].startswith("attachment;")


# --- Admin logins throttled ---


def login(client, username, password, address="192.0.2.1"):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=address,
        HTTP_ACCEPT_LANGUAGE="en",
    )


THROTTLED = "Too many failed logins. Wait 15 minutes and try again."


def test_admin_logins_for_one_user_stop_after_repeated_failures(client, officer, settings):
    officer("gro", password="correct horse battery")
    limit = settings.GRS_RATE_LIMITS["admin_login_user"][0]
    for attempt in range(limit):
        wrong = login(client, "gro", f"guess {attempt}", address=f"198.51.100.{attempt}")
        assert wrong.status_code == 200 and THROTTLED not in wrong.content.decode()
    # Even the right password, from a fresh address, is refused for a while.
    refused = login(client, "gro", "correct horse battery", address="203.0.113.9")
    assert refused.status_code == 200
    assert THROTTLED in refused.content.decode()
    assert "_auth_user_id" not in client.session
    # The same user name in other letter case counts as the same.
    assert THROTTLED in login(client, "GRO", "x", address="203.0.113.10").content.decode()


def test_admin_logins_from_one_address_stop_after_repeated_failures(client, officer, settings):
    officer("gro", password="correct horse battery")
    limit = settings.GRS_RATE_LIMITS["admin_login_ip"][0]
    for attempt in range(limit):
        login(client, f"user{attempt}", "wrong")
    refused = login(client, "gro", "correct horse battery")
    assert THROTTLED in refused.content.decode()
    # From elsewhere the officer still gets in.
    assert login(Client(), "gro", "correct horse battery", address="203.0.113.5").status_code == 302


def test_the_throttle_message_is_in_bangla_on_a_bangla_admin(client, officer, settings):
    officer("gro")
    for attempt in range(settings.GRS_RATE_LIMITS["admin_login_user"][0]):
        login(client, "gro", f"wrong {attempt}")
    with translation.override("bn"):
        expected = translation.gettext(THROTTLED)
    response = client.post(
        reverse("admin:login"),
        {"username": "gro", "password": "x"},
        HTTP_ACCEPT_LANGUAGE="bn",
    )
    assert expected in response.content.decode()


# --- Personal data: not on public pages, not in logs, not in others' e-mail ---


def test_personal_data_stays_out_of_the_logs(client, charter, caplog, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    data = {**VALID, **PERSONAL, "id_type": "birth"}
    with caplog.at_level(logging.DEBUG):
        response = client.post(url("grievances:new", "bn"), data)
        grievance = Grievance.objects.get()
        track(client, grievance.tracking_number, "01700000000")  # a miss
        track(client, grievance.tracking_number, PERSONAL["mobile"])  # a hit
        client.get(url("grievances:case", "en", tracking_number=grievance.tracking_number))
        client.get(url("grievances:case", "en", tracking_number="GRS-2025-AAAAAA"))  # 404
        notifications.send_due()
    assert response.status_code == 302
    logged = "\n".join(
        f"{record.getMessage()} {record.args!r} {getattr(record, 'request', '')!r}"
        for record in caplog.records
    )
    assert leaked(logged) == []
    assert "98765432" not in _plain(logged)  # nor the mobile's last eight digits


@pytest.mark.parametrize("personal", [PERSONAL, PERSONAL_BN], ids=["latin", "bangla"])
def test_public_pages_show_no_personal_data(client, charter, personal):
    response = client.post(url("grievances:new", "bn"), {**VALID, **personal, "id_type": "birth"})
    assert response.status_code == 302
    grievance = Grievance.objects.get()
    assert grievance.name == personal["name"]  # the details were taken, so a leak could show
    assert track(client, grievance.tracking_number, personal["mobile"]).status_code == 302
    number = grievance.tracking_number
    addresses = [
        *[
            url(name, language, tracking_number=number)
            for name in ("grievances:receipt", "grievances:case")
            for language in ("bn", "en")
        ],
        "/bn/grs/",
        "/en/grs/",
        "/bn/complaints/track/",
        "/bn/complaints/new/",
        "/open311/v2/requests.json",
        "/open311/v2/requests.xml",
        f"/open311/v2/requests/{grievance.pk}.json",
        f"/open311/v2/requests/{grievance.pk}.xml",
    ]
    for address in addresses:
        page = client.get(address)
        assert page.status_code == 200, address
        assert leaked(shown(page), personal) == [], address


def test_the_leak_check_finds_the_details_in_every_form_a_page_could_show_them():
    """Hand-made pages, one for each way a template could show the details."""
    pages = {
        "as typed": "<dd>Rahima Begum Chowdhury</dd>",
        "with character references": "<dd>Rahima&#32;Begum&nbsp;Chowdhury</dd>",
        "upper case": "<dd>RAHIMA BEGUM CHOWDHURY</dd>",
        "first name": "<p>Dear Rahima,</p>",
        "mobile in Bangla digits": "<dd>০১৮৯৮৭৬৫৪৩২</dd>",
        "mobile grouped": "<dd>01898-765432</dd>",
        "mobile as +880": "<dd>+880 1898 765432</dd>",
        "id in Bangla digits": "<dd>১৯৯০১২৩৪৫৬৭৮৯০১২৩</dd>",
        "e-mail in other case": "<dd>Rahima.C@Example.com</dd>",
    }
    for form, page in pages.items():
        assert leaked(readable(page, "text/html")) != [], form
    as_json = json.dumps({"name": PERSONAL_BN["name"]})  # \\u escapes: a plain search misses it
    assert leaked(as_json, PERSONAL_BN) == []
    assert leaked(readable(as_json, "application/json"), PERSONAL_BN) == [
        "name",
        "name word রহিমা",
        "name word খাতুন",
        "name word সিদ্দিকা",
    ]
    assert leaked("<dd>GRS-2025-K7M3QX</dd><dd>১৮ মার্চ ২০২৫</dd><dd>01712345678</dd>") == []


def test_e_mails_carry_personal_data_only_to_the_complainant(client, charter, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    data = {
        **VALID,
        **PERSONAL,
        "id_type": "birth",
        "subject": "<script>alert(1)</script>",
        "description": "<b>bold</b> claim about Officer X",
    }
    client.post(url("grievances:new", "en"), data)
    grievance = Grievance.objects.get()
    workflow.dispose(grievance=grievance, actor=None, decision="<i>Granted</i> & done")
    notifications.send_due()
    assert mail.outbox
    for message in mail.outbox:
        assert message.content_subtype == "plain" and not getattr(message, "alternatives", [])
        text = message.subject + message.body
        assert "<script>" not in text and "<b>bold</b>" not in text  # never the complaint's words
        if message.to == [PERSONAL["email"]]:
            continue
        # the handling officer hears of the case, never the complainant's details
        assert leaked(text) == [], message.to
    to_complainant = [m for m in mail.outbox if m.to == [PERSONAL["email"]]]
    assert any("<i>Granted</i> & done" in m.body for m in to_complainant)  # as typed, plain text
    recipients = {m.to[0] for m in mail.outbox}
    assert recipients == {PERSONAL["email"], grievance.handling_officer.email}


def test_forms_sent_back_for_mistakes_do_not_use_up_the_address_limit(charter, settings):
    from tests.helpers import VALID, url

    settings.GRS_RATE_LIMITS = {**settings.GRS_RATE_LIMITS, "submit_ip": (1, 3600)}
    client = Client()
    for _ in range(3):  # a citizen correcting the form three times
        response = client.post(url("grievances:new", "en"), {**VALID, "mobile": "12345"})
        assert response.status_code == 200
    assert client.post(url("grievances:new", "en"), VALID).status_code == 302
    again = client.post(url("grievances:new", "en"), {**VALID, "subject": "Another one"})
    assert again.status_code == 429
    assert Grievance.objects.count() == 1
