"""Playwright for Python driving the system Chromium (Debian's package), never a downloaded one.

Locally a missing browser, Playwright or axe-core skips these tests with the reason; in CI
(``CI=true``) it fails them, so a broken set-up cannot pass silently.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_SCRIPT = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
IN_CI = os.environ.get("CI", "").strip().lower() == "true"


def _unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"Browser tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def _playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is missing: pip install -r requirements-dev.txt")
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing: apt-get install -y chromium fonts-noto-core")
    # Playwright's sync API runs an event loop in this thread; the tests' own database
    # calls are plain synchronous code, so Django's async-safety check must stand aside.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    manager = sync_playwright().start()
    yield manager
    manager.stop()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser(_playwright):
    chromium = _playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture
def site(live_server, charter):
    """The live server's address, with the Kaunia charter in its (transactional) database."""
    return live_server.url


def _new_page(browser, **options):
    context = browser.new_context(**options)
    context.set_default_timeout(15_000)
    return context, context.new_page()


@pytest.fixture
def page(browser):
    """A phone-sized page with JavaScript off: every citizen task must work without it."""
    context, new_page = _new_page(
        browser, viewport={"width": 360, "height": 740}, java_script_enabled=False
    )
    yield new_page
    context.close()


@pytest.fixture
def axe_page(browser):
    """A desktop page that lets the tests inject axe-core despite the strict CSP."""
    if not AXE_SCRIPT.exists():
        _unavailable(f"{AXE_SCRIPT} is missing: npm ci (axe-core comes from npm)")
    context, new_page = _new_page(browser, viewport={"width": 1280, "height": 900}, bypass_csp=True)
    yield new_page
    context.close()


@pytest.fixture
def make_page(browser):
    """Pages with chosen context options (viewport, zoom), closed after the test."""
    contexts = []

    def make(**options):
        context, new_page = _new_page(browser, **options)
        contexts.append(context)
        return new_page

    yield make
    for context in contexts:
        context.close()


def axe_violations(page) -> list[dict]:
    """axe-core's violations on the page as loaded, in a short readable form."""
    page.add_script_tag(path=str(AXE_SCRIPT))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [node["target"] for node in violation["nodes"]][:5],
        }
        for violation in result["violations"]
    ]
