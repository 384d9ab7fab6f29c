"""`make bench-messages` / `python bench/messages.py [latency|kill|outage|all]`: how soon a
complaint's receipt SMS reaches the SMS gateway, with the real worker.

A local HTTP server stands in for the gateway (`HttpGatewayBackend` posts to it): it records
when each message arrives and its idempotency key, answers a key it has already accepted
with 200 without counting it as delivered again ("deduplicated"), and can be told to refuse
(503) for a while. gunicorn with production settings (as `bench/run.py` starts it), one
Celery worker (`--concurrency 2`, as docs/deploy.md runs it) and Celery beat (its schedule
file in a temporary directory), PostgreSQL and Redis, with a database, Redis databases and
ports of its own so that it can run beside the other benchmarks.

Citizens are simulated open-loop: complaint i starts at i / rate seconds, fetches the form
page (its CSRF cookie and token, its one-time ``submission_token``), then posts it. Each
complaint has its own mobile number, which is how its SMS is found at the gateway; the delay
of a receipt SMS runs from the moment its form was posted to its first arrival.

Scenarios (all three by default, 7–8½ minutes in all on a 2-CPU machine):

- ``latency``: 20 submissions/s for 60 s; p50, p95 and max delay (goal: 95 % within 5 s,
  all within 30 s), and where the time goes (web request, queue, gateway call).
- ``kill``: the same load; the worker is killed with SIGKILL (its whole process group)
  halfway and a new one started 5 s later; every receipt SMS must arrive, none twice.
- ``outage``: the gateway refuses everything for 120 s while complaints keep coming;
  every message must arrive after it recovers: how long after.

Settings from the environment: BENCH_MESSAGES_RATE (20), BENCH_MESSAGES_SECONDS (60),
BENCH_OUTAGE_SECONDS (120), BENCH_OUTAGE_RATE (10, complaints/s during the outage),
BENCH_OUTAGE_WAIT (600, the longest wait after recovery), BENCH_KILL_RESTART (5 s),
BENCH_GATEWAY_DELAY_MS (0: the stand-in answers at once; a real gateway takes 100-500 ms),
BENCH_WORKER_CONCURRENCY (2). Prints a section in the form of bench/RESULTS.md (copy it
there: `bench/run.py` rewrites that file).
"""

import datetime
import http.client
import json
import math
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

BENCH = Path(__file__).resolve().parent
GATEWAY_PORT = int(os.environ.get("BENCH_GATEWAY_PORT", "8872"))
GATEWAY = f"http://127.0.0.1:{GATEWAY_PORT}"
RATE = float(os.environ.get("BENCH_MESSAGES_RATE", "20"))
SECONDS = float(os.environ.get("BENCH_MESSAGES_SECONDS", "60"))
OUTAGE_SECONDS = float(os.environ.get("BENCH_OUTAGE_SECONDS", "120"))
OUTAGE_RATE = float(os.environ.get("BENCH_OUTAGE_RATE", "10"))
OUTAGE_WAIT = float(os.environ.get("BENCH_OUTAGE_WAIT", "600"))
KILL_RESTART = float(os.environ.get("BENCH_KILL_RESTART", "5"))
GATEWAY_DELAY = float(os.environ.get("BENCH_GATEWAY_DELAY_MS", "0")) / 1000
CONCURRENCY = os.environ.get("BENCH_WORKER_CONCURRENCY", "2")
CLIENT_THREADS = 64
FORM = "/bn/complaints/new/"
TRACKING = re.compile(r"GRS-[0-9]+-[0-9A-Z]+")


# --- The gateway stand-in (its own process: `python bench/messages.py gateway`) ---


