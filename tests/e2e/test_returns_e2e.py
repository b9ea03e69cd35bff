"""A customer returns one of two items for store credit, starting from the tracking page's button,
in headless Chromium; every portal page passes axe."""

import pytest
from playwright.sync_api import expect

from tests.e2e.a11y import serious_violations
from tests.orders.factories import StoreFactory
from tests.returns.factories import delivered_order
from tracking import links

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_customer_returns_one_item_for_store_credit_from_the_tracking_page(page):
    store = StoreFactory(slug="acme", name="Acme Outfitters", primary_color="#0b5394")
    order = delivered_order(store)
    page.goto(links.page_path(links.order_token(order)))

    page.get_by_role("link", name="Start a return").click()
    choose = serious_violations(page)
    page.get_by_label("How many").nth(1).select_option("1")  # the wool cap, 19.90
    page.get_by_label("Why are you returning it?").nth(1).select_option("too_small")
    page.get_by_label("Store credit").check()
    page.get_by_role("button", name="See the amount").click()
    expect(page.locator("#amounts")).to_contain_text("€19.90")
    review = serious_violations(page)
    page.get_by_role("button", name="Confirm my return").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Return RMA-")
    assert (choose, review, serious_violations(page)) == ([], [], [])
