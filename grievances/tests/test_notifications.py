import datetime
import io
import json
import re
import unicodedata
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import translation

from grievances import notifications, sms
from grievances.models import Grievance, OutboxMessage
from tests.helpers import at

# Messages and errors made outside a request are read in English here.
pytestmark = pytest.mark.usefixtures("english")


@pytest.mark.django_db
def test_the_outbox_sends_sms_and_email(file_complaint, sms_outbox):
    grievance = file_complaint()
    sent, failed = notifications.send_due(now=at(2025, 1, 5, 11))
    assert (sent, failed) == (3, 0)
    assert [message.to for message in sms_outbox] == ["8801712345678"]
    assert grievance.tracking_number in sms_outbox[0].body
    assert sorted(m.to[0] for m in mail.outbox) == ["doict.rangpur@gmail.com", "rahima@example.com"]
    assert not OutboxMessage.objects.filter(status="pending").exists()
    assert notifications.send_due(now=at(2025, 1, 5, 12)) == (0, 0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "active", "words", "deadline"),
    [
        ("bn", "en", ("অভিযোগ", "গৃহীত হয়েছে"), "১৬ ফেব্রুয়ারি ২০২৫"),
        ("en", "bn", ("complaint", "received"), "16 February 2025"),
    ],
)
def test_messages_are_in_the_complainants_language(
    file_complaint, sms_outbox, language, active, words, deadline
):
    with translation.override(active):  # whatever language the office works in
        file_complaint(language=language)
        notifications.send_due(now=at(2025, 1, 5, 11))
    (sms,) = sms_outbox
    (mail_to_complainant,) = [m for m in mail.outbox if m.to == ["rahima@example.com"]]
    texts = [
        unicodedata.normalize("NFC", text)  # one spelling of য় on both sides
        for text in (sms.body, mail_to_complainant.subject, mail_to_complainant.body)
    ]
    for text in texts:
        assert words[0] in text.lower()
        assert bool(re.search("[\u0980-\u09ff]", text)) == (language == "bn"), text
    assert unicodedata.normalize("NFC", words[1]) in texts[0]
    assert unicodedata.normalize("NFC", deadline) in texts[0]


class BrokenBackend(sms.BaseSmsBackend):
    def send(self, message):
        raise sms.SmsError("gateway down")


@pytest.mark.django_db
def test_a_failed_sms_waits_and_is_retried_then_given_up(file_complaint, settings):
    settings.SMS_BACKEND = "grievances.tests.test_notifications.BrokenBackend"
    settings.GRS_OUTBOX_MAX_ATTEMPTS = 3
    grievance = file_complaint()
    assert Grievance.objects.filter(pk=grievance.pk).exists()  # the complaint is never lost
    now = at(2025, 1, 5, 11)
    assert notifications.send_due(now=now) == (2, 1)
    message = OutboxMessage.objects.get(channel="sms")
    assert (message.status, message.attempts) == ("pending", 1)
    # Retries wait 1, 3, 9, 27… minutes: a gateway back within minutes loses little time.
    assert message.next_attempt_at == now + datetime.timedelta(minutes=1)
    assert "gateway down" in message.last_error
    assert notifications.send_due(now=now + datetime.timedelta(seconds=30)) == (0, 0)
    notifications.send_due(now=now + datetime.timedelta(minutes=1))
    message.refresh_from_db()
    assert message.next_attempt_at == now + datetime.timedelta(minutes=1 + 3)
    notifications.send_due(now=now + datetime.timedelta(hours=1))
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", 3)
    settings.SMS_BACKEND = "grievances.sms.LocmemBackend"
    assert notifications.send_due(now=now + datetime.timedelta(days=1)) == (0, 0)


@pytest.mark.django_db
def test_a_mail_failure_does_not_roll_back_the_complaint(file_complaint):
    with mock.patch("grievances.notifications.EmailMessage.send", side_effect=OSError("smtp down")):
        grievance = file_complaint()
        sent, failed = notifications.send_due(now=at(2025, 1, 5, 11))
    assert (sent, failed) == (1, 2)
    assert Grievance.objects.filter(pk=grievance.pk).exists()
    assert OutboxMessage.objects.filter(channel="email", status="pending", attempts=1).count() == 2


@pytest.mark.django_db
def test_the_send_outbox_command(file_complaint, sms_outbox):
    file_complaint()
    out = io.StringIO()
    call_command("send_outbox", stdout=out)
    assert "Sent 3" in out.getvalue()
    assert len(sms_outbox) == 1


@pytest.mark.django_db
def test_the_officer_digest_lists_cases_due_within_5_working_days_once_a_day(file_complaint):
    due_soon = file_complaint(now=at(2025, 1, 5))  # deadline 16 February
    later = file_complaint(now=at(2025, 2, 2))  # deadline 16 March
    OutboxMessage.objects.all().delete()
    today = datetime.date(2025, 2, 10)
    assert notifications.queue_officer_digests(today=today) == 1
    digest = OutboxMessage.objects.get()
    assert digest.recipient == "doict.rangpur@gmail.com"
    assert due_soon.tracking_number in digest.body
    assert later.tracking_number not in digest.body
    assert "Rahima" not in digest.body
    assert notifications.queue_officer_digests(today=today) == 0
    out = io.StringIO()
    call_command("send_officer_digest", "--as-of", "2025-02-11", stdout=out)
    assert "Queued 1" in out.getvalue()


def test_the_console_backend_writes_the_message():
    stream = io.StringIO()
    sms.ConsoleBackend(stream=stream).send(sms.SmsMessage(to="8801712345678", body="hello"))
    assert "hello" in stream.getvalue()


def test_the_file_backend_appends_to_a_daily_file(settings, tmp_path):
    settings.SMS_FILE_PATH = str(tmp_path)
    sms.FileBackend().send(sms.SmsMessage(to="8801712345678", body="hello"))
    (log,) = tmp_path.iterdir()
    assert "hello" in log.read_text(encoding="utf-8")


def test_the_http_gateway_backend_posts_json(settings):
    settings.SMS_GATEWAY_URL = "https://sms.example/send"
    settings.SMS_GATEWAY_TOKEN = "token"
    answer = mock.MagicMock(status=200)
    answer.__enter__.return_value = answer
    with mock.patch("urllib.request.urlopen", return_value=answer) as urlopen:
        sms.HttpGatewayBackend().send(sms.SmsMessage(to="8801712345678", body="হ্যালো"))
    request = urlopen.call_args.args[0]
    assert request.full_url == "https://sms.example/send"
    assert json.loads(request.data) == {"to": "8801712345678", "message": "হ্যালো"}
    assert request.get_header("Authorization") == "Bearer token"


def test_the_http_gateway_backend_reports_an_unreachable_gateway(settings):
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/send"
    settings.SMS_GATEWAY_TIMEOUT = 1
    with pytest.raises(sms.SmsError):
        sms.HttpGatewayBackend().send(sms.SmsMessage(to="8801712345678", body="x"))