class Gateway:
    def __init__(self, delay: float):
        self.delay = delay
        self.lock = threading.Lock()
        self.records: list[dict] = []
        self.accepted: set[str] = set()
        self.refuse_until = 0.0

    def receive(self, headers, body: bytes) -> int:
        arrived = time.time()
        try:
            payload = json.loads(body)
        except ValueError:
            payload = {}
        key = headers.get("Idempotency-Key", "")
        message = payload.get("message", "")
        tracking = TRACKING.search(message)
        record = {
            "t": arrived,
            "key": key,
            "id": payload.get("id", ""),
            "to": payload.get("to", ""),
            "tracking": tracking.group(0) if tracking else "",
        }
        with self.lock:
            if arrived < self.refuse_until:
                record["status"] = "refused"
            elif key and key in self.accepted:
                record["status"] = "deduplicated"
            else:
                record["status"] = "accepted"
                if key:
                    self.accepted.add(key)
            self.records.append(record)
        if self.delay:
            time.sleep(self.delay)
        return 503 if record["status"] == "refused" else 200


def serve_gateway(port: int, delay: float) -> None:
    gateway = Gateway(delay)

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, payload) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if status == 503:
                self.send_header("Retry-After", "60")
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            url = urllib.parse.urlsplit(self.path)
            if url.path == "/_refuse":
                seconds = float(urllib.parse.parse_qs(url.query)["seconds"][0])
                with gateway.lock:
                    gateway.refuse_until = time.time() + seconds
                self._answer(200, {"refuse_until": gateway.refuse_until})
            else:
                status = gateway.receive(self.headers, body)
                self._answer(status, {"status": "queued" if status == 200 else "unavailable"})

        def do_GET(self):
            with gateway.lock:
                records = list(gateway.records)
            self._answer(200, records)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.request_queue_size = 256
    server.serve_forever()


def gateway_call(path: str, method: str = "GET"):
    request = urllib.request.Request(GATEWAY + path, data=b"" if method == "POST" else None)
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


# --- Environment, as bench/run.py sets it up, with this benchmark's own places ---


def configure():
    os.environ.setdefault("BENCH_DATABASE", "charter_bench_messages")
    os.environ.setdefault("BENCH_PORT", "8871")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/10")
    os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/11")
    os.environ.setdefault("PRIVATE_MEDIA_ROOT", tempfile.mkdtemp(prefix="bench-messages-media-"))
    sys.path.insert(0, str(BENCH))
    import run  # noqa: PLC0415  (reads the environment above)

    run.ENV.update(
        {
            "SMS_BACKEND": "grievances.sms.HttpGatewayBackend",
            "SMS_GATEWAY_URL": f"{GATEWAY}/sms",
            "SMS_GATEWAY_TOKEN": "bench",
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "CELERY_BROKER_URL": os.environ["CELERY_BROKER_URL"],
        }
    )
    os.environ.update(run.ENV)
    return run


def redis_db(url: str) -> str:
    return url.rsplit("/", 1)[-1]


def prepare(run) -> None:
    run.sh("dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres", run.DATABASE)
    run.sh("createdb", "-h", "127.0.0.1", "-U", "postgres", run.DATABASE)
    run.manage("migrate", "--noinput")
    run.manage("loaddata", "fixtures/charter.json")
    run.manage("collectstatic", "--noinput")
    for url in (run.ENV["REDIS_URL"], run.ENV["CELERY_BROKER_URL"]):
        subprocess.run(
            ["redis-cli", "-n", redis_db(url), "flushdb"], check=True, capture_output=True
        )


