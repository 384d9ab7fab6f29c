"""The client's address for the rate limits: a proxy's header is believed only from a trusted
proxy, and in a list only the part the trusted proxies wrote."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import RequestFactory

from core.ratelimit import client_ip
from tests.helpers import url

ROOT = Path(__file__).resolve().parents[2]
PROXY = "127.0.0.1"
CLIENT = "198.51.100.7"
SPOOFED = "192.0.2.66"


def address(remote_addr, **headers) -> str:
    return client_ip(RequestFactory().get("/", REMOTE_ADDR=remote_addr, **headers))


@pytest.fixture
def real_ip(settings):
    settings.GRS_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    settings.GRS_TRUSTED_PROXIES = ["127.0.0.1/32", "10.0.0.0/8", "2001:db8::/32"]


@pytest.fixture
def forwarded_for(settings):
    settings.GRS_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.GRS_TRUSTED_PROXIES = ["127.0.0.1/32", "10.0.0.0/8"]


def test_by_default_the_socket_address_is_the_client(settings):
    assert settings.GRS_CLIENT_IP_HEADER == "REMOTE_ADDR"
    assert address(CLIENT, HTTP_X_REAL_IP=SPOOFED, HTTP_X_FORWARDED_FOR=SPOOFED) == CLIENT


def test_with_no_trusted_proxy_the_header_is_never_believed(settings):
    settings.GRS_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    settings.GRS_TRUSTED_PROXIES = []
    assert address(PROXY, HTTP_X_REAL_IP=SPOOFED) == PROXY


def test_a_spoofed_x_real_ip_from_an_untrusted_address_is_ignored(real_ip):
    assert address(CLIENT, HTTP_X_REAL_IP=SPOOFED) == CLIENT


def test_x_real_ip_from_a_trusted_proxy_is_the_client(real_ip):
    assert address(PROXY, HTTP_X_REAL_IP=CLIENT) == CLIENT
    assert address("10.1.2.3", HTTP_X_REAL_IP=CLIENT) == CLIENT
    assert address("2001:db8::5", HTTP_X_REAL_IP="2001:DB8:0:0::1:0") == "2001:db8::1:0"
    # A dual-stack socket shows the IPv4 proxy as ::ffff:127.0.0.1.
    assert address("::ffff:127.0.0.1", HTTP_X_REAL_IP=CLIENT) == CLIENT


def test_x_forwarded_for_gives_the_address_the_proxy_appended(forwarded_for):
    # The client sent "X-Forwarded-For: spoofed"; nginx appended the address it saw.
    assert address(PROXY, HTTP_X_FORWARDED_FOR=f"{SPOOFED}, {CLIENT}") == CLIENT


def test_through_two_trusted_proxies_the_right_most_untrusted_address_is_the_client(
    forwarded_for,
):
    chain = f"{SPOOFED}, {CLIENT}, 10.0.0.2"
    assert address("10.0.0.1", HTTP_X_FORWARDED_FOR=chain) == CLIENT


def test_garbage_the_client_wrote_left_of_its_address_does_not_matter(forwarded_for):
    assert address(PROXY, HTTP_X_FORWARDED_FOR=f"<script>, unknown, {CLIENT}") == CLIENT


def test_a_client_inside_the_trusted_network_is_the_left_most_hop(forwarded_for):
    assert address(PROXY, HTTP_X_FORWARDED_FOR="10.0.0.9, 10.0.0.2") == "10.0.0.9"


def test_x_forwarded_for_from_an_untrusted_address_is_ignored(forwarded_for):
    assert address(CLIENT, HTTP_X_FORWARDED_FOR=f"{SPOOFED}, 10.0.0.2") == CLIENT


@pytest.mark.parametrize(
    "value",
    ["", "   ", "not-an-address", "198.51.100.7:5555", "999.1.1.1", "198.51.100.7 garbage", ","],
)
def test_a_malformed_x_real_ip_falls_back_to_the_socket_address(real_ip, value):
    assert address(PROXY, HTTP_X_REAL_IP=value) == PROXY


@pytest.mark.parametrize("value", [f"{CLIENT}, garbage", f"{CLIENT},", "garbage, 10.0.0.2"])
def test_a_malformed_x_forwarded_for_falls_back_to_the_socket_address(forwarded_for, value):
    assert address(PROXY, HTTP_X_FORWARDED_FOR=value) == PROXY


def test_a_missing_header_falls_back_to_the_socket_address(real_ip):
    assert address(PROXY) == PROXY


@pytest.mark.django_db
def test_a_new_spoofed_address_per_request_does_not_escape_the_tracking_limit(
    client, charter, settings, real_ip
):
    limit = 3  # below track_mobile's, so that the address is what refuses
    settings.GRS_RATE_LIMITS = {**settings.GRS_RATE_LIMITS, "track_ip": (limit, 3600)}
    miss = {"tracking_number": "GRS-2025-AAAAAA", "mobile": "01700000000"}
    statuses = [
        client.post(
            url("grievances:track", "en"),
            miss,
            REMOTE_ADDR=CLIENT,
            HTTP_X_REAL_IP=f"192.0.2.{attempt}",
        ).status_code
        for attempt in range(limit + 1)
    ]
    assert statuses == [200] * limit + [429]


def _check(**env):
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**inherited, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_malformed_trusted_network_stops_the_site_from_starting():
    result = _check(GRS_TRUSTED_PROXIES="127.0.0.1/32,10.0.0.0/33")
    assert result.returncode != 0
    assert "GRS_TRUSTED_PROXIES" in result.stderr


def test_production_refuses_a_client_address_header_without_trusted_proxies():
    result = _check(
        DJANGO_SETTINGS_MODULE="charter_site.settings.production",
        SECRET_KEY="k3v-9Qz!pL2x#Rt7Wm@4Yb8Nc1Hd6Fj0Sg5Ue^Ai*Oo_Ps+Tq=Vr" * 2,
        ALLOWED_HOSTS="grs.example.gov.bd",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/charter",
        SMS_GATEWAY_URL="https://sms.example.gov.bd/send",
        GRS_CLIENT_IP_HEADER="HTTP_X_REAL_IP",
        GRS_TRUSTED_PROXIES="",
    )
    assert result.returncode != 0
    assert "GRS_TRUSTED_PROXIES" in result.stderr
