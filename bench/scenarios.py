"""Bench scenarios that need the grievance app: submissions, tracking, the escalation sweep."""

import datetime
import http.cookiejar
import re
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

SUBMIT_LUA = """
counter = 0
accepted = 0
local threads = {}
function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Cookie"] = "csrftoken=%(csrf)s"
end
function request()
  counter = counter + 1
  -- Each request is a new complaint: its own subject and its own one-time form token.
  local token = string.format("bench%%02d%%025d", id, counter)
  local body = "%(body)s" .. "&subject=Bench+complaint+" .. id .. "-" .. counter
    .. "&submission_token=" .. token
  return wrk.format(nil, nil, nil, body)
end
function response(status, headers, body)
  if status == 302 then
    accepted = accepted + 1
    receipts = receipts or io.open("%(receipts)s" .. id, "w")
    receipts:write((headers["Location"] or headers["location"] or "") .. "\\n")
    receipts:flush()
  end
end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("accepted") end
  io.write("ACCEPTED " .. total .. "\\n")
end
"""

TRACK_LUA = """
found = 0
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Cookie"] = "csrftoken=%(csrf)s"
  wrk.body = "%(body)s"
end
function response(status, headers, body)
  if status == 302 then found = found + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("found") end
  io.write("FOUND " .. total .. "\\n")
end
"""


def _csrf(base: str, path: str) -> tuple[str, str, str]:
    """The CSRF cookie, the form's token, and the page, as a browser would get them."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + path).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    cookie = next(c.value for c in jar if c.name == "csrftoken")
    return cookie, token, page


def _lua(template: str, **values) -> Path:
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(template % values)
    return script


def _row(label, result, note) -> str:
    return (
        f"| {label} | | {result['rps']:.0f} | {result['p50']:.1f} | {result['p99']:.1f} "
        f"| | | | {result['non_2xx']} {result['socket_errors']} {note} |"
    )


def run(*, base: str, wrk) -> list[str]:
    from grievances.models import Grievance
    from services.charter import current_charter

    charter = current_charter()
    service = charter.office.services.order_by("category", "serial").first()
    rows = []

    csrf, token, _page = _csrf(base, "/bn/complaints/new/")
    fields = {
        "csrfmiddlewaretoken": token,
        "complaint_type": "citizen",
        "description": "বেঞ্চমার্কের অভিযোগ: সেবা সময়মতো পাওয়া যায়নি।",
        "name": "বেঞ্চ নাগরিক",
        "id_type": "nid",
        "id_number": "1234567890",
        "permanent_address": "কাউনিয়া, রংপুর",
        "present_address": "কাউনিয়া, রংপুর",
        "mobile": "01712345678",
        "service": str(service.pk),
        "office_has_decided": "on",
        # Annex খ-১: the remedy sought, how to prevent a repeat, the declaration.
        "remedy_sought": "সেবাটি দেওয়া হোক।",
        "prevention": "সময়মতো সেবা দেওয়া হোক।",
        "declaration": "on",
        "website": "",
    }
    before = Grievance.objects.count()
    receipts = Path(tempfile.mkdtemp()) / "receipts-"
    script = _lua(SUBMIT_LUA, csrf=csrf, body=urllib.parse.urlencode(fields), receipts=receipts)
    result = wrk("/bn/complaints/new/", script, extra_output=True)
    reported = re.search(r"ACCEPTED (\d+)", result["output"])
    if reported is None:
        raise SystemExit(f"The submission script failed:\n{result['output']}")
    accepted = int(reported.group(1))
    time.sleep(2)  # let requests still in flight when wrk stopped finish
    stored = Grievance.objects.count() - before
    numbers = {
        line.rstrip("/").rsplit("/", 1)[-1]
        for path in receipts.parent.glob("receipts-*")
        for line in path.read_text().split()
    }
    missing = len(numbers) - Grievance.objects.filter(tracking_number__in=numbers).count()
    rows.append(
        _row(
            "complaint submission (POST, 302 = accepted)",
            result,
            f"· {accepted} accepted ({len(numbers)} distinct receipts), {missing} of them "
            f"missing from the database; {stored} stored, the difference being requests "
            "wrk had sent but stopped waiting for at the end of the run",
        )
    )

    grievance = Grievance.objects.filter(mobile="01712345678").order_by("pk").first()
    csrf, token, _page = _csrf(base, "/bn/complaints/track/")
    body = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token,
            "tracking_number": grievance.tracking_number,
            "mobile": "01712345678",
        }
    )
    result = wrk("/bn/complaints/track/", _lua(TRACK_LUA, csrf=csrf, body=body), extra_output=True)
    found = int(re.search(r"FOUND (\d+)", result["output"]).group(1))
    rows.append(_row("tracking lookup (POST, 302 = found)", result, f"· {found} found"))
    return rows


def escalation_sweep(*, cases: int) -> str:
    """Time escalate_grievances over ``cases`` open cases, a tenth of them overdue."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from grievances.models import Grievance, OutboxMessage, TimelineEntry
    from grievances.workflow import escalate_overdue
    from services.charter import current_charter

    charter = current_charter()
    officer = charter.grs_tiers.get(level=1).officer
    today = datetime.date(2026, 11, 26)
    received = timezone.make_aware(datetime.datetime(2026, 9, 1, 10, 0))
    entries_before = TimelineEntry.objects.count()
    messages_before = OutboxMessage.objects.count()
    batch = []
    for n in range(cases):
        overdue = n % 10 == 0
        batch.append(
            Grievance(
                tracking_number=f"BENCH-{n:08d}",
                complaint_type="citizen",
                name="বেঞ্চ নাগরিক",
                mobile="01712345678",
                office=charter.office,
                subject="Bench",
                description="Bench",
                received_at=received,
                tier=1,
                status="received",
                handling_officer=officer,
                tier_started_on=datetime.date(2026, 9, 1),
                deadline=datetime.date(2026, 10, 20) if overdue else datetime.date(2026, 12, 20),
            )
        )
        if len(batch) == 5000:
            Grievance.objects.bulk_create(batch)
            batch = []
    Grievance.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")

    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        result = escalate_overdue(today=today)
    elapsed = time.perf_counter() - started
    again_started = time.perf_counter()
    again = escalate_overdue(today=today)
    again_elapsed = time.perf_counter() - again_started
    return (
        f"{cases:,} open cases, {cases // 10:,} overdue: `escalate_overdue` moved "
        f"{result.total:,} in **{elapsed:.2f} s** with **{len(queries)} queries** "
        f"({TimelineEntry.objects.count() - entries_before:,} timeline entries and "
        f"{OutboxMessage.objects.count() - messages_before:,} messages queued). "
        f"A second run the same day moved {again.total} in {again_elapsed:.2f} s."
    )