class Processes:
    """The gateway stand-in, the worker and beat, each in its own process group."""

    def __init__(self, run):
        self.run = run
        self.dir = Path(tempfile.mkdtemp(prefix="bench-messages-"))
        self.gateway = self.worker = self.beat = None
        self.workers_started = 0

    def _start(self, name: str, args: list[str]) -> subprocess.Popen:
        log = (self.dir / f"{name}.log").open("ab")
        return subprocess.Popen(
            args,
            cwd=self.run.ROOT,
            env=self.run.ENV,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start_gateway(self):
        try:
            urllib.request.urlopen(GATEWAY + "/", timeout=1)
        except OSError:
            pass
        else:
            raise SystemExit(f"Something already answers on {GATEWAY}; set BENCH_GATEWAY_PORT.")
        self.gateway = self._start(
            "gateway", [sys.executable, __file__, "gateway", str(GATEWAY_PORT), str(GATEWAY_DELAY)]
        )
        for _ in range(100):
            try:
                gateway_call("/")
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("The gateway stand-in did not start")

    def celery(self, *args) -> list[str]:
        return [str(Path(sys.executable).parent / "celery"), "-A", "charter_site", *args]

    def start_worker(self):
        self.workers_started += 1
        self.worker = self._start(
            f"worker{self.workers_started}",
            self.celery(
                "worker",
                "--concurrency",
                CONCURRENCY,
                "--loglevel",
                "INFO",
                "--hostname",
                f"bench-messages-{self.workers_started}@%h",
            ),
        )

    def kill_worker(self):
        """SIGKILL to the worker's main process and its pool processes at once."""
        os.killpg(self.worker.pid, signal.SIGKILL)
        self.worker.wait()

    def start_beat(self):
        self.beat = self._start(
            "beat",
            self.celery(
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(self.dir / "beat-schedule"),
                "--pidfile",
                str(self.dir / "beat.pid"),
            ),
        )

    def stop(self):
        for process in (self.beat, self.worker, self.gateway):
            if process is None or process.poll() is not None:
                continue
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            except ProcessLookupError:
                pass


# --- Citizens ---


@dataclass
class Submission:
    mobile: str
    scheduled: float
    form_started: float = 0.0
    posted: float = 0.0  # when the form was sent: the delay's start
    answered: float = 0.0
    status: int = 0
    tracking: str = ""
    error: str = ""


def _request(method: str, path: str, *, body: bytes = b"", headers=None):
    host, port = urllib.parse.urlsplit(RUN.BASE).netloc.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        connection.request(method, path, body=body or None, headers=headers or {})
        answer = connection.getresponse()
        return answer.status, answer.getheaders(), answer.read()
    finally:
        connection.close()


def _cookies(headers) -> dict[str, str]:
    cookies = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            cookies[key.strip()] = rest.split(";", 1)[0]
    return cookies


def file_complaint(submission: Submission, fields: dict[str, str]) -> None:
    """A citizen with a new browser: the form page, then the form posted back."""
    delay = submission.scheduled - time.time()
    if delay > 0:
        time.sleep(delay)
    submission.form_started = time.time()
    try:
        # CSRF_COOKIE_SECURE: a browser would not send the cookie over http, so it is sent
        # by hand rather than through a cookie jar.
        status, headers, page = _request("GET", FORM)
        if status != 200:
            raise RuntimeError(f"form page answered {status}")
        page = page.decode()
        csrf_cookie = _cookies(headers)["csrftoken"]
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        token = re.search(r'name="submission_token" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode(
            {
                **fields,
                "csrfmiddlewaretoken": csrf,
                "submission_token": token,
                "mobile": submission.mobile,
                "subject": f"Bench message {submission.mobile}",
            }
        ).encode()
        submission.posted = time.time()
        status, headers, _body = _request(
            "POST",
            FORM,
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={csrf_cookie}",
            },
        )
        submission.answered = time.time()
        submission.status = status
        location = dict((name.lower(), value) for name, value in headers).get("location", "")
        submission.tracking = location.rstrip("/").rsplit("/", 1)[-1] if status == 302 else ""
    except Exception as error:  # noqa: BLE001  (counted and reported)
        submission.error = f"{error.__class__.__name__}: {error}"


def complaint_fields() -> dict[str, str]:
    from services.charter import current_charter

    service = current_charter().office.services.order_by("category", "serial").first()
    return {
        "complaint_type": "citizen",
        "description": "বেঞ্চমার্কের অভিযোগ: সেবা সময়মতো পাওয়া যায়নি।",
        "name": "বেঞ্চ নাগরিক",
        "id_type": "nid",
        "id_number": "1234567890",
        "permanent_address": "কাউনিয়া, রংপুর",
        "present_address": "কাউনিয়া, রংপুর",
        "service": str(service.pk),
        "office_has_decided": "on",
        "website": "",
        # The complaint form's newer required fields (a form without them ignores them).
        "remedy_sought": "সেবাটি সময়মতো দেওয়া হোক।",
        "prevention": "সেবার সময়সীমা মেনে চলা।",
        "declaration": "on",
    }


