import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.request_id import JsonFormatter, RequestIdFilter
from grievances.models import Grievance
from tests.helpers import VALID, url

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "charter_site.settings.production",
    "SECRET_KEY": "k3v-9Qz!pL2x#Rt7Wm@4Yb8Nc1Hd6Fj0Sg5Ue^Ai*Oo_Ps+Tq=Vr" * 2,
    "ALLOWED_HOSTS": "grs.example.gov.bd",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/charter",
    "SMS_GATEWAY_URL": "https://sms.example.gov.bd/send",
}


@pytest.fixture
def json_log():
    """What the site logs at production's level (INFO), as production writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)

    def lines() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    yield lines
    root.removeHandler(handler)
    root.setLevel(level)


def _manage(*args, **env):
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**inherited, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.django_db
def test_every_response_carries_a_fresh_request_id(client, charter):
    first, second = client.get("/bn/"), client.get("/bn/")  # the second from the page cache
    assert first.status_code == second.status_code == 200
    assert len(first["X-Request-ID"]) == 32 and int(first["X-Request-ID"], 16) >= 0
    assert second["X-Request-ID"] != first["X-Request-ID"]
    assert client.get("/healthz")["X-Request-ID"]


@pytest.mark.django_db
def test_the_proxy_request_id_is_believed_only_from_a_trusted_proxy(client, charter, settings):
    settings.GRS_TRUSTED_PROXIES = ["10.0.0.0/8"]
    proxy_id = "0f8e2a9c4b7d41e6a3c5d8f1b2e4a6c7"
    from_proxy = client.get("/bn/", HTTP_X_REQUEST_ID=proxy_id, REMOTE_ADDR="10.0.0.2")
    assert from_proxy["X-Request-ID"] == proxy_id
    from_anyone = client.get("/bn/", HTTP_X_REQUEST_ID=proxy_id, REMOTE_ADDR="203.0.113.9")
    assert from_anyone["X-Request-ID"] != proxy_id


@pytest.mark.django_db
@pytest.mark.parametrize(
    "forged", ["abc", "x" * 129, "id with spaces", 'a1b2c3d4"}\n{"level":"ERROR', "০১২৩৪৫৬৭৮৯"]
)
def test_a_malformed_proxy_request_id_is_replaced(client, charter, settings, forged):
    settings.GRS_TRUSTED_PROXIES = ["10.0.0.0/8"]
    response = client.get("/bn/", HTTP_X_REQUEST_ID=forged, REMOTE_ADDR="10.0.0.2")
    assert response["X-Request-ID"] != forged
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_a_complaint_leaves_json_log_lines_with_its_request_id_and_no_personal_data(
    client, charter, json_log
):
    form = {**VALID, "description": "The clerk at desk 4 asked me for money twice."}
    response = client.post(url("grievances:new", "en"), form)
    assert response.status_code == 302
    grievance = Grievance.objects.get()

    lines = json_log()
    request_lines = [line for line in lines if line["logger"] == "core.requests"]
    assert request_lines, lines
    posted = request_lines[-1]
    assert posted["request_id"] == response["X-Request-ID"]
    assert posted["method"] == "POST" and posted["status"] == 302
    assert posted["path"] == url("grievances:new", "en")
    assert {"time", "level", "message", "duration_ms"} <= posted.keys()

    written = json.dumps(lines, ensure_ascii=False)
    for personal in (
        grievance.name,
        grievance.mobile,
        grievance.mobile[-8:],
        grievance.id_number,
        grievance.email,
        grievance.permanent_address,
        form["description"],
        form["subject"],
    ):
        assert personal not in written


@pytest.mark.django_db
def test_the_search_words_stay_out_of_the_log(client, charter, json_log):
    client.get(url("services:search", "bn") + "?q=Rahima+Begum+01712345678")
    written = json.dumps(json_log(), ensure_ascii=False)
    assert "search" in written
    assert "Rahima" not in written and "01712345678" not in written


@pytest.mark.django_db
def test_djangos_not_found_warning_carries_the_request_id(client, charter, json_log):
    response = client.get("/bn/no-such-page/")
    assert response.status_code == 404
    warnings = [line for line in json_log() if line["logger"] == "django.request"]
    assert warnings and warnings[0]["request_id"] == response["X-Request-ID"]


def test_a_line_outside_any_request_says_so(json_log):
    logging.getLogger("grievances.notifications").warning("Outbox message %s failed", 7)
    (line,) = json_log()
    assert line["request_id"] == "-"
    assert line["message"] == "Outbox message 7 failed"
    assert line["level"] == "WARNING"


def test_production_writes_json_lines_to_stdout():
    result = _manage(
        "shell",
        "--no-imports",
        "-c",
        "import logging; logging.getLogger('grievances').info('swept %s', 3)",
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stderr
    (line,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert line["message"] == "swept 3" and line["level"] == "INFO"
    assert line["request_id"] == "-"


def test_an_unknown_log_format_stops_the_site_from_starting():
    result = _manage("check", LOG_FORMAT="xml")
    assert result.returncode != 0
    assert "LOG_FORMAT" in result.stderr
