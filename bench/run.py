"""`make bench`: public pages, complaint submission and tracking under load, against the
same server serving a static file of the same size; and the escalation sweep at 100,000
cases. Prints one table and writes bench/RESULTS.md. Needs PostgreSQL and wrk.
"""

import datetime
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATABASE = os.environ.get("BENCH_DATABASE", "charter_bench")
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PORT = int(os.environ.get("BENCH_PORT", "18765"))
DURATION = os.environ.get("BENCH_DURATION", "10s")
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "1"))
ESCALATION_CASES = int(os.environ.get("BENCH_CASES", "100000"))
BASE = f"http://127.0.0.1:{PORT}"

ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "charter_site.settings.production",
    "DATABASE_URL": f"{PG}/{DATABASE}",
    "SECRET_KEY": "bench-" + "k9Qz!pL2x#Rt7Wm@4Yb8Nc1Hd6Fj0Sg5Ue^Ai*Oo_Ps+Tq=Vr" * 2,
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "0",
    "BEHIND_PROXY": "0",
    "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
    "LOG_LEVEL": "WARNING",
    # Rate limits raised for the run: every request comes from 127.0.0.1.
    "GRS_RATE_LIMIT_SCALE": "1000000",
    "SITE_URL": BASE,
    # Messages only wait in the outbox during the run; nothing is sent.
    "SMS_BACKEND": "grievances.sms.FileBackend",
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
}
os.environ.update(ENV)

PAGES = [
    ("home page", "/bn/"),
    ("services page", "/bn/services/"),
    ("a service page", "/bn/services/citizen/1/"),
    ("complaint form", "/bn/complaints/new/"),
]


def sh(*args, **kwargs):
    return subprocess.run(args, cwd=ROOT, env=ENV, check=True, **kwargs)


def manage(*args):
    sh(sys.executable, "manage.py", *args, stdout=subprocess.DEVNULL)


def prepare_database():
    sh("dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres", DATABASE)
    sh("createdb", "-h", "127.0.0.1", "-U", "postgres", DATABASE)
    manage("migrate", "--noinput")
    manage("loaddata", "fixtures/charter.json")
    manage("collectstatic", "--noinput")
    subprocess.run(["redis-cli", "-n", "15", "flushdb"], check=False, capture_output=True)


def page_sizes() -> dict[str, int]:
    import django

    django.setup()
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    return {path: len(client.get(path).content) for _label, path in PAGES}


def write_baseline_files(sizes: dict[str, int]) -> dict[str, str]:
    """Static files of the same size as each page, served by WhiteNoise from STATIC_ROOT."""
    folder = ROOT / "staticfiles" / "bench"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    urls = {}
    for index, (path, size) in enumerate(sizes.items()):
        name = f"page{index}.html"
        (folder / name).write_bytes(b"x" * size)
        urls[path] = f"/static/bench/{name}"
    return urls


def start_server():
    try:
        urllib.request.urlopen(f"{BASE}/healthz", timeout=1)
    except OSError:
        pass
    else:
        raise SystemExit(f"Something already answers on {BASE}; set BENCH_PORT.")
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "charter_site.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(WORKERS),
            "--threads",
            str(THREADS),
            "--access-logfile",
            "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null",
        ],
        cwd=ROOT,
        env=ENV,
        start_new_session=True,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{BASE}/healthz", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


def stop_server(server):
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=20)


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def wrk(path: str, script: Path | None = None, extra_output: bool = False) -> dict:
    args = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency"]
    if script:
        args += ["-s", str(script)]
    done = subprocess.run([*args, BASE + path], capture_output=True, text=True, env=ENV)
    if done.returncode:
        raise SystemExit(f"wrk failed on {path}: {done.stdout}{done.stderr}")
    out = done.stdout

    def latency(percentile):
        value, unit = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * UNITS[unit]

    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "p50": latency(50),
        "p99": latency(99),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": errors.group(1) if errors else "",
        "output": out if extra_output else "",
    }


def main():
    started = datetime.datetime.now().astimezone()
    prepare_database()
    sizes = page_sizes()
    baseline_urls = write_baseline_files(sizes)
    rows = []
    server = start_server()
    try:
        for label, path in PAGES:
            urllib.request.urlopen(BASE + path).read()  # warm the page cache
            measured = wrk(path)
            baseline = wrk(baseline_urls[path])
            rows.append((label, path, sizes[path], measured, baseline))
        import scenarios

        extra_rows = scenarios.run(base=BASE, wrk=wrk)
    finally:
        stop_server(server)
    sweep = scenarios.escalation_sweep(cases=ESCALATION_CASES)
    report = render(started, rows, extra_rows, sweep)
    print(report)
    results = ROOT / "bench" / "RESULTS.md"
    import network  # the network section (bench/network.py) is measured on its own: kept

    kept = network.kept_section(results.read_text()) if results.exists() else ""
    results.write_text(report + kept)


def render(started, rows, extra_rows, sweep) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"Run {started:%Y-%m-%d %H:%M %Z} on {platform.node()}: {os.cpu_count()} CPUs, "
        f"{platform.platform()}, Python {platform.python_version()}; gunicorn with "
        f"{WORKERS} workers × {THREADS} thread(s), production settings, PostgreSQL, "
        "Redis cache, WhiteNoise; "
        f"wrk {CONNECTIONS} connections for {DURATION} per row, on loopback.",
        "",
        "| what | size (bytes) | req/s | p50 ms | p99 ms | baseline req/s | baseline p99 ms "
        "| req/s vs baseline | errors |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for label, _path, size, measured, baseline in rows:
        lines.append(
            f"| {label} | {size} | {measured['rps']:.0f} | {measured['p50']:.1f} | "
            f"{measured['p99']:.1f} | {baseline['rps']:.0f} | {baseline['p99']:.1f} | "
            f"{measured['rps'] / baseline['rps']:.0%} | "
            f"{measured['non_2xx']} {measured['socket_errors']} |"
        )
    for row in extra_rows:
        lines.append(row)
    lines += ["", "## Escalation sweep", "", sweep, "", "## Targets (issue 5)", ""]
    for label, _path, _size, measured, baseline in rows[:3]:
        ratio = measured["rps"] / baseline["rps"]
        met = ratio >= 0.5 and measured["p99"] < 50
        lines.append(
            f"- {label}, cached: ≥ 50 % of the static baseline with p99 under 50 ms: "
            f"{'met' if met else 'missed'} ({ratio:.0%}, p99 {measured['p99']:.1f} ms)"
        )
    lines += [
        "- complaint submissions ≥ 100/s, no errors, every accepted complaint stored: "
        "see the submission row",
        "- escalation sweep over 100,000 cases under 10 s, set-based: see above",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "bench"))
    main()