def file_complaints(*, rate: float, seconds: float, prefix: str, events=()) -> list[Submission]:
    """Open-loop load: complaint i starts at i / rate s, each with its own mobile number
    (``prefix`` + a serial). ``events``: (seconds after the start, callable) run on time."""
    fields = complaint_fields()
    start = time.time() + 0.5
    count = int(rate * seconds)
    submissions = [
        Submission(mobile=f"{prefix}{n:07d}", scheduled=start + n / rate) for n in range(count)
    ]
    timers = [threading.Timer(start + at - time.time(), action) for at, action in events]
    for timer in timers:
        timer.start()
    with ThreadPoolExecutor(CLIENT_THREADS) as pool:
        for submission in submissions:
            pool.submit(file_complaint, submission, fields)
    for timer in timers:
        timer.join()
    return submissions


class QueueSampler(threading.Thread):
    """The broker's queue length (tasks waiting for the worker) every half second."""

    def __init__(self):
        super().__init__(daemon=True)
        import redis

        self.redis = redis.Redis.from_url(RUN.ENV["CELERY_BROKER_URL"])
        self.samples: list[tuple[float, int]] = []
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.wait(0.5):
            try:
                self.samples.append((time.time(), self.redis.llen("celery")))
            except Exception:  # noqa: BLE001
                pass

    def peak(self) -> int:
        return max((length for _t, length in self.samples), default=0)


# --- Arrivals ---


def arrivals(mobiles: set[str]) -> list[dict]:
    wanted = {f"88{mobile}" for mobile in mobiles}
    return [record for record in gateway_call("/") if record["to"] in wanted]


def first_accepted(records) -> dict[str, float]:
    """Mobile number -> when its first accepted message arrived."""
    first = {}
    for record in records:
        if record["status"] == "accepted":
            mobile = record["to"][2:]
            first[mobile] = min(first.get(mobile, math.inf), record["t"])
    return first


def wait_for(mobiles: set[str], *, deadline: float) -> list[dict]:
    while True:
        records = arrivals(mobiles)
        if len(first_accepted(records)) >= len(mobiles) or time.time() > deadline:
            return records
        time.sleep(1)


def duplicates(records) -> dict[str, int]:
    delivered = [record for record in records if record["status"] != "refused"]
    by_key: dict[str, int] = {}
    keys_by_mobile: dict[str, set] = {}
    for record in delivered:
        by_key[record["key"]] = by_key.get(record["key"], 0) + 1
        keys_by_mobile.setdefault(record["to"], set()).add(record["key"])
    return {
        "arrivals": len(delivered),
        "distinct": len(by_key),
        "raw": len(delivered) - len(by_key),
        "ids": sum(1 for count in by_key.values() if count > 1),
        "deduplicated": sum(1 for record in delivered if record["status"] == "deduplicated"),
        "accepted_twice": sum(1 for count in by_key.values() if count > 1)
        - sum(1 for record in delivered if record["status"] == "deduplicated"),
        # Two outbox messages (different ids) for one complaint's receipt: a real double send.
        "complaints_with_two_ids": sum(1 for keys in keys_by_mobile.values() if len(keys) > 1),
        "body_id_mismatch": sum(1 for record in delivered if record["id"] != record["key"]),
    }


