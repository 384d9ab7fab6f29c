"""Screenshots of what a citizen sees, for the README: ``docs/screenshots/``.

    python manage.py take_screenshots                  # serves this project's database itself
    python manage.py take_screenshots --url http://127.0.0.1:8000

Needs Playwright for Python and the system Chromium (Debian: apt-get install chromium
fonts-noto-core); it never downloads a browser.
"""

import os
import threading
from contextlib import contextmanager
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from django.conf import settings
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.management.base import BaseCommand, CommandError
from django.core.wsgi import get_wsgi_application

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PAGES = [("home", "/bn/"), ("services", "/bn/services/"), ("complaint-form", "/bn/complaints/new/")]
WIDTHS = [360, 1280]
# Long pages are cut here: the README shows the first screens, not the whole table.
MAX_HEIGHT = {360: 2200, 1280: 1600}


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@contextmanager
def _serve_this_project():
    """This project on a free local port, with its own database and static files."""
    server = make_server(
        "127.0.0.1",
        0,
        StaticFilesHandler(get_wsgi_application()),
        server_class=WSGIServer,
        handler_class=_QuietHandler,
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


class Command(BaseCommand):
    help = (
        "Take screenshots of the home, services and complaint pages in Bangla at 360 and 1280 px."
    )

    def add_arguments(self, parser):
        parser.add_argument("--url", help="A running site; by default this project is served.")
        parser.add_argument("--out", default=str(Path(settings.BASE_DIR) / "docs" / "screenshots"))
        parser.add_argument(
            "--chromium", default=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
        )

    def handle(self, *args, url=None, out, chromium, **options):
        try:
            from playwright.sync_api import sync_playwright
        except ImportError as error:
            raise CommandError("Install Playwright: pip install -r requirements-dev.txt") from error
        if not Path(chromium).exists():
            raise CommandError(
                f"{chromium} is missing: apt-get install -y chromium fonts-noto-core"
            )
        out_dir = Path(out)
        out_dir.mkdir(parents=True, exist_ok=True)
        # The in-process server answers Django's ORM from Playwright's thread's event loop.
        os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with _serve_this_project() if url is None else _given(url) as base:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
                try:
                    for width in WIDTHS:
                        self._shoot(browser, base.rstrip("/"), width, out_dir)
                finally:
                    browser.close()

    def _shoot(self, browser, base, width, out_dir):
        context = browser.new_context(
            viewport={"width": width, "height": 800},
            device_scale_factor=1,
            java_script_enabled=False,
            locale="bn-BD",
        )
        try:
            page = context.new_page()
            for name, path in PAGES:
                response = page.goto(base + path)
                if response is None or response.status != 200:
                    raise CommandError(f"{base + path} answered {response and response.status}")
                height = min(
                    page.evaluate("document.documentElement.scrollHeight"), MAX_HEIGHT[width]
                )
                target = out_dir / f"{name}-bn-{width}.png"
                page.screenshot(
                    path=target,
                    full_page=True,
                    clip={"x": 0, "y": 0, "width": width, "height": height},
                )
                self.stdout.write(f"{target}")
        finally:
            context.close()


@contextmanager
def _given(url):
    yield url
