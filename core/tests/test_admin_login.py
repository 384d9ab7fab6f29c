"""The admin login throttle counts failures per account, however its name is spelled."""

import pytest
from django.test import Client

from core.admin_login import login_identity

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
THROTTLED = "Too many failed logins. Wait 15 minutes and try again."
FULLWIDTH = "ｇｒｏ_kaunia"  # fullwidth g, r, o: NFKC makes it gro_kaunia


def login(client, username, password, address="192.0.2.1"):
    return client.post(
        "/admin/login/",
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
        HTTP_ACCEPT_LANGUAGE="en",
    )


def logged_in(response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.client.session


@pytest.fixture
def staff(django_user_model):
    def make(username):
        return django_user_model.objects.create_user(username, password=PASSWORD, is_staff=True)

    return make


@pytest.fixture
def limit(settings):
    return settings.GRS_RATE_LIMITS["admin_login_user"][0]


def test_authentication_reads_a_fullwidth_name_as_the_plain_one(client, staff):
    # Why spelling matters: Django normalises the typed name (NFKC) before looking it up.
    staff("gro_kaunia")
    assert logged_in(login(client, FULLWIDTH, PASSWORD))


@pytest.mark.parametrize("spelling", [FULLWIDTH, "GRO_KAUNIA", " gro_kaunia "])
def test_after_the_limit_every_spelling_of_the_name_is_refused(client, staff, limit, spelling):
    staff("gro_kaunia")
    for attempt in range(limit):
        wrong = login(client, "gro_kaunia", f"guess {attempt}", address=f"198.51.100.{attempt}")
        assert THROTTLED not in wrong.content.decode()
    refused = login(Client(), spelling, PASSWORD, address="203.0.113.9")
    assert not logged_in(refused)
    assert THROTTLED in refused.content.decode()


def test_failures_typed_in_different_spellings_count_together(client, staff, limit):
    staff("gro_kaunia")
    spellings = ["gro_kaunia", FULLWIDTH, "GRO_Kaunia", "ＧＲＯ_ＫＡＵＮＩＡ"]
    for attempt in range(limit):
        login(client, spellings[attempt % len(spellings)], "wrong", address=f"198.51.100.{attempt}")
    refused = login(Client(), "gro_kaunia", PASSWORD, address="203.0.113.9")
    assert THROTTLED in refused.content.decode()
    assert not logged_in(refused)


def test_another_user_is_not_affected(client, staff, limit):
    staff("gro_kaunia")
    staff("ao_rangpur")
    for attempt in range(limit):
        login(client, "gro_kaunia", "wrong", address=f"198.51.100.{attempt}")
    assert logged_in(login(Client(), "ao_rangpur", PASSWORD, address="203.0.113.9"))


def test_the_throttle_holds_with_the_cache_down(client, staff, limit, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": settings.REDIS_CACHE_OPTIONS,
        }
    }
    staff("gro_kaunia")
    staff("ao_rangpur")
    for attempt in range(limit):
        login(client, "gro_kaunia", "wrong", address=f"198.51.100.{attempt}")
    refused = login(Client(), FULLWIDTH, PASSWORD, address="203.0.113.9")
    assert THROTTLED in refused.content.decode()
    assert logged_in(login(Client(), "ao_rangpur", PASSWORD, address="203.0.113.9"))


@pytest.mark.parametrize(
    ("typed", "identity"),
    [
        ("gro_kaunia", "gro_kaunia"),
        (FULLWIDTH, "gro_kaunia"),
        ("GRO_KAUNIA", "gro_kaunia"),
        ("  Gro_Kaunia\t", "gro_kaunia"),
        ("ﬁeld_oﬃcer", "field_officer"),  # ligatures
        ("STRAẞE", "strasse"),  # casefold, not lower
    ],
)
def test_login_identity(typed, identity):
    assert login_identity(typed) == identity