def percentile(values: list[float], p: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def outbox_rows(mobiles: set[str]) -> dict[str, dict]:
    """Mobile -> its receipt SMS in the outbox: created, picked up, attempts, status."""
    from django.db import close_old_connections

    from grievances.models import OutboxMessage

    close_old_connections()
    rows = OutboxMessage.objects.filter(
        channel=OutboxMessage.Channel.SMS, recipient__in=list(mobiles)
    ).values("pk", "recipient", "created_at", "sent_at", "attempts", "status", "next_attempt_at")
    return {row["recipient"]: row for row in rows}


def summary(submissions: list[Submission], records, *, since: str = "posted") -> dict:
    accepted = [s for s in submissions if s.status == 302]
    mobiles = {s.mobile for s in accepted}
    first = first_accepted(records)
    delays = [first[s.mobile] - getattr(s, since) for s in accepted if s.mobile in first]
    lateness = [s.posted - s.scheduled for s in submissions if s.posted]
    span = max((s.posted for s in submissions if s.posted), default=0) - min(
        (s.posted for s in submissions if s.posted), default=0
    )
    return {
        "submitted": len(submissions),
        "accepted": len(accepted),
        "errors": sorted({s.error or f"HTTP {s.status}" for s in submissions if s.status != 302}),
        "failed": len(submissions) - len(accepted),
        "posted_rate": len([s for s in submissions if s.posted]) / span if span else 0,
        "start_lateness_p95": percentile(lateness, 95),
        "post_p50": percentile([s.answered - s.posted for s in accepted], 50),
        "post_p95": percentile([s.answered - s.posted for s in accepted], 95),
        "arrived": len(mobiles & set(first)),
        "missing": sorted(mobiles - set(first)),
        "delays": delays,
        "p50": percentile(delays, 50),
        "p95": percentile(delays, 95),
        "max": max(delays, default=math.nan),
        "within5": sum(d <= 5 for d in delays) / len(accepted) if accepted else math.nan,
        "within30": sum(d <= 30 for d in delays) / len(accepted) if accepted else math.nan,
        "dup": duplicates(records),
    }


def breakdown(submissions: list[Submission], records) -> dict:
    """Where a receipt SMS's time goes: the web request until its outbox row was written
    (created_at, inside the request); until the task or sweep that sent it started (sent_at
    is that run's start); from then until the message reached the gateway (the call, and
    for a sweep the messages it sent before this one)."""
    first = first_accepted(records)
    rows = outbox_rows({s.mobile for s in submissions if s.status == 302})
    web, queue, call = [], [], []
    for s in submissions:
        row = rows.get(s.mobile)
        if s.status != 302 or row is None or row["sent_at"] is None or s.mobile not in first:
            continue
        created, picked = row["created_at"].timestamp(), row["sent_at"].timestamp()
        web.append(created - s.posted)
        queue.append(picked - created)
        call.append(first[s.mobile] - picked)
    return {
        name: (percentile(values, 50), percentile(values, 95), max(values, default=math.nan))
        for name, values in (("web", web), ("queue", queue), ("call", call))
    }


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC] {text}", flush=True)


# --- Scenarios ---


def scenario_latency(processes) -> dict:
    log(f"latency: {RATE:g} submissions/s for {SECONDS:g} s")
    sampler = QueueSampler()
    sampler.start()
    submissions = file_complaints(rate=RATE, seconds=SECONDS, prefix="0171")
    records = wait_for(
        {s.mobile for s in submissions if s.status == 302}, deadline=time.time() + 120
    )
    sampler.stopped.set()
    result = summary(submissions, records)
    result["breakdown"] = breakdown(submissions, records)
    result["queue_peak"] = sampler.peak()
    return result


def held_by_worker() -> list[tuple[str, list[int]]]:
    """The tasks the broker had handed to a worker that had not acknowledged them (Kombu's
    Redis ``unacked`` hash): (task name, outbox message ids)."""
    import base64

    import redis

    held = []
    client = redis.Redis.from_url(RUN.ENV["CELERY_BROKER_URL"])
    for value in client.hvals("unacked"):
        raw = json.loads(value)[0]
        body = raw["body"]
        if raw.get("properties", {}).get("body_encoding") == "base64":
            body = base64.b64decode(body)
        args = json.loads(body)[0]
        task = raw.get("headers", {}).get("task", "?")
        held.append((task, list(args[0]) if task.endswith(".send_messages") else []))
    return held


