"""`python bench/uploads.py`: /healthz latency while 4 clients send the heaviest uploads the
complaint form accepts, in a loop; and while they send the three 7000 × 7000 PNGs of the
hardening issue (refused now from their headers). gunicorn with production settings,
PostgreSQL and Redis, as `bench/run.py` sets them up, but its own database, Redis database
and port, so that it can run beside the other benchmarks. No wrk needed. Prints a table in
the form of bench/RESULTS.md (copy it there: `bench/run.py` rewrites that file).

BENCH_UPLOAD_SECONDS (default 30) is the length of each phase; BENCH_UPLOAD_CLIENTS (4)
the clients sending uploads.
"""

import datetime
import http.client
import http.cookiejar
import io
import multiprocessing
import os
import platform
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

os.environ.setdefault("BENCH_DATABASE", "charter_bench_uploads")
os.environ.setdefault("BENCH_PORT", "18766")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")
# The attachments accepted during the run go to a directory of their own, removed after.
os.environ.setdefault("PRIVATE_MEDIA_ROOT", tempfile.mkdtemp(prefix="bench-uploads-"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # noqa: E402  (after the environment it reads)

SECONDS = float(os.environ.get("BENCH_UPLOAD_SECONDS", "30"))
CLIENTS = int(os.environ.get("BENCH_UPLOAD_CLIENTS", "4"))
FORM = "/bn/complaints/new/"


def prepare_database():
    run.sh("dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres", run.DATABASE)
    run.sh("createdb", "-h", "127.0.0.1", "-U", "postgres", run.DATABASE)
    run.manage("migrate", "--noinput")
    run.manage("loaddata", "fixtures/charter.json")
    run.manage("collectstatic", "--noinput")
    db = run.ENV["REDIS_URL"].rsplit("/", 1)[-1]
    subprocess.run(["redis-cli", "-n", db, "flushdb"], check=False, capture_output=True)


def drawing(size, mode="RGBA", fmt="PNG") -> bytes:
    """Lines on a plain ground, like a screenshot or a scanned form: many pixels in few
    bytes. As a PNG with alpha, the dearest image to decode and encode again."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, (240, 240, 230))
    draw = ImageDraw.Draw(image)
    width, height = size
    for x in range(0, width, 50):
        draw.line([(x, 0), (width - x, height)], fill=(x % 255, 30, 90), width=3)
    out = io.BytesIO()
    if fmt == "PNG":
        image.convert(mode).save(out, format="PNG", optimize=True)
    else:
        image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def plain(size) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, (250, 250, 250))
    ImageDraw.Draw(image).rectangle([100, 100, 600, 300], fill=(20, 20, 20))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def complaint_fields() -> dict[str, str]:
    from services.charter import current_charter

    service = current_charter().office.services.order_by("category", "serial").first()
    return {
        "complaint_type": "citizen",
        "subject": "Bench upload",
        "description": "বেঞ্চমার্কের অভিযোগ: সংযুক্তিসহ।",
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


def multipart(fields: dict[str, str], files: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = "bench" + secrets.token_hex(12)
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
        )
    for filename, data in files:
        parts.append(
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="attachments"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n".encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 is the receipt: count it, do not fetch it


def send_uploads(fields, files, stop_at, results):
    """One client: the form, then complaint after complaint with the files, until stop_at."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    page = opener.open(run.BASE + FORM, timeout=120).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    # The cookie is Secure in production: a browser on http would not send it back either,
    # so it is sent by hand, as in scenarios.py.
    cookie = next(c.value for c in jar if c.name == "csrftoken")
    opener = urllib.request.build_opener(_NoRedirect)
    sent = []
    while time.monotonic() < stop_at:
        body, content_type = multipart(
            {
                **fields,
                "csrfmiddlewaretoken": token,
                "submission_token": secrets.token_urlsafe(24),
            },
            files,
        )
        request = urllib.request.Request(
            run.BASE + FORM,
            data=body,
            headers={
                "Content-Type": content_type,
                "Cookie": f"csrftoken={cookie}",
                "Referer": run.BASE + FORM,
            },
        )
        started = time.monotonic()
        try:
            with opener.open(request, timeout=120) as response:
                status = response.status
                response.read()
        except urllib.error.HTTPError as error:
            status = error.code
        except OSError:
            status = 0
        sent.append((status, time.monotonic() - started))
    results.put(sent)


def probe_healthz(stop_at) -> tuple[list[float], int]:
    """/healthz one request after another, as a load balancer would (a little more often)."""
    latencies, failures = [], 0
    while time.monotonic() < stop_at:
        connection = http.client.HTTPConnection("127.0.0.1", run.PORT, timeout=60)
        started = time.monotonic()
        try:
            connection.request("GET", "/healthz")
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                failures += 1
        except OSError:
            failures += 1
        finally:
            connection.close()
        latencies.append((time.monotonic() - started) * 1000)
        time.sleep(0.05)
    return latencies, failures


def worker_pids(server) -> list[int]:
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def reset_peak_memory(server):
    for pid in worker_pids(server):
        try:
            Path(f"/proc/{pid}/clear_refs").write_text("5")  # resets VmHWM
        except OSError:
            pass


def peak_memory_mb(server) -> float:
    peaks = []
    for pid in worker_pids(server):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return max(peaks, default=0.0)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def phase(server, label, fields, files):
    reset_peak_memory(server)
    stop_at = time.monotonic() + SECONDS
    results = multiprocessing.get_context("fork").Queue()
    clients = [
        multiprocessing.get_context("fork").Process(
            target=send_uploads, args=(fields, files, stop_at, results)
        )
        for _ in range(CLIENTS if files else 0)
    ]
    for client in clients:
        client.start()
    latencies, failures = probe_healthz(stop_at)
    sent = [item for _client in clients for item in results.get(timeout=180)]
    for client in clients:
        client.join()
    statuses = {}
    for status, _elapsed in sent:
        statuses[status] = statuses.get(status, 0) + 1
    if files and not set(statuses) & {200, 302}:
        raise SystemExit(f"{label}: no upload reached the form: {statuses}")
    upload_times = [elapsed for _status, elapsed in sent]
    return {
        "label": label,
        "uploads": len(sent),
        "statuses": ", ".join(f"{count} × {status}" for status, count in sorted(statuses.items()))
        or "—",
        "upload_p50": statistics.median(upload_times) if upload_times else None,
        "healthz": len(latencies),
        "failures": failures,
        "p50": percentile(latencies, 0.50),
        "p99": percentile(latencies, 0.99),
        "max": max(latencies),
        "memory": peak_memory_mb(server),
    }


def render(started, rows, sizes) -> str:
    lines = [
        "# Benchmark: /healthz under worst-case uploads",
        "",
        f"Run {started:%Y-%m-%d %H:%M %Z} on {platform.node()}: {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}; gunicorn with {run.WORKERS} sync workers × "
        f"{run.THREADS} thread(s), production settings, PostgreSQL, Redis; {CLIENTS} clients "
        f"sending complaints with attachments in a loop while a fifth asks /healthz every "
        f"50 ms; {SECONDS:.0f} s a phase, on loopback. `python bench/uploads.py`.",
        "",
        f"Files: {sizes}.",
        "",
        "| phase | uploads sent | answers | upload p50 s | /healthz requests | "
        "p50 ms | p99 ms | max ms | /healthz failures | worker peak memory MB |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        upload_p50 = f"{row['upload_p50']:.2f}" if row["upload_p50"] is not None else "—"
        lines.append(
            f"| {row['label']} | {row['uploads']} | {row['statuses']} | {upload_p50} | "
            f"{row['healthz']} | {row['p50']:.1f} | {row['p99']:.1f} | {row['max']:.1f} | "
            f"{row['failures']} | {row['memory']:.0f} |"
        )
    lines += [
        "",
        "302 is a complaint accepted with its attachments; 200 is the form shown again with "
        "a message (the 7000 × 7000 PNGs are refused from their headers).",
        "",
    ]
    return "\n".join(lines)


def main():
    started = datetime.datetime.now().astimezone()
    prepare_database()
    import django

    django.setup()
    from django.db import connections

    fields = complaint_fields()
    worst = drawing((4000, 4000))  # 16 megapixels: three of them are the complaint's limit
    photo = drawing((4000, 4000), fmt="JPEG")  # as a phone photo would come
    issue = plain((7000, 7000))  # 49 megapixels each: the hardening issue's three PNGs
    sizes = (
        f"worst accepted = 3 × 4000 × 4000 PNG with alpha ({len(worst) // 1024} KB each, "
        f"48 megapixels in all); photos = the same as JPEG ({len(photo) // 1024} KB each); "
        f"issue's = 3 × 7000 × 7000 PNG ({len(issue) // 1024} KB each)"
    )
    connections.close_all()  # the clients are forked: no shared connection
    server = run.start_server()
    try:
        rows = [
            phase(server, "no uploads", fields, []),
            phase(
                server,
                "worst accepted uploads (3 × 16 MP PNG)",
                fields,
                [(f"drawing{n}.png", worst) for n in range(3)],
            ),
            phase(
                server,
                "photos at the same limit (3 × 16 MP JPEG)",
                fields,
                [(f"photo{n}.jpg", photo) for n in range(3)],
            ),
            phase(
                server,
                "the issue's uploads (3 × 49 MP PNG)",
                fields,
                [(f"scan{n}.png", issue) for n in range(3)],
            ),
        ]
    finally:
        run.stop_server(server)
        if Path(run.ENV["PRIVATE_MEDIA_ROOT"]).name.startswith("bench-uploads-"):
            shutil.rmtree(run.ENV["PRIVATE_MEDIA_ROOT"], ignore_errors=True)
    print(render(started, rows, sizes))


if __name__ == "__main__":
    main()
