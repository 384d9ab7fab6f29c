"""Losing the cache (Redis) slows the site down, it does not stop it: pages render
uncached, the charter comes from the database, rate limits are counted per process, and
``/healthz`` says "degraded" while the instance keeps serving."""

import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
import redis
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.core.files.uploadedfile import SimpleUploadedFile

from core import cache as shared_cache
from core import ratelimit
from grievances.models import Attachment, Grievance
from services.models import Service
from tests.helpers import VALID, image_bytes, url

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1
LIVE_REDIS = "redis://127.0.0.1:6379/5"  # the shared test Redis; only db 5 is ours


def redis_cache(settings, location):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": location,
            "OPTIONS": settings.REDIS_CACHE_OPTIONS,
        }
    }
    # Changing the setting has replaced the cache (and reset the back-off state).
    assert isinstance(caches["default"], RedisCache)
    assert not shared_cache.is_down()


@pytest.fixture(scope="module")
def production_settings() -> dict:
    """What the production settings module configures, read in a process of its own."""
    script = (
        "import json; from django.conf import settings; "
        "print(json.dumps({'session': settings.SESSION_ENGINE, "
        "'options': settings.CACHES['default'].get('OPTIONS', {})}))"
    )
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env={
            **inherited,
            "DJANGO_SETTINGS_MODULE": "charter_site.settings.production",
            "SECRET_KEY": "k3v-9Qz!pL2x#Rt7Wm@4Yb8Nc1Hd6Fj0Sg5Ue^Ai*Oo_Ps+Tq=Vr" * 2,
            "ALLOWED_HOSTS": "grs.example.gov.bd",
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/charter",
            "SMS_GATEWAY_URL": "https://sms.example.gov.bd/send",
            "GRS_CLIENT_IP_HEADER": "REMOTE_ADDR",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def cache_down(settings, production_settings):
    """The production session engine, and a Redis cache on a port where nothing listens."""
    settings.SESSION_ENGINE = production_settings["session"]
    redis_cache(settings, DEAD_REDIS)
    yield
    shared_cache.reset()


def test_production_keeps_sessions_off_the_cache_and_gives_up_on_redis_quickly(
    production_settings,
):
    assert production_settings["session"] == "django.contrib.sessions.backends.db"
    assert production_settings["options"]["socket_connect_timeout"] <= 0.5
    assert production_settings["options"]["socket_timeout"] <= 1


def test_with_the_cache_down_the_whole_public_journey_works(
    client, charter, cache_down, private_media
):
    for path in ["/bn/", "/bn/services/", "/bn/services/citizen/1/", "/bn/grs/"]:
        for _ in range(2):  # the second time too: nothing was stored, nothing is served stale
            response = client.get(path)
            assert response.status_code == 200, path
            assert '<html lang="bn">' in response.content.decode()
    for path in ["/open311/v2/services.json", "/open311/v2/requests.json"]:
        assert client.get(path).status_code == 200, path

    # File a complaint with an attachment.
    form = client.get("/bn/complaints/new/")
    assert form.status_code == 200
    token = re.search(r'name="submission_token" value="([^"]+)"', form.content.decode()).group(1)
    photo = SimpleUploadedFile("photo.jpg", image_bytes(), content_type="image/jpeg")
    response = client.post(
        "/bn/complaints/new/", {**VALID, "submission_token": token, "attachments": [photo]}
    )
    assert response.status_code == 302
    grievance = Grievance.objects.get()
    assert grievance.subject == VALID["subject"]
    assert Attachment.objects.filter(grievance=grievance).count() == 1

    # The receipt: the session (in the database) remembers this browser filed it.
    receipt = client.get(response["Location"])
    assert receipt.status_code == 200
    assert grievance.tracking_number in receipt.content.decode()

    # Track it from another browser.
    other = type(client)()
    found = other.post(
        url("grievances:track", "bn"),
        {"tracking_number": grievance.tracking_number, "mobile": VALID["mobile"]},
    )
    assert found.status_code == 302
    case = other.get(found["Location"])
    assert case.status_code == 200
    assert grievance.tracking_number in case.content.decode()


def test_with_the_cache_down_staff_still_log_in(client, charter, cache_down, django_user_model):
    django_user_model.objects.create_user(
        "gro_kaunia", password="correct horse battery", is_staff=True
    )
    response = client.post(
        "/admin/login/",
        {"username": "gro_kaunia", "password": "correct horse battery", "next": "/admin/"},
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_with_the_cache_down_healthz_says_degraded_but_serving(client, cache_down):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "cache": "down"}


def test_with_the_cache_up_healthz_says_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


@pytest.fixture
def live_redis(settings):
    try:
        redis.Redis.from_url(LIVE_REDIS, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    redis_cache(settings, LIVE_REDIS)
    caches["default"].clear()  # database 5 only
    yield
    redis_cache(settings, LIVE_REDIS)
    caches["default"].clear()


def test_with_redis_up_healthz_says_ok_and_after_an_outage_ok_again(client, settings, live_redis):
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok", "cache": "ok"}
    redis_cache(settings, DEAD_REDIS)
    assert client.get("/healthz").json()["cache"] == "down"
    redis_cache(settings, LIVE_REDIS)
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_an_edit_made_while_the_cache_was_down_shows_once_it_is_back(
    client, charter, settings, live_redis
):
    service = Service.objects.get(category="citizen", serial=4)
    assert client.get("/en/services/citizen/").status_code == 200  # stored in Redis
    redis_cache(settings, DEAD_REDIS)
    service.name_en = "Renamed while Redis was away"
    service.save()  # the version cannot be bumped now
    assert "Renamed while Redis was away" in client.get("/en/services/citizen/").content.decode()
    redis_cache(settings, LIVE_REDIS)  # back, with the page made before the edit
    assert "Renamed while Redis was away" in client.get("/en/services/citizen/").content.decode()


def test_a_dead_cache_is_tried_once_per_back_off_and_logged_once(
    client, charter, cache_down, caplog
):
    connect = redis.connection.AbstractConnection.connect
    with (
        mock.patch.object(
            redis.connection.AbstractConnection, "connect", autospec=True, side_effect=connect
        ) as attempts,
        caplog.at_level(logging.WARNING, logger="core"),
    ):
        for _ in range(5):
            assert client.get("/bn/services/").status_code == 200
    assert attempts.call_count == 1
    outages = [r for r in caplog.records if r.name == "core.cache"]
    assert len(outages) == 1
    assert "Cache unavailable" in outages[0].getMessage()


def test_with_the_cache_down_the_rate_limits_still_refuse(client, charter, cache_down, settings):
    settings.GRS_RATE_LIMITS = {**settings.GRS_RATE_LIMITS, "track_ip": (3, 3600)}
    miss = {"tracking_number": "GRS-2025-AAAAAA", "mobile": "01700000000"}
    for _ in range(3):
        assert client.post(url("grievances:track", "en"), miss).status_code == 200
    refused = client.post(url("grievances:track", "en"), miss)
    assert refused.status_code == 429
    # Another address has its own count.
    other = client.post(url("grievances:track", "en"), miss, REMOTE_ADDR="198.51.100.7")
    assert other.status_code == 200


def test_the_per_process_limiter_counts_each_key_in_its_window(cache_down, settings):
    settings.GRS_RATE_LIMITS = {**settings.GRS_RATE_LIMITS, "submit_mobile": (2, 3600)}
    assert ratelimit.allow("submit_mobile", "01711111111")
    assert ratelimit.allow("submit_mobile", "01711111111")
    assert not ratelimit.allow("submit_mobile", "01711111111")
    assert ratelimit.exceeded("submit_mobile", "01711111111")
    assert not ratelimit.exceeded("submit_mobile", "01722222222")
    assert ratelimit.allow("submit_mobile", "01722222222")
    # The window ends: counting starts again.
    with mock.patch("core.ratelimit.time.monotonic", return_value=10**9):
        assert ratelimit.allow("submit_mobile", "01711111111")


def test_the_per_process_limiter_holds_a_bounded_number_of_counters(settings):
    counter = ratelimit._ProcessCounter()
    counter.MAX_KEYS = 3
    for key in "abcd":
        counter.count(key, 60)
    assert counter.peek("a") == 0  # the oldest went
    assert [counter.peek(key) for key in "bcd"] == [1, 1, 1]