def scenario_kill(processes) -> dict:
    log(f"kill: {RATE:g} submissions/s for {SECONDS:g} s, the worker killed at {SECONDS / 2:g} s")
    moments = {}

    def kill():
        moments["killed"] = time.time()
        processes.kill_worker()
        moments["held"] = held_by_worker()
        log(f"worker killed (SIGKILL to its process group); it held {moments['held']}")

    def restart():
        moments["restarted"] = time.time()
        processes.start_worker()
        log("new worker started")

    submissions = file_complaints(
        rate=RATE,
        seconds=SECONDS,
        prefix="0172",
        events=[(SECONDS / 2, kill), (SECONDS / 2 + KILL_RESTART, restart)],
    )
    mobiles = {s.mobile for s in submissions if s.status == 302}
    records = wait_for(mobiles, deadline=time.time() + 180)
    result = summary(submissions, records)
    result.update(moments)
    killed = moments["killed"]
    first = first_accepted(records)
    rows = outbox_rows(mobiles)
    # Committed before the kill and not yet at the gateway when it came.
    caught = [
        m
        for m in mobiles
        if m in rows and rows[m]["created_at"].timestamp() < killed < first.get(m, math.inf)
    ]
    during = [
        m
        for m in mobiles
        if m in rows and killed <= rows[m]["created_at"].timestamp() < moments["restarted"]
    ]
    result["caught"] = len(caught)
    result["caught_last"] = max((first[m] for m in caught if m in first), default=math.nan)
    result["during"] = len(during)
    result["during_last"] = max((first[m] for m in during if m in first), default=math.nan)
    # The messages of the tasks the killed worker held: when each was claimed for its
    # (last) sending, relative to the kill; negative: sent and recorded before it died.
    from grievances.models import OutboxMessage

    held_ids = sorted({i for _task, ids in moments["held"] for i in ids})
    result["held_tasks"] = len(moments["held"])
    result["held"] = [
        f"{row['channel']} {row['status']} at {row['sent_at'].timestamp() - killed:+.1f} s"
        if row["sent_at"]
        else f"{row['channel']} {row['status']}"
        for row in OutboxMessage.objects.filter(pk__in=held_ids)
        .order_by("pk")
        .values("channel", "status", "sent_at")
    ]
    result["mobiles"] = mobiles
    return result


def scenario_outage(processes) -> dict:
    log(
        f"outage: the gateway refuses for {OUTAGE_SECONDS:g} s; "
        f"{OUTAGE_RATE:g} submissions/s meanwhile"
    )
    refused_from = time.time()
    recovered = gateway_call(f"/_refuse?seconds={OUTAGE_SECONDS}", "POST")["refuse_until"]
    # Complaints all through the outage, the last ones shortly before it ends.
    submissions = file_complaints(rate=OUTAGE_RATE, seconds=OUTAGE_SECONDS - 1, prefix="0173")
    log("gateway recovered" if time.time() >= recovered else "submissions done")
    mobiles = {s.mobile for s in submissions if s.status == 302}
    sampler = QueueSampler()
    sampler.start()
    last_report = 0.0
    while True:
        records = arrivals(mobiles)
        first = first_accepted(records)
        if len(first) >= len(mobiles) or time.time() > recovered + OUTAGE_WAIT:
            break
        if time.time() - last_report > 30 and time.time() > recovered:
            last_report = time.time()
            log(f"{len(first)} of {len(mobiles)} arrived, {time.time() - recovered:.0f} s after")
        time.sleep(1)
    sampler.stopped.set()
    result = summary(submissions, records)
    after = sorted(first[m] - recovered for m in mobiles if m in first)
    rows = outbox_rows(mobiles)
    attempts: dict[int, int] = {}
    for row in rows.values():
        attempts[row["attempts"]] = attempts.get(row["attempts"], 0) + 1
    result.update(
        {
            "refused_from": refused_from,
            "recovered": recovered,
            "refused": sum(1 for r in records if r["status"] == "refused"),
            "before_recovery": sum(1 for delay in after if delay < 0),
            "after_p50": percentile(after, 50),
            "after_last": max(after, default=math.nan),
            "attempts": dict(sorted(attempts.items())),
            "pending": sum(1 for row in rows.values() if row["status"] == "pending"),
            "failed_for_good": sum(1 for row in rows.values() if row["status"] == "failed"),
            "timeline": arrival_timeline(after),
        }
    )
    return result


