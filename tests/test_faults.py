"""Faults: the database down, the mail server and SMS gateway down, a disk that fails while
storing an attachment, and the same form sent twice."""

import datetime
import re
from unittest import mock

import pytest
from django.contrib.sessions.exceptions import SessionInterrupted
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail.backends.base import BaseEmailBackend
from django.db import InterfaceError, OperationalError
from django.test import Client, RequestFactory
from django.utils import timezone, translation

from core.middleware import server_error
from grievances import notifications, sms, workflow
from grievances.models import Attachment, Grievance, OutboxMessage, TimelineEntry
from tests.helpers import PDF, VALID, image_bytes, stored, url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media", "sms_outbox")]


# --- The database down ---


def database_down(error=OperationalError):
    """Every query fails, as when PostgreSQL is stopped or the network to it is cut."""
    return mock.patch(
        "django.db.backends.utils.CursorWrapper.execute",
        side_effect=error("could not connect to server: Connection refused"),
    )


@pytest.mark.parametrize(
    ("language", "title"),
    [("bn", "The site is briefly unavailable"), ("en", "The site is briefly unavailable")],
)
@pytest.mark.parametrize(
    "path",
    ["/{lang}/", "/{lang}/services/", "/{lang}/complaints/new/", "/{lang}/complaints/track/"],
)
def test_with_the_database_down_public_pages_answer_a_plain_503(charter, language, title, path):
    client = Client(raise_request_exception=False)
    cache.clear()  # nothing of the charter kept from before the database went down
    with database_down():
        response = client.get(path.format(lang=language))
    assert response.status_code == 503
    assert response["Retry-After"] == "120"
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    with translation.override(language):
        assert translation.gettext(title) in html
    assert "Traceback" not in html and "OperationalError" not in html
    assert "Connection refused" not in html


def test_with_the_database_down_a_complaint_post_answers_503_and_says_to_send_it_again(charter):
    client = Client(raise_request_exception=False)
    with database_down(InterfaceError):
        response = client.post(url("grievances:new", "en"), VALID)
    assert response.status_code == 503
    assert "send the same form again later" in response.content.decode()


def test_a_page_cached_before_the_database_went_down_is_still_served(charter):
    client = Client()
    assert client.get("/en/services/").status_code == 200
    with database_down():
        response = client.get("/en/services/")
    assert response.status_code == 200


def test_a_database_error_outside_any_view_is_a_503_too(charter):
    request = RequestFactory().get("/bn/services/")
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503
    assert '<html lang="bn">' in response.content.decode()


def test_any_other_error_is_a_plain_500_without_a_traceback(charter):
    request = RequestFactory().get("/en/")
    try:
        raise KeyError("secret detail")
    except KeyError:
        response = server_error(request)
    assert response.status_code == 500
    assert "secret detail" not in response.content.decode()


# --- Mail server and SMS gateway down ---


class DownEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("SMTP server down")


class DownSmsBackend(sms.BaseSmsBackend):
    def send(self, message):
        raise sms.SmsError("gateway unreachable")


def test_with_mail_and_sms_down_the_complaint_is_saved_and_the_messages_go_later(
    client, charter, settings
):
    settings.EMAIL_BACKEND = "tests.test_faults.DownEmailBackend"
    settings.SMS_BACKEND = "tests.test_faults.DownSmsBackend"
    response = client.post(url("grievances:new", "en"), VALID)
    assert response.status_code == 302
    grievance = Grievance.objects.get()
    now = timezone.now()
    sent, failed = notifications.send_due(now=now)
    assert (sent, failed) == (0, 3)  # SMS and e-mail to the complainant, e-mail to the GRO
    pending = OutboxMessage.objects.filter(grievance=grievance)
    assert {m.status for m in pending} == {OutboxMessage.Status.PENDING}
    assert all(m.next_attempt_at > now for m in pending)

    # The gateway and the mail server come back; the next run sends everything once.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SMS_BACKEND = "grievances.sms.LocmemBackend"
    later = now + datetime.timedelta(hours=1)
    assert notifications.send_due(now=later) == (3, 0)
    assert notifications.send_due(now=later) == (0, 0)
    assert [m.to for m in sms.outbox] == ["8801712345678"]
    assert sorted(m.to[0] for m in mail.outbox) == ["doict.rangpur@gmail.com", VALID["email"]]


# --- A failure while storing an attachment ---


def test_a_disk_failure_on_the_second_attachment_rolls_the_whole_complaint_back(
    client, charter, private_media
):
    from grievances.models import PrivateFileSystemStorage

    real_save = PrivateFileSystemStorage._save
    calls = []

    def failing_save(self, name, content):
        calls.append(name)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_save(self, name, content)

    files = [
        SimpleUploadedFile("a.pdf", PDF),
        SimpleUploadedFile("b.jpg", image_bytes()),
    ]
    before = stored(private_media)
    with mock.patch.object(PrivateFileSystemStorage, "_save", failing_save):
        response = client.post(url("grievances:new", "en"), {**VALID, "attachments": files})
    assert response.status_code == 200
    assert "The attachments could not be stored, so the complaint was not saved" in (
        response.content.decode()
    )
    assert len(calls) == 2
    assert stored(private_media) == before == (0, 0, 0, 0, 0)


