"""Two app servers, as production runs them behind a load balancer: two gunicorn instances
with the production settings, each in a working directory of its own with no shared disk,
sharing only PostgreSQL, Redis and the attachments' S3 bucket (a local moto server).

What one server does, the other sees: a complaint and its attachment filed through the
first are read by staff through the second's admin; a login through the first holds on
the second; a charter edit through the second clears the page the first had cached; failed
logins on both count towards one limit.
"""

import io
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from html.parser import HTMLParser
from pathlib import Path

import pytest
import redis
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from PIL import Image

from grievances.models import Attachment, Grievance
from grievances.tests.test_attachment_storage import REGION, bucket_contents, moto_s3_server
from grievances.tests.test_attachment_storage import new_bucket as new_s3_bucket
from services.models import Service
from tests.helpers import VALID

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.multiprocess,
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parent.parent
# Redis databases of their own: 8 for the cache (pages, rate limits), 9 for the broker.
REDIS_CACHE = os.environ.get("TEST_SERVERS_REDIS_URL", "redis://127.0.0.1:6379/8")
REDIS_BROKER = os.environ.get("TEST_SERVERS_BROKER_URL", "redis://127.0.0.1:6379/9")
START_TIMEOUT = 30
# Production hashes with a million PBKDF2 rounds; these accounts need few to log in quickly
# (a server re-hashes the password at its first successful login).
FAST_HASH_ITERATIONS = 1000


# --- The servers ---