def arrival_timeline(after: list[float], step: int = 30) -> list[tuple[int, int]]:
    """How many had arrived by each ``step`` seconds after recovery."""
    if not after:
        return []
    end = int(math.ceil(max(after) / step)) * step
    return [(t, sum(1 for a in after if a <= t)) for t in range(0, end + step, step)]


# --- Report ---


def fmt(value: float, digits: int = 1) -> str:
    return (
        "–"
        if value is None or (isinstance(value, float) and math.isnan(value))
        else (f"{value:.{digits}f}")
    )


def dup_text(dup: dict) -> str:
    return (
        f"{dup['arrivals']} arrivals of {dup['distinct']} message ids: {dup['raw']} raw "
        f"duplicates, {dup['ids']} ids arriving more than once ({dup['deduplicated']} repeats "
        f"deduplicated by the stand-in's idempotency key, {dup['accepted_twice']} accepted "
        f"twice); {dup['complaints_with_two_ids']} complaints with two different message ids"
    )


def render(started, results: dict, notes: list[str]) -> str:
    lines = [
        "## Messages in seconds",
        "",
        f"`make bench-messages` (`bench/messages.py`), run {started:%Y-%m-%d %H:%M %Z} on "
        f"{platform.node()}: {os.cpu_count()} CPUs shared with other engineers' work, "
        f"Python {platform.python_version()}; gunicorn {RUN.WORKERS} sync workers with "
        "production settings, one Celery worker (prefork, "
        f"`--concurrency {CONCURRENCY}`) and Celery beat on Redis, PostgreSQL, all on the one "
        "machine with the load generator and the gateway stand-in (answering "
        + (f"after {GATEWAY_DELAY * 1000:g} ms" if GATEWAY_DELAY else "at once")
        + "). Each simulated citizen fetches the form page, then posts it; the delay runs "
        "from the post to the receipt SMS's first arrival at the stand-in.",
        "",
    ]
    table = [
        "| scenario | complaints (accepted) | posts/s | post p50 / p95 s | SMS arrived "
        "| delay p50 s | p95 s | max s | within 5 s | within 30 s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    labels = {
        "latency": f"{RATE:g}/s for {SECONDS:g} s",
        "kill": f"the same, worker SIGKILLed at {SECONDS / 2:g} s, "
        f"new one {KILL_RESTART:g} s later",
        "outage": f"{OUTAGE_RATE:g}/s while the gateway refuses for {OUTAGE_SECONDS:g} s",
    }
    for name, result in results.items():
        table.append(
            f"| {labels[name]} | {result['submitted']} ({result['accepted']}) "
            f"| {result['posted_rate']:.1f} | {fmt(result['post_p50'], 2)} / "
            f"{fmt(result['post_p95'], 2)} | {result['arrived']} "
            f"| {fmt(result['p50'])} | {fmt(result['p95'])} | {fmt(result['max'])} "
            f"| {result['within5']:.1%} | {result['within30']:.1%} |"
        )
    lines += table + [""]
    if "latency" in results:
        result = results["latency"]
        b = result["breakdown"]
        lines += [
            f"**Latency.** Goal 95 % within 5 s and all within 30 s: "
            f"**{'met' if result['within5'] >= 0.95 and result['within30'] >= 1 else 'missed'}**"
            f" (p95 {fmt(result['p95'])} s, max {fmt(result['max'])} s). Where the time went "
            f"(p50 / p95 / max, s): web request until the outbox row {fmt(b['web'][0], 2)} / "
            f"{fmt(b['web'][1], 2)} / {fmt(b['web'][2], 2)}; from the row to the start of "
            f"the task (or sweep) that sent it {fmt(b['queue'][0], 2)} / {fmt(b['queue'][1], 2)} / "
            f"{fmt(b['queue'][2], 2)}; from then to its arrival at the gateway "
            f"{fmt(b['call'][0], 3)} / "
            f"{fmt(b['call'][1], 3)} / {fmt(b['call'][2], 3)}. Broker queue peak: "
            f"{result['queue_peak']} tasks. {dup_text(result['dup'])}.",
            "",
        ]
    if "kill" in results:
        result = results["kill"]
        lines += [
            f"**Worker killed.** {result['arrived']} of {result['accepted']} receipt SMS arrived "
            f"(lost: {len(result['missing'])}). {dup_text(result['dup'])}. "
            f"At the kill the worker held {result['held_tasks']} unacknowledged task(s), "
            f"whose messages were sent (relative to the kill; later ones by the sweep): "
            f"{', '.join(result['held']) or 'none'}; {result['caught']} receipt SMS committed "
            "before the "
            f"kill had not reached the gateway (the last arrived "
            f"{fmt(result['caught_last'] - result['killed'])} s after the kill); "
            f"{result['during']} were committed while no worker ran (the last arrived "
            f"{fmt(result['during_last'] - result['killed'])} s after the kill).",
            "",
        ]
    if "outage" in results:
        result = results["outage"]
        timeline = ", ".join(f"{count} by {t} s" for t, count in result["timeline"])
        lines += [
            f"**Gateway refusing for {OUTAGE_SECONDS:g} s.** {result['arrived']} of "
            f"{result['accepted']} receipt SMS arrived "
            f"({result['before_recovery']} before recovery, {result['refused']} refused "
            f"attempts); after recovery, half had arrived by {fmt(result['after_p50'])} s and "
            f"**the last {fmt(result['after_last'])} s after**. Arrived after recovery: "
            f"{timeline}. Attempts per message (attempts: messages): {result['attempts']}; "
            f"still pending {result['pending']}, failed for good {result['failed_for_good']}. "
            f"{dup_text(result['dup'])}.",
            "",
        ]
    lines += notes
    return "\n".join(lines)


