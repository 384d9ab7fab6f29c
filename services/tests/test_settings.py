import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args, **env):
    # Browser tests set DJANGO_ALLOW_ASYNC_UNSAFE, which check --deploy rightly warns about.
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**inherited, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_without_warnings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="charter_site.settings.production",
        SECRET_KEY="k3v-9Qz!pL2x#Rt7Wm@4Yb8Nc1Hd6Fj0Sg5Ue^Ai*Oo_Ps+Tq=Vr" * 2,
        ALLOWED_HOSTS="grs.example.gov.bd",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/charter",
        SMS_GATEWAY_URL="https://sms.example.gov.bd/send",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage(
        "check",
        DJANGO_SETTINGS_MODULE="charter_site.settings.production",
        SECRET_KEY="",
        ALLOWED_HOSTS="grs.example.gov.bd",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/charter",
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_pages_carry_a_strict_content_security_policy(client, charter):
    policy = client.get("/bn/")["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_production_refuses_to_start_without_an_sms_gateway():
    result = _manage(
        "check",
        DJANGO_SETTINGS_MODULE="charter_site.settings.production",
        SECRET_KEY="k3v-9Qz!pL2x#Rt7Wm@4Yb8Nc1Hd6Fj0Sg5Ue^Ai*Oo_Ps+Tq=Vr" * 2,
        ALLOWED_HOSTS="grs.example.gov.bd",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/charter",
        SMS_GATEWAY_URL="",
    )
    assert result.returncode != 0
    assert "SMS_GATEWAY_URL" in result.stderr
