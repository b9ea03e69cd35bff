"""The customer pages under their Content-Security-Policy in headless Chromium: the tracking page
(looked up, then served again from the cache), the preference page and the unsubscribe page load,
work, and the browser reports no CSP violation on the way."""

import re

import pytest
from playwright.sync_api import expect

from notifications.context import preferences_token
from tests.e2e.test_tracking_e2e import look_up, shipped_order  # noqa: F401 - the order fixture
from tests.orders.factories import UserFactory

pytestmark = pytest.mark.e2e

# Collects every violation the page reports, from before its first script runs.
LISTEN = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
});
"""


@pytest.fixture
def watched(page):
    """The page, with CSP violations collected from its console and its DOM events."""
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(LISTEN)
    page.csp_console = console
    return page


def violations(page) -> list[str]:
    from_console = [text for text in page.csp_console if "Content Security Policy" in text]
    return from_console + page.evaluate("window.__cspViolations || []")


def test_the_tracking_page_loads_styled_with_no_csp_violation(watched, shipped_order):  # noqa: F811
    look_up(watched, "#1042", "ada@example.com")
    first = violations(watched)
    # The brand colour comes from the page's only inline <style>, which needs the nonce.
    brand = watched.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--brand').trim()")
    watched.reload()

    assert brand == "#0b5394"
    assert watched.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--brand').trim()") == brand
    assert (first, violations(watched)) == ([], [])


def test_the_preference_page_saves_with_no_csp_violation(watched, shipped_order):  # noqa: F811
    token = preferences_token(shipped_order.customer_id)

    watched.goto(f"/messages/preferences/{token}/")
    watched.get_by_role("button").last.click()
    watched.wait_for_url(re.compile(r"saved=1"))

    assert violations(watched) == []


def test_the_unsubscribe_page_unsubscribes_with_no_csp_violation(watched, shipped_order):  # noqa: F811
    token = preferences_token(shipped_order.customer_id)

    watched.goto(f"/messages/unsubscribe/{token}/")
    watched.get_by_role("button", name="Unsubscribe").click()

    expect(watched.locator("h1")).to_contain_text("You are unsubscribed")
    assert violations(watched) == []


def test_the_admin_works_under_its_policy(watched, shipped_order):  # noqa: F811
    UserFactory(username="root", password="correct-horse-battery", is_superuser=True)

    watched.goto("/admin/login/?next=/admin/")
    watched.get_by_label("Username").fill("root")
    watched.get_by_label("Password").fill("correct-horse-battery")
    watched.get_by_role("button", name="Log in").click()
    watched.wait_for_url(re.compile(r"/admin/$"))
    watched.goto("/admin/orders/order/")
    expect(watched.locator("#result_list")).to_contain_text("#1042")
    watched.goto("/admin/notifications/messagetemplate/add/")
    watched.get_by_role("button", name="Preview changes").click()
    # The static script shows the live preview frame: scripts from our origin run.
    expect(watched.locator('iframe[name="template-preview"]')).to_be_visible()

    assert violations(watched) == []
