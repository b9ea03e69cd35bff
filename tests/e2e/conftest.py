"""Headless Chromium driven by Playwright against pytest-django's live server.

The browser is Debian's /usr/bin/chromium (Playwright's own download cannot work here). Without it the
e2e tests skip locally, but fail when CI=true: CI must run them (.ci/run installs the package).
"""

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps dialling Google's hosts, which the
# closed network refuses; the rest keep a root, GPU-less, headless run quiet and fast.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 5_000


@pytest.fixture(scope="package")
def browser():
    """One Chromium for the e2e package, closed after its last test.

    Package scope, not session: Playwright's sync API keeps an asyncio loop marked as running on
    the main thread while it is started, and Django refuses ORM calls under a running loop
    (SynchronousOnlyOperation). The tests' own setup and teardown need the ORM, so the check is
    lifted only while the browser lives, and the browser stops before any other package runs.
    """
    if not CHROMIUM.exists():
        reason = f"the e2e tests need Debian's chromium at {CHROMIUM} (apt-get install -y chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI must run them")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
            yield chromium
            chromium.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies) on the live server; relative URLs go to it."""
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()
