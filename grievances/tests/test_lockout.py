"""Nobody who knows a citizen's mobile number can lock the citizen out: wrong tracking guesses
count against the guesser, complaints past the per-mobile limit are accepted and flagged with
their SMS capped, and the owner of a number can always get in with a code sent to it."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from grievances import mobile_verification
from grievances.models import Grievance, OutboxMessage
from tests.helpers import VALID, image_bytes, url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

VICTIM = "01712345678"  # VALID's mobile and the file_complaint fixture's
STRANGER_ADDRESS = "203.0.113.66"
VICTIM_ADDRESS = "198.51.100.7"


def track(client, tracking_number, mobile, language="en", action="", **meta):
    data = {"tracking_number": tracking_number, "mobile": mobile}
    if action:
        data["action"] = action
    return client.post(url("grievances:track", language), data, **meta)


def wrong_number(n: int) -> str:
    return "GRS-2025-" + "".join("ABCDEFGHJK"[int(d)] for d in f"{n:06d}")


def sms_to(mobile: str) -> list[OutboxMessage]:
    return list(
        OutboxMessage.objects.filter(channel=OutboxMessage.Channel.SMS, recipient=mobile).order_by(
            "pk"
        )
    )


def code_sent_to(mobile: str) -> str:
    body = sms_to(mobile)[-1].body
    assert "code" in body
    return re.search(r"\b(\d{6})\b", body).group(1)


# --- Tracking ---


def test_a_strangers_wrong_guesses_with_the_victims_mobile_do_not_lock_the_victim_out(
    file_complaint, settings
):
    grievance = file_complaint()
    stranger = Client(REMOTE_ADDR=STRANGER_ADDRESS)
    limit = settings.GRS_RATE_LIMITS["track_ip"][0]
    answers = [track(stranger, wrong_number(n), VICTIM).status_code for n in range(limit + 5)]
    assert answers[:limit] == [200] * limit  # 10+ wrong guesses with the victim's mobile
    assert set(answers[limit:]) == {429}  # the guesser is stopped
    # The victim, from another address and session, opens the case at once.
    victim = Client(REMOTE_ADDR=VICTIM_ADDRESS)
    response = track(victim, grievance.tracking_number, VICTIM)
    case_url = url("grievances:case", "en", tracking_number=grievance.tracking_number)
    assert response.status_code == 302 and response["Location"] == case_url
    assert victim.get(case_url).status_code == 200


def test_the_guessers_own_session_counts_even_behind_a_fresh_address(file_complaint, settings):
    settings.GRS_RATE_LIMITS = {**settings.GRS_RATE_LIMITS, "track_session": (3, 3600)}
    grievance = file_complaint()
    guesser = Client()
    guesser.post(url("grievances:track", "en"), {"action": "send_code", **_pair(grievance)})
    assert guesser.session.session_key  # it has a session now
    for n in range(3):
        assert track(guesser, wrong_number(n), VICTIM, REMOTE_ADDR=f"10.0.0.{n}").status_code == 200
    refused = track(guesser, wrong_number(9), VICTIM, REMOTE_ADDR="10.0.0.99")
    assert refused.status_code == 429


def _pair(grievance):
    return {"tracking_number": grievance.tracking_number, "mobile": grievance.mobile}


def test_many_addresses_guessing_mobiles_for_one_tracking_number_lock_it_for_new_sessions(
    file_complaint, settings
):
    grievance = file_complaint()
    number = grievance.tracking_number
    owner = Client(REMOTE_ADDR=VICTIM_ADDRESS)
    assert track(owner, number, VICTIM).status_code == 302  # opened it before the attack
    limit = settings.GRS_RATE_LIMITS["track_number"][0]
    for n in range(limit):
        guess = track(Client(REMOTE_ADDR=f"10.1.0.{n}"), number, f"0181{n:07d}")
        assert guess.status_code == 200
    # A new session is refused even with the right pair: it could be the guesser's lucky hit.
    newcomer = Client(REMOTE_ADDR="10.2.0.1")
    refused = track(newcomer, number, VICTIM)
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "Too many attempts" in page and 'value="send_code"' in page
    assert VICTIM not in page.replace(f'value="{VICTIM}"', "")  # only in its own input
    # The session that opened the case before is not refused.
    assert track(owner, number, VICTIM).status_code == 302
    # Other tracking numbers are not locked.
    other = file_complaint(mobile="01812345678")
    assert (
        track(Client(REMOTE_ADDR="10.2.0.2"), other.tracking_number, "01812345678").status_code
        == 302
    )


def test_the_owner_gets_in_with_a_code_sent_to_the_complaints_mobile(file_complaint, settings):
    settings.GRS_RATE_LIMITS = {**settings.GRS_RATE_LIMITS, "track_number": (1, 3600)}
    grievance = file_complaint()
    track(Client(REMOTE_ADDR=STRANGER_ADDRESS), grievance.tracking_number, "01899999999")
    owner = Client(REMOTE_ADDR=VICTIM_ADDRESS)
    assert track(owner, grievance.tracking_number, VICTIM).status_code == 429
    before = len(sms_to(VICTIM))
    asked = track(owner, grievance.tracking_number, VICTIM, action="send_code")
    assert asked.status_code == 302 and asked["Location"] == url("grievances:track", "en")
    assert len(sms_to(VICTIM)) == before + 1
    page = owner.get(asked["Location"]).content.decode()
    assert 'name="code"' in page and grievance.tracking_number in page
    code = code_sent_to(VICTIM)
    opened = owner.post(url("grievances:track", "en"), {"action": "check_code", "code": code})
    case_url = url("grievances:case", "en", tracking_number=grievance.tracking_number)
    assert opened.status_code == 302 and opened["Location"] == case_url
    assert owner.get(case_url).status_code == 200
    # Trusted with the number now: later lookups with it are not refused.
    assert track(owner, grievance.tracking_number, VICTIM).status_code == 302


def test_asking_for_a_code_with_a_wrong_pair_sends_nothing_and_looks_the_same(file_complaint):
    grievance = file_complaint()
    right, wrong = Client(), Client()
    right_answer = track(right, grievance.tracking_number, VICTIM, action="send_code")
    wrong_answer = track(wrong, grievance.tracking_number, "01899999999", action="send_code")
    assert right_answer.status_code == wrong_answer.status_code == 302
    assert right_answer["Location"] == wrong_answer["Location"]
    assert len(sms_to(VICTIM)) == 2  # the receipt and the code
    assert sms_to("01899999999") == []

    def page(client):
        html = client.get(url("grievances:track", "en")).content.decode()
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

    assert page(right) == page(wrong)
    # No code opens the case for the wrong pair, not even the one the owner was sent.
    answer = wrong.post(
        url("grievances:track", "en"), {"action": "check_code", "code": code_sent_to(VICTIM)}
    )
    assert answer.status_code == 400


def test_codes_are_limited_per_number_and_expire(file_complaint, settings, monkeypatch):
    grievance = file_complaint()
    limit = settings.GRS_RATE_LIMITS["mobile_code_mobile"][0]
    client = Client()
    for _ in range(limit + 3):
        track(client, grievance.tracking_number, VICTIM, action="send_code")
    assert len(sms_to(VICTIM)) == 1 + limit  # the receipt and at most `limit` codes
    # A fresh code, then 10 minutes pass.
    settings.GRS_RATE_LIMITS = {**settings.GRS_RATE_LIMITS, "mobile_code_mobile": (100, 3600)}
    track(client, grievance.tracking_number, VICTIM, action="send_code")
    code = code_sent_to(VICTIM)
    later = timezone.now() + datetime.timedelta(seconds=mobile_verification.CODE_VALID + 1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    expired = client.post(url("grievances:track", "en"), {"action": "check_code", "code": code})
    assert expired.status_code == 302 and expired["Location"] == url("grievances:track", "en")
    case_url = url("grievances:case", "en", tracking_number=grievance.tracking_number)
    assert client.get(case_url).status_code == 404


def test_a_code_allows_a_few_tries_then_is_gone(file_complaint):
    grievance = file_complaint()
    client = Client()
    track(client, grievance.tracking_number, VICTIM, action="send_code")
    code = code_sent_to(VICTIM)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(mobile_verification.MAX_TRIES - 1):
        answer = client.post(url("grievances:track", "en"), {"action": "check_code", "code": wrong})
        assert answer.status_code == 400
        assert "This is not the code we sent" in answer.content.decode()
    last = client.post(url("grievances:track", "en"), {"action": "check_code", "code": wrong})
    assert last.status_code == 302
    too_late = client.post(url("grievances:track", "en"), {"action": "check_code", "code": code})
    assert too_late.status_code == 302 and too_late["Location"] == url("grievances:track", "en")


def test_a_code_typed_in_bangla_digits_works_and_nothing_is_kept_in_clear(file_complaint):
    grievance = file_complaint()
    client = Client()
    track(client, grievance.tracking_number, VICTIM, language="bn", action="send_code")
    body = sms_to(VICTIM)[-1].body
    code = re.search(r"[০-৯]{6}", body).group(0)  # a Bangla page's SMS: Bangla digits
    session = client.session
    assert VICTIM not in str(dict(session.items())) and code not in str(dict(session.items()))
    opened = client.post(url("grievances:track", "bn"), {"action": "check_code", "code": code})
    assert opened.status_code == 302
    assert VICTIM not in str(dict(client.session.items()))


# --- Filing ---


def _file(client, **changes):
    return client.post(url("grievances:new", "en"), {**VALID, **changes})


def test_a_strangers_complaints_with_the_victims_mobile_do_not_stop_the_victim_filing(
    charter, settings
):
    per_mobile = settings.GRS_RATE_LIMITS["submit_mobile"][0]
    sms_cap = settings.GRS_RATE_LIMITS["receipt_sms_mobile"][0]
    stranger = Client(REMOTE_ADDR=STRANGER_ADDRESS)
    for n in range(per_mobile + 1):
        response = _file(stranger, subject=f"Fake {n}", email="")
        assert response.status_code == 302
    victim = Client(REMOTE_ADDR=VICTIM_ADDRESS)
    response = _file(victim, subject="My real complaint")
    assert response.status_code == 302
    mine = Grievance.objects.get(subject="My real complaint")
    assert response["Location"] == url(
        "grievances:receipt", "en", tracking_number=mine.tracking_number
    )
    assert victim.get(response["Location"]).status_code == 200  # the on-screen receipt
    assert mine.many_from_same_mobile  # flagged for the GRO
    flags = list(Grievance.objects.order_by("pk").values_list("many_from_same_mobile", flat=True))
    assert flags == [False] * per_mobile + [True, True]
    # At most `sms_cap` receipt SMS to the number; the victim's receipt still goes by e-mail.
    assert len(sms_to(VICTIM)) == sms_cap
    assert OutboxMessage.objects.filter(
        grievance=mine, channel=OutboxMessage.Channel.EMAIL, recipient=VALID["email"]
    ).exists()
    assert not OutboxMessage.objects.filter(
        grievance=mine, channel=OutboxMessage.Channel.SMS
    ).exists()


def test_the_flag_shows_in_the_admin_list_filter_and_case_page(
    client, admin_user, charter, settings
):
    settings.GRS_RATE_LIMITS = {**settings.GRS_RATE_LIMITS, "submit_mobile": (1, 3600)}
    for n in range(2):
        _file(Client(), subject=f"Complaint {n}")
    flagged = Grievance.objects.get(many_from_same_mobile=True)
    client.force_login(admin_user)
    from django.urls import reverse

    listing = client.get(
        reverse("admin:grievances_grievance_changelist"), {"many_from_same_mobile__exact": "1"}
    ).content.decode()
    assert flagged.tracking_number in listing
    assert Grievance.objects.exclude(pk=flagged.pk).get().tracking_number not in listing
    page = client.get(reverse("admin:grievances_grievance_change", args=[flagged.pk]))
    assert "field-many_from_same_mobile" in page.content.decode()


def test_a_verified_owner_is_not_flagged(file_complaint, settings):
    settings.GRS_RATE_LIMITS = {**settings.GRS_RATE_LIMITS, "submit_mobile": (1, 3600)}
    grievance = file_complaint(now=timezone.now())
    owner = Client()
    track(owner, grievance.tracking_number, VICTIM, action="send_code")
    owner.post(
        url("grievances:track", "en"), {"action": "check_code", "code": code_sent_to(VICTIM)}
    )
    assert _file(owner, subject="Second").status_code == 302
    assert not Grievance.objects.get(subject="Second").many_from_same_mobile
    assert _file(Client(), subject="Third").status_code == 302
    assert Grievance.objects.get(subject="Third").many_from_same_mobile


def test_a_resent_form_past_the_limits_shows_its_receipt(charter, settings):
    settings.GRS_RATE_LIMITS = {
        **settings.GRS_RATE_LIMITS,
        "submit_ip": (1, 3600),
        "submit_mobile": (1, 3600),
    }
    client = Client()
    form = client.get(url("grievances:new", "en")).content.decode()
    token = re.search(r'name="submission_token" value="([^"]+)"', form).group(1)
    first = _file(client, submission_token=token)
    again = _file(client, submission_token=token)
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert Grievance.objects.count() == 1
    assert client.get(again["Location"]).status_code == 200
    # A new form from the same address is still refused.
    assert _file(client, subject="Another").status_code == 429


def test_forms_sent_back_with_files_count_against_the_address(charter, settings):
    settings.GRS_RATE_LIMITS = {**settings.GRS_RATE_LIMITS, "submit_ip": (2, 3600)}
    client = Client()

    def photo():
        return SimpleUploadedFile("photo.jpg", image_bytes(), content_type="image/jpeg")

    # Without files, mistakes cost nothing.
    for _ in range(3):
        assert _file(client, mobile="12345").status_code == 200
    # With files, each invalid form counts.
    for _ in range(2):
        assert _file(client, mobile="12345", attachments=[photo()]).status_code == 200
    refused = _file(client, mobile="12345", attachments=[photo()])
    assert refused.status_code == 429
    assert _file(client).status_code == 429
    assert Grievance.objects.count() == 0
    # Another address is not affected.
    assert _file(Client(REMOTE_ADDR=VICTIM_ADDRESS), attachments=[photo()]).status_code == 302
