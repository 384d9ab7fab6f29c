"""Messages leave seconds after the step that queued them commits; the outbox stays the
truth, each message carries its id as the gateway's idempotency key, and the sweeps
leave heartbeats that /healthz reads."""

import datetime
import json
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from core.models import Heartbeat
from grievances import notifications, sms, tasks
from grievances.models import OutboxMessage
from tests.helpers import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_a_complaints_messages_go_out_when_its_transaction_commits(
    file_complaint, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        grievance = file_complaint(now=at(2025, 1, 5))
        assert sms_outbox == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    callbacks[0]()  # the commit: the task runs (eagerly here; a worker in production)
    assert [message.body for message in sms_outbox if grievance.tracking_number in message.body]
    assert sorted(m.to[0] for m in mail.outbox) == ["doict.rangpur@gmail.com", "rahima@example.com"]
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}


def test_a_rolled_back_step_sends_nothing(file_complaint, sms_outbox):
    # The test's own transaction never commits, so no on-commit task runs.
    file_complaint()
    assert sms_outbox == []
    assert OutboxMessage.objects.filter(status="pending").count() == 3


def test_a_message_is_sent_once_however_often_its_task_runs(file_complaint, sms_outbox):
    file_complaint()
    message = OutboxMessage.objects.get(channel="sms")
    now = at(2025, 1, 5, 11)
    assert notifications.send_message(message.pk, now=now) is True
    assert notifications.send_message(message.pk, now=now) is False  # a re-delivered task
    assert tasks.send_messages([message.pk]) == 0
    assert len(sms_outbox) == 1
    assert sms_outbox[0].id == f"outbox-{message.pk}"


def test_the_gateway_gets_the_message_id_as_idempotency_key(settings):
    settings.SMS_GATEWAY_URL = "https://sms.example/send"
    answer = mock.MagicMock(status=200)
    answer.__enter__.return_value = answer
    with mock.patch("urllib.request.urlopen", return_value=answer) as urlopen:
        sms.HttpGatewayBackend().send(sms.SmsMessage(to="8801712345678", body="x", id="outbox-7"))
    request = urlopen.call_args.args[0]
    assert request.get_header("Idempotency-key") == "outbox-7"
    assert json.loads(request.data)["id"] == "outbox-7"


def test_an_email_carries_a_message_id_made_from_its_outbox_id(file_complaint):
    file_complaint()
    notifications.send_due(now=at(2025, 1, 5, 11))
    ids = {message.pk for message in OutboxMessage.objects.filter(channel="email")}
    assert {m.extra_headers["Message-ID"] for m in mail.outbox} == {
        f"<outbox-{pk}@doict.kaunia.rangpur.gov.bd>" for pk in ids
    }


def test_a_message_waiting_for_its_retry_is_left_to_the_sweep(file_complaint, settings):
    settings.SMS_BACKEND = "grievances.tests.test_notifications.BrokenBackend"
    file_complaint()
    message = OutboxMessage.objects.get(channel="sms")
    now = at(2025, 1, 5, 11)
    assert notifications.send_message(message.pk, now=now) is False
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("pending", 1)
    # Its retry is a minute later: a task before then does nothing.
    assert notifications.send_message(message.pk, now=now + datetime.timedelta(seconds=30)) is False
    message.refresh_from_db()
    assert message.attempts == 1


def test_the_sweeps_leave_heartbeats(file_complaint):
    file_complaint()
    tasks.send_due_messages()
    tasks.escalate_overdue_cases()
    assert set(Heartbeat.objects.values_list("name", flat=True)) == {
        "outbox_sweep",
        "escalation_sweep",
    }


def test_the_cron_commands_leave_heartbeats_too():
    call_command("send_outbox", stdout=mock.Mock())
    call_command("escalate_grievances", stdout=mock.Mock())
    assert Heartbeat.objects.count() == 2


def test_a_dry_run_or_a_run_for_another_day_is_not_a_heartbeat():
    call_command("escalate_grievances", "--dry-run", stdout=mock.Mock())
    call_command("escalate_grievances", "--as-of", "2025-01-01", stdout=mock.Mock())
    assert not Heartbeat.objects.exists()


def test_healthz_turns_degraded_when_the_sweep_has_not_run_for_more_than_a_day(client, settings):
    settings.HEARTBEAT_MAX_AGE = {"escalation_sweep": datetime.timedelta(hours=26)}
    assert client.get("/healthz").json()["stale"] == ["escalation_sweep"]  # never ran
    Heartbeat.objects.create(
        name="escalation_sweep", last_success_at=timezone.now() - datetime.timedelta(hours=2)
    )
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok", "cache": "ok"}
    Heartbeat.objects.filter(name="escalation_sweep").update(
        last_success_at=timezone.now() - datetime.timedelta(hours=27)
    )
    response = client.get("/healthz")
    assert response.status_code == 200  # the instance still serves pages
    assert response.json() == {
        "status": "degraded",
        "database": "ok",
        "cache": "ok",
        "stale": ["escalation_sweep"],
    }


def test_development_expects_no_scheduler(client):
    assert client.get("/healthz").json()["status"] == "ok"


def test_a_broker_that_is_down_costs_one_warning_and_the_sweep_sends_later(
    file_complaint, sms_outbox, django_capture_on_commit_callbacks, caplog
):
    with mock.patch.object(
        tasks.send_messages, "delay", side_effect=ConnectionRefusedError("broker down")
    ):
        with django_capture_on_commit_callbacks(execute=True):
            file_complaint(now=at(2025, 1, 5))
    assert sms_outbox == []
    assert "Could not hand send_messages to the worker" in caplog.text
    assert notifications.send_due(now=at(2025, 1, 5, 11)) == (3, 0)