def main(which: str) -> None:
    global RUN
    RUN = configure()
    started = datetime.datetime.now().astimezone()
    began = time.time()
    log("preparing the database")
    prepare(RUN)
    import django

    django.setup()
    processes = Processes(RUN)
    results = {}
    notes = []
    server = None
    try:
        processes.start_gateway()
        server = RUN.start_server()
        processes.start_worker()
        processes.start_beat()
        log(f"logs in {processes.dir}")
        # One complaint end to end before anything is timed: the worker is up.
        probe = file_complaints(rate=1, seconds=1, prefix="0170")
        wait_for({probe[0].mobile}, deadline=time.time() + 60)
        if not first_accepted(arrivals({probe[0].mobile})):
            raise SystemExit(
                f"The first complaint's SMS never arrived (its post: HTTP {probe[0].status} "
                f"{probe[0].error}); see {processes.dir}"
            )
        scenarios = {
            "latency": scenario_latency,
            "kill": scenario_kill,
            "outage": scenario_outage,
        }
        loads = []
        for name, scenario in scenarios.items():
            if which in ("all", name):
                before = os.getloadavg()[0]
                results[name] = scenario(processes)
                loads.append(f"{name} {before:.1f} → {os.getloadavg()[0]:.1f}")
                log(f"{name} done")
        notes.append(
            "Load average (1 min) at each scenario's start → end, this benchmark's own "
            f"processes included: {'; '.join(loads)}."
        )
        if "kill" in results:
            # Anything of the kill's that arrived again later (a task restored after the
            # broker's visibility timeout) counts too.
            again = duplicates(arrivals(results["kill"].pop("mobiles")))
            if again != results["kill"]["dup"]:
                notes.append(f"Kill scenario, counted again at the end: {dup_text(again)}.")
                results["kill"]["dup"] = again
    finally:
        if server is not None:
            RUN.stop_server(server)
        processes.stop()
    notes.append(f"Whole run {time.time() - began:.0f} s; logs were in {processes.dir}.")
    print()
    print(render(started, results, notes))


RUN = None

if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "gateway":
        serve_gateway(int(sys.argv[2]), float(sys.argv[3]))
    else:
        which = sys.argv[1] if len(sys.argv) > 1 else "all"
        if which not in ("all", "latency", "kill", "outage"):
            raise SystemExit(__doc__)
        main(which)
