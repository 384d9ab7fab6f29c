import datetime

import pytest
from django.db import OperationalError
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from core import heartbeat
from grievances.models import OutboxMessage


def _samples(response) -> dict[str, float]:
    """``{'name{label="value"}': value}`` from a scrape."""
    found = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            labels = ",".join(f'{key}="{value}"' for key, value in sorted(sample.labels.items()))
            found[sample.name + (f"{{{labels}}}" if labels else "")] = sample.value
    return found


def _queue(status, *, waited: datetime.timedelta, count=1):
    queued = timezone.now() - waited
    OutboxMessage.objects.bulk_create(
        OutboxMessage(
            channel=OutboxMessage.Channel.SMS,
            recipient="01712345678",
            body="Complaint received",
            status=status,
            created_at=queued,
            next_attempt_at=queued,
        )
        for _ in range(count)
    )


@pytest.mark.django_db
def test_metrics_show_the_outbox_backlog_to_the_scraper_on_this_machine(client):
    _queue(OutboxMessage.Status.PENDING, waited=datetime.timedelta(hours=1))
    _queue(OutboxMessage.Status.PENDING, waited=datetime.timedelta(minutes=5), count=2)
    _queue(OutboxMessage.Status.SENT, waited=datetime.timedelta(days=2), count=4)
    _queue(OutboxMessage.Status.FAILED, waited=datetime.timedelta(days=3))

    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    found = _samples(response)
    assert found["grs_outbox_pending_messages"] == 3
    assert 3600 <= found["grs_outbox_oldest_pending_age_seconds"] < 3700
    assert found["grs_outbox_failed_messages"] == 1
    assert found["grs_escalation_last_success_timestamp_seconds"] == 0  # never ran
    assert found["grs_outbox_sweep_last_success_timestamp_seconds"] == 0


@pytest.mark.django_db
def test_an_empty_outbox_has_no_age(client):
    found = _samples(client.get("/metrics"))
    assert found["grs_outbox_pending_messages"] == 0
    assert found["grs_outbox_oldest_pending_age_seconds"] == 0


@pytest.mark.django_db
def test_requests_latencies_and_errors_are_counted(client, charter):
    client.get("/bn/no-such-page/")
    found = _samples(client.get("/metrics"))
    assert found['django_http_responses_total_by_status_total{status="404"}'] >= 1
    assert found["django_http_requests_latency_including_middlewares_seconds_count"] >= 1


@pytest.mark.django_db
def test_the_last_sweeps_come_from_their_heartbeats(client):
    escalated = datetime.datetime(2027, 3, 1, 0, 15, 42, tzinfo=datetime.UTC)
    heartbeat.beat("escalation_sweep", now=escalated)
    heartbeat.beat("outbox_sweep", now=escalated + datetime.timedelta(minutes=3))

    found = _samples(client.get("/metrics"))
    assert found["grs_escalation_last_success_timestamp_seconds"] == escalated.timestamp()
    assert found["grs_outbox_sweep_last_success_timestamp_seconds"] == escalated.timestamp() + 180


@pytest.mark.django_db
@pytest.mark.parametrize("address", ["203.0.113.9", "10.0.0.5", "2001:db8::1", "not-an-address"])
def test_metrics_are_not_found_from_elsewhere(client, address):
    response = client.get("/metrics", REMOTE_ADDR=address)
    assert response.status_code == 404
    assert b"grs_outbox" not in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP"])
def test_metrics_are_not_found_through_the_proxy_on_the_same_machine(client, header):
    # nginx on this machine connects from 127.0.0.1 but says whom it relays.
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1", **{header: "203.0.113.9"})
    assert response.status_code == 404


@pytest.mark.django_db
def test_the_allowed_networks_are_a_setting(client, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.9.0/24", "fd00::/8"]
    assert client.get("/metrics", REMOTE_ADDR="10.0.9.20").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="fd00::20").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404


@pytest.mark.django_db
def test_without_the_database_the_scrape_still_answers_without_these_gauges(client, monkeypatch):
    def lost(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(OutboxMessage.objects, "filter", lost)
    response = client.get("/metrics")
    assert response.status_code == 200
    found = _samples(response)
    assert "grs_outbox_pending_messages" not in found
    assert any(name.startswith("django_http_") for name in found)
