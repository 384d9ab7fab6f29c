"""A citizen's access to a case ends after half an hour without use and on "sign out of this
case" (a shared computer at a union digital centre), while the session itself lasts."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from grievances import views
from grievances.models import Grievance
from tests.helpers import VALID, url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

IDLE = datetime.timedelta(seconds=views.CASE_IDLE_SECONDS)


class Clock:
    """``timezone.now`` under the test's control."""

    def __init__(self, monkeypatch):
        self.now = timezone.now()
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def advance(self, delta: datetime.timedelta) -> None:
        self.now += delta


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def filed(charter, clock):
    """A browser that has just filed a complaint: (client, grievance)."""
    client = Client()
    assert client.post(url("grievances:new", "en"), VALID).status_code == 302
    return client, Grievance.objects.get()


def pages(grievance):
    number = grievance.tracking_number
    return (
        url("grievances:receipt", "en", tracking_number=number),
        url("grievances:case", "en", tracking_number=number),
    )


def test_use_keeps_the_case_open_and_half_an_hour_idle_closes_it(filed, clock):
    client, grievance = filed
    receipt, case = pages(grievance)
    for _ in range(3):  # used every 20 minutes: an hour in all, still open
        clock.advance(datetime.timedelta(minutes=20))
        assert client.get(case).status_code == 200
    clock.advance(IDLE + datetime.timedelta(seconds=1))
    closed = client.get(case)
    assert closed.status_code == 302 and closed["Location"] == url("grievances:track", "en")
    assert "signed out of the complaint" in client.get(closed["Location"]).content.decode()
    assert client.get(receipt).status_code == 302  # the receipt went idle too
    appeal = client.post(
        url("grievances:appeal", "en", tracking_number=grievance.tracking_number), {"reason": "x"}
    )
    assert appeal.status_code == 302 and appeal["Location"] == url("grievances:track", "en")
    # The numbers open it again.
    again = client.post(
        url("grievances:track", "en"),
        {"tracking_number": grievance.tracking_number, "mobile": VALID["mobile"]},
    )
    assert again.status_code == 302 and again["Location"] == case
    assert client.get(case).status_code == 200


def test_just_under_half_an_hour_is_not_idle(filed, clock):
    client, grievance = filed
    _receipt, case = pages(grievance)
    clock.advance(IDLE - datetime.timedelta(seconds=1))
    assert client.get(case).status_code == 200


def test_sign_out_of_this_case_from_the_case_page_and_the_receipt(filed, clock):
    client, grievance = filed
    receipt, case = pages(grievance)
    sign_out = url("grievances:sign_out", "en", tracking_number=grievance.tracking_number)
    for page in (receipt, case):
        html = client.get(page).content.decode()
        assert f'action="{sign_out}"' in html and 'method="post"' in html
    assert client.get(sign_out).status_code == 405  # only the button's POST signs out
    response = client.post(sign_out)
    assert response.status_code == 302 and response["Location"] == url("grievances:track", "en")
    assert "signed out of the complaint" in client.get(response["Location"]).content.decode()
    assert client.get(case).status_code == 404
    assert client.get(receipt).status_code == 404
    # Signing out of a case this browser never had changes nothing and says nothing about it.
    other = Client().post(sign_out)
    assert other.status_code == 302


def test_signing_out_of_one_case_leaves_the_others_open(charter, clock):
    client = Client()
    for subject in ("First", "Second"):
        data = {**VALID, "subject": subject}
        assert client.post(url("grievances:new", "en"), data).status_code == 302
    first, second = Grievance.objects.order_by("pk")
    client.post(url("grievances:sign_out", "en", tracking_number=first.tracking_number))
    assert client.get(pages(first)[1]).status_code == 404
    assert client.get(pages(second)[1]).status_code == 200


def test_a_session_from_before_last_used_times_reads_as_idle(file_complaint, clock):
    grievance = file_complaint()
    client = Client()
    session = client.session
    session[views.TRACKED_SESSION_KEY] = [grievance.tracking_number]
    session.save()
    response = client.get(pages(grievance)[1])
    assert response.status_code == 302 and response["Location"] == url("grievances:track", "en")


def test_the_session_cookie_still_lasts_fourteen_days(settings, filed):
    assert settings.SESSION_COOKIE_AGE == 14 * 24 * 3600
    client, _grievance = filed
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == settings.SESSION_COOKIE_AGE