def test_a_failure_after_the_files_are_written_leaves_no_stray_file(charter, private_media):
    from grievances.attachments import CleanAttachment

    upload = CleanAttachment(original_name="a.pdf", content_type="application/pdf", data=PDF)
    with (
        mock.patch.object(notifications, "queue_for_step", side_effect=RuntimeError("boom")),
        pytest.raises(RuntimeError),
    ):
        workflow.submit(
            office=charter.office,
            complaint_type="citizen",
            subject="s",
            description="d",
            mobile="01712345678",
            name="n",
            attachments=[upload, upload],
        )
    assert stored(private_media) == (0, 0, 0, 0, 0)


# --- The same form sent twice ---


def token_of(client, language="en") -> str:
    html = client.get(url("grievances:new", language)).content.decode()
    return re.search(r'name="submission_token" value="([^"]+)"', html).group(1)


def test_each_form_gets_its_own_one_time_token(client, charter):
    assert token_of(client) != token_of(client)


def test_a_double_click_or_refresh_stores_one_complaint_and_shows_the_same_receipt(
    client, charter, private_media
):
    data = {**VALID, "submission_token": token_of(client)}
    first = client.post(url("grievances:new", "en"), data)
    again = client.post(url("grievances:new", "en"), data)
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert Grievance.objects.count() == 1
    assert TimelineEntry.objects.count() == 1
    assert client.get(again["Location"]).status_code == 200


def test_a_resend_with_attachments_stores_the_files_once(client, charter, private_media):
    token = token_of(client)
    for _attempt in range(3):
        files = [SimpleUploadedFile("a.pdf", PDF)]
        data = {**VALID, "submission_token": token, "attachments": files}
        assert client.post(url("grievances:new", "en"), data).status_code == 302
    assert stored(private_media)[:2] == (1, 1)
    assert stored(private_media)[4] == 1


def test_a_corrected_form_keeps_its_token_and_is_stored_once(client, charter):
    token = token_of(client)
    wrong = client.post(
        url("grievances:new", "en"), {**VALID, "mobile": "123", "submission_token": token}
    )
    assert f'value="{token}"' in wrong.content.decode()
    for _attempt in range(2):
        client.post(url("grievances:new", "en"), {**VALID, "submission_token": token})
    assert Grievance.objects.count() == 1


def test_a_new_form_is_a_new_complaint(client, charter):
    for _attempt in range(2):
        data = {**VALID, "submission_token": token_of(client)}
        client.post(url("grievances:new", "en"), data)
    assert Grievance.objects.count() == 2


def test_a_forged_token_is_ignored_not_trusted(client, charter):
    data = {**VALID, "submission_token": "../../etc/passwd"}
    client.post(url("grievances:new", "en"), data)
    assert Grievance.objects.get().submission_token != "../../etc/passwd"


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_posts_of_one_form_store_one_complaint(charter):
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent transactions")
    token = token_of(Client())
    results = []

    def send():
        try:
            response = Client().post(
                url("grievances:new", "en"), {**VALID, "submission_token": token}
            )
            results.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [302] * 4
    assert Grievance.objects.count() == 1
    assert Attachment.objects.count() == 0


def test_with_the_database_down_the_home_page_is_served_from_the_cached_charter(charter):
    client = Client(raise_request_exception=False)
    cache.clear()
    assert client.get("/bn/complaints/track/").status_code == 200  # caches the charter
    with database_down():
        response = client.get("/bn/")
    assert response.status_code == 200
    assert charter.office.name_bn in response.content.decode()


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_a_database_lost_while_the_form_is_rendered_answers_503(charter, error):
    client = Client(raise_request_exception=False)
    client.get("/bn/complaints/new/")  # the charter is cached; the form's own queries remain
    lost = error("server closed the connection unexpectedly")
    with mock.patch("django.forms.models.ModelChoiceIterator.__iter__", side_effect=lost):
        response = client.get("/bn/complaints/new/")
    assert response.status_code == 503
    assert '<html lang="bn">' in response.content.decode()


def test_a_database_lost_while_the_session_is_saved_answers_503_not_a_bare_400(charter):
    # The complaint is committed; saving the session afterwards hits the dead connection,
    # which Django reports as SessionInterrupted (400).
    client = Client(raise_request_exception=False)
    client.get("/bn/complaints/new/")
    with mock.patch(
        "django.contrib.sessions.backends.db.SessionStore.save",
        side_effect=SessionInterrupted("The request's session was deleted before it completed."),
    ) as save:
        save.side_effect.__context__ = OperationalError("server closed the connection")
        response = client.post(url("grievances:new", "bn"), VALID)
    assert response.status_code == 503
    assert '<html lang="bn">' in response.content.decode()
    assert Grievance.objects.count() == 1  # stored before the session was saved


def test_a_driver_error_that_django_did_not_wrap_answers_503(charter):
    from django.db import connection

    client = Client(raise_request_exception=False)
    client.get("/bn/complaints/new/")
    lost = connection.Database.OperationalError("server closed the connection unexpectedly")
    with mock.patch("django.forms.models.ModelChoiceIterator.__iter__", side_effect=lost):
        response = client.get("/bn/complaints/new/")
    assert response.status_code == 503


def test_any_other_bad_request_is_a_plain_400_page_in_the_page_language(charter):
    client = Client(raise_request_exception=False)
    response = client.get("/bn/complaints/new/", HTTP_HOST="bad host name")
    assert response.status_code == 400
    assert '<html lang="bn">' in response.content.decode()
