"""The demo store's staff user (not the superuser) signs in and lands on the dashboard: charts
drawn from data, each with its table, a CSV download, and no serious accessibility problem."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.e2e.a11y import serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_demo_merchant_signs_in_sees_the_dashboard_and_exports_a_csv(page):
    call_command("seed_demo", "--orders", "40", stdout=StringIO())

    page.goto("/admin/")
    page.get_by_label("Username").fill("merchant")
    page.get_by_label("Password").fill("merchant")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard: Acme Outfitters")
    orders_chart = page.locator("canvas[data-chart='orders']")
    expect(orders_chart).to_have_attribute("data-drawn", "true")
    assert page.locator("canvas[data-drawn='true']").count() >= 3
    page.get_by_text("Table: Orders and revenue by day").click()
    orders_table = page.get_by_role("table").filter(has_text="Revenue (EUR)")
    expect(orders_table).to_be_visible()
    assert orders_table.locator("tbody tr").count() == 30
    orders_figure = page.get_by_role("row", name="Orders", exact=False).filter(
        has=page.get_by_role("rowheader", name="Orders", exact=True)
    )
    expect(orders_figure.get_by_role("cell").first).not_to_have_text("0")
    violations = serious_violations(page)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV: Orders and revenue by day").click()
    lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()

    assert lines[0] == "Day,Orders,Revenue (EUR)"
    assert len(lines) == 31
    assert sum(int(line.split(",")[1]) for line in lines[1:]) > 0
    assert violations == []