def _database_url() -> str:
    """The test database pytest-django made, where this transactional test commits."""
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{user}{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def shared_redis():
    clients = [redis.Redis.from_url(url) for url in (REDIS_CACHE, REDIS_BROKER)]
    try:
        clients[0].ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Redis is not running at {REDIS_CACHE}")
        pytest.skip(f"Redis is not running at {REDIS_CACHE}")
    for client in clients:
        client.flushdb()
    yield
    for client in clients:
        client.flushdb()


@pytest.fixture(scope="module")
def s3_endpoint():
    with moto_s3_server() as endpoint:
        yield endpoint


@pytest.fixture
def servers(charter, shared_redis, s3_endpoint, tmp_path):
    """Two gunicorn instances; yields their base URLs, their directories and the bucket."""
    s3, bucket = new_s3_bucket(s3_endpoint)
    site = tmp_path / "site"
    site.mkdir()
    # The production settings, with the hashed static files collected for this test rather
    # than into the project's staticfiles/ (whose location production does not read).
    (site / "two_servers_settings.py").write_text(
        "from charter_site.settings.production import *  # noqa: F403\n"
        f"STATIC_ROOT = {str(site / 'static')!r}\n"
    )
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)]),
        "DJANGO_SETTINGS_MODULE": "two_servers_settings",
        "SECRET_KEY": "two-servers-" + uuid.uuid4().hex + "k9Qz!pL2x#Rt7Wm@4Yb8Nc1Hd6Fj0Sg5",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": _database_url(),
        "CONN_MAX_AGE": "0",
        "REDIS_URL": REDIS_CACHE,
        "CELERY_BROKER_URL": REDIS_BROKER,  # tasks wait there: no worker runs
        "SECURE_SSL_REDIRECT": "0",
        "BEHIND_PROXY": "0",
        "GRS_CLIENT_IP_HEADER": "REMOTE_ADDR",
        "GRS_TRUSTED_PROXIES": "",
        "GRS_RATE_LIMIT_SCALE": "1",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "SMS_BACKEND": "grievances.sms.FileBackend",
        "LOG_LEVEL": "WARNING",
        "LOG_FORMAT": "text",
        "ATTACHMENTS_S3_BUCKET": bucket,
        "ATTACHMENTS_S3_ENDPOINT_URL": s3_endpoint,
        "ATTACHMENTS_S3_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    processes, found = [], []
    try:
        for name in ("first", "second"):
            directory = tmp_path / name
            directory.mkdir()
            log = directory / "gunicorn.log"
            process = subprocess.Popen(
                [
                    str(Path(sys.executable).parent / "gunicorn"),
                    "charter_site.wsgi:application",
                    "--bind=127.0.0.1:0",  # a free port, read back from the log
                    "--workers=1",
                    "--threads=2",
                    f"--error-logfile={log}",
                    "--capture-output",
                    "--no-control-socket",  # not ~/.gunicorn/gunicorn.ctl, shared by both
                ],
                cwd=directory,
                env={
                    **env,
                    # On this server's disk only: both stay empty (attachments are in S3).
                    "PRIVATE_MEDIA_ROOT": str(directory / "private_media"),
                    "MEDIA_ROOT": str(directory / "media"),
                    "SMS_FILE_PATH": str(directory / "sms"),
                },
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            processes.append(process)
            found.append((directory, log, process))
        urls = [wait_until_serving(*server) for server in found]
        yield {
            "urls": urls,
            "directories": [directory for directory, _log, _process in found],
            "logs": [log for _directory, log, _process in found],
            "s3": s3,
            "bucket": bucket,
        }
    finally:
        for process in processes:
            stop(process)


def wait_until_serving(directory: Path, log: Path, process: subprocess.Popen) -> str:
    deadline = time.monotonic() + START_TIMEOUT
    url = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        if url is None and log.exists():
            listening = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", log.read_text())
            url = listening.group(1) if listening else None
        if url is not None:
            try:
                health = requests.get(f"{url}/healthz", timeout=2)
            except requests.ConnectionError:
                pass
            else:
                if health.status_code == 200:
                    return url
        time.sleep(0.1)
    output = log.read_text() if log.exists() else "(no log)"
    raise AssertionError(f"gunicorn in {directory} did not serve:\n{output[-4000:]}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)
    except ProcessLookupError:
        pass


# --- A browser ---


class Browser(requests.Session):
    """One browser behind the load balancer: the same cookies go to either server.

    Production marks its cookies Secure; these servers speak plain http on 127.0.0.1, so
    the cookies are sent back all the same (redirects are not followed with new cookies).
    """

    def __init__(self):
        super().__init__()
        self.headers["Accept-Language"] = "en"

    def prepare_request(self, request):
        for cookie in self.cookies:
            cookie.secure = False
        return super().prepare_request(request)


class FormReader(HTMLParser):
    """The fields a browser would send with each form of a page, by the form's id."""

    def __init__(self):
        super().__init__()
        self.forms: dict[str, list[list[str]]] = {}
        self._fields = None
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._fields = self.forms.setdefault(attrs.get("id", str(len(self.forms))), [])
        elif self._fields is None:
            return
        elif tag == "input" and attrs.get("name"):
            kind = attrs.get("type", "text")
            if kind in {"submit", "button", "file", "image", "reset"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            default = "on" if kind in {"checkbox", "radio"} else ""
            self._fields.append([attrs["name"], attrs.get("value", default)])
        elif tag == "textarea":
            self._textarea = [attrs.get("name", ""), ""]
            self._fields.append(self._textarea)
        elif tag == "select":
            self._select = {"name": attrs.get("name", ""), "first": None, "chosen": []}
        elif tag == "option" and self._select is not None:
            value = attrs.get("value", "")
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in attrs:
                self._select["chosen"].append(value)

    def handle_endtag(self, tag):
        if tag == "form":
            self._fields = None
        elif tag == "textarea" and self._textarea is not None:
            # A browser drops the newline that follows <textarea>.
            self._textarea[1] = self._textarea[1].removeprefix("\n")
            self._textarea = None
        elif tag == "select" and self._select is not None and self._fields is not None:
            chosen = self._select["chosen"] or [self._select["first"] or ""]
            self._fields.extend([self._select["name"], value] for value in chosen)
            self._select = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data


def form_fields(html: str, form_id: str) -> dict[str, list[str]]:
    reader = FormReader()
    reader.feed(html)
    fields: dict[str, list[str]] = {}
    for name, value in reader.forms[form_id]:
        fields.setdefault(name, []).append(value)
    return fields


def hidden_value(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]+)"', html) or re.search(
        rf'value="([^"]+)" name="{name}"', html
    )
    assert found, f"no {name} on the page"
    return found.group(1)


def admin_login(session: Browser, base: str, username: str, password: str):
    page = session.get(f"{base}/admin/login/?next=/admin/", timeout=10)
    assert page.status_code == 200
    return session.post(
        f"{base}/admin/login/?next=/admin/",
        data={
            "csrfmiddlewaretoken": hidden_value(page.text, "csrfmiddlewaretoken"),
            "username": username,
            "password": password,
            "next": "/admin/",
        },
        allow_redirects=False,
        timeout=10,
    )


def fast_password_hash(password: str) -> str:
    """A hash the servers' production hashers read (the tests' own is MD5)."""
    hasher = PBKDF2PasswordHasher()
    return hasher.encode(password, hasher.salt(), iterations=FAST_HASH_ITERATIONS)


def a_pdf() -> bytes:
    """A real one-page PDF, as a scanner would make (the site reads and rewrites PDFs)."""
    out = io.BytesIO()
    Image.new("RGB", (60, 80), "white").save(out, format="PDF")
    return out.getvalue()


def make_staff(django_user_model, username: str, password: str, **extra):
    user = django_user_model(username=username, is_staff=True, **extra)
    user.password = fast_password_hash(password)
    user.save()
    return user


# --- The test ---


def test_two_app_servers_share_complaints_attachments_sessions_cache_and_rate_limits(
    servers, django_user_model
):
    first, second = servers["urls"]
    assert first != second
    for base in (first, second):  # both reach the one database and the one Redis
        health = requests.get(f"{base}/healthz", timeout=10).json()
        assert health["database"] == "ok" and health["cache"] == "ok", health

    # A citizen files a complaint with an attachment through the first server.
    citizen = Browser()
    form_page = citizen.get(f"{first}/bn/complaints/new/", timeout=10)
    assert form_page.status_code == 200
    subject = f"No reply to my application {uuid.uuid4().hex[:8]}"
    answer = citizen.post(
        f"{first}/bn/complaints/new/",
        data={
            **VALID,
            "subject": subject,
            "csrfmiddlewaretoken": hidden_value(form_page.text, "csrfmiddlewaretoken"),
            "submission_token": hidden_value(form_page.text, "submission_token"),
        },
        files={"attachments": ("letter.pdf", a_pdf(), "application/pdf")},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302, re.findall(r'class="error.{0,400}', answer.text)
    grievance = Grievance.objects.get(subject=subject)
    attachment = Attachment.objects.get(grievance=grievance)
    assert citizen.get(f"{first}{answer.headers['Location']}", timeout=10).status_code == 200
    # The file (the PDF as the site rewrote it) is in the bucket, on neither server's disk.
    stored = bucket_contents(servers["s3"], servers["bucket"])
    assert list(stored) == [attachment.file.name]
    assert stored[attachment.file.name].startswith(b"%PDF-")

    # A superuser logs in through the first server; the second knows the session.
    officer = Browser()
    make_staff(django_user_model, "admin", "two-servers-pw", is_superuser=True)
    login = admin_login(officer, first, "admin", "two-servers-pw")
    assert login.status_code == 302 and login.headers["Location"] == "/admin/", login.text[:2000]
    case_url = f"/admin/grievances/grievance/{grievance.pk}/change/"
    case = officer.get(f"{second}{case_url}", allow_redirects=False, timeout=10)
    assert case.status_code == 200 and subject in case.text
    # ... and streams the attachment the first server stored.
    download = officer.get(
        f"{second}/admin/grievances/grievance/{grievance.pk}/attachment/{attachment.pk}/",
        allow_redirects=False,
        timeout=10,
    )
    assert download.status_code == 200
    assert download.content == stored[attachment.file.name]
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert requests.get(f"{second}{case_url}", allow_redirects=False, timeout=10).status_code == 302

    # Failed logins count across both servers: 3 on the first and 2 on the second make the
    # 5 a user name may have in 15 minutes, so the right password is then refused on either.
    make_staff(django_user_model, "gro", "right-password")
    guesser = Browser()
    for base in (first, first, first, second, second):
        failed = admin_login(guesser, base, "gro", "wrong-password")
        assert failed.status_code == 200
        assert "Please enter the correct username and password" in failed.text
    for base in (first, second):
        refused = admin_login(guesser, base, "gro", "right-password")
        assert refused.status_code == 200
        assert "Too many failed logins" in refused.text

    # Nothing was written to either server's disk but its log.
    for directory in servers["directories"]:
        written = sorted(
            path.relative_to(directory).as_posix()
            for path in directory.rglob("*")
            if path.is_file() and path.name != "gunicorn.log"
        )
        assert written == []

    # The first server caches the services page in the shared Redis...
    service = Service.objects.filter(name_bn__gt="").order_by("pk").first()
    visitor = Browser()
    assert service.name_bn in visitor.get(f"{first}/bn/services/", timeout=10).text
    hidden_change = "অদৃশ্য পরিবর্তন"
    Service.objects.filter(pk=service.pk).update(name_bn=hidden_change)  # no signal
    assert hidden_change not in visitor.get(f"{first}/bn/services/", timeout=10).text
    Service.objects.filter(pk=service.pk).update(name_bn=service.name_bn)
    # ... and an edit through the second server's admin clears it.
    change_url = f"{second}/admin/services/service/{service.pk}/change/"
    change_form = officer.get(change_url, timeout=10)
    assert change_form.status_code == 200
    fields = form_fields(change_form.text, "service_form")
    new_name = "নাগরিক সেবা নতুন নামে"
    fields["name_bn"] = [new_name]
    saved = officer.post(
        change_url, data={**fields, "_save": "Save"}, allow_redirects=False, timeout=10
    )
    assert saved.status_code == 302, saved.text[-3000:]
    Service.objects.get(pk=service.pk, name_bn=new_name)
    assert new_name in visitor.get(f"{first}/bn/services/", timeout=10).text, (
        "the charter edit on the second server did not clear the page the first had cached"
    )
