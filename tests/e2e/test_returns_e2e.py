"""Customers return items in headless Chromium: one of two items for store credit from the tracking
page's button, then printing the label; an exchange for another size from the lookup form. Every
portal page passes axe, and the label PDF holds the RMA number as text and as a barcode that decodes."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from orders.models import Product
from returns.models import ReturnRequest
from tests.e2e.a11y import serious_violations
from tests.orders.factories import StoreFactory
from tests.returns.factories import delivered_order, policy
from tests.returns.label_pdf import code128_decode, label_text
from tracking import links

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_customer_returns_one_item_for_store_credit_from_the_tracking_page_and_prints_the_label(page):
    store = StoreFactory(slug="acme", name="Acme Outfitters", primary_color="#0b5394")
    policy(
        store,
        auto_approve_below=Decimal("50.00"),
        return_address="Acme returns desk\nLagerstraße 5\n10115 Berlin",
        policy_text={"en": "Return anything within 30 days of delivery."},
    )
    order = delivered_order(store)
    page.goto(links.page_path(links.order_token(order)))

    page.get_by_role("link", name="Start a return").click()
    expect(page.get_by_role("heading", name="Our return policy")).to_be_visible()
    choose = serious_violations(page)
    page.get_by_label("How many").nth(1).select_option("1")  # the wool cap, 19.90
    page.get_by_label("Why are you returning it?").nth(1).select_option("too_small")
    page.get_by_label("Store credit").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#amounts")).to_contain_text("€19.90")
    review = serious_violations(page)
    page.get_by_role("button", name="Confirm my return").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Return RMA-")
    done = serious_violations(page)
    rma = ReturnRequest.objects.get().number
    label = page.get_by_role("link", name="Print the return label (PDF)")
    pdf = page.context.request.get(label.get_attribute("href"))
    assert (pdf.status, pdf.headers["content-type"]) == (200, "application/pdf")
    assert rma in label_text(pdf.body())
    assert code128_decode(pdf.body()) == rma
    assert (choose, review, done) == ([], [], [])


def test_a_customer_exchanges_a_tee_for_another_size_from_the_lookup_form(page):
    store = StoreFactory(slug="acme", name="Acme Outfitters", primary_color="#0b5394")
    policy(store, exchange_price_difference=True)
    order = delivered_order(store)
    Product.objects.filter(sku="TEE-1").update(group="linen-tee")
    Product.objects.create(store=store, sku="TEE-XL", title="Linen tee XL", price=Decimal("29.00"), group="linen-tee")
    page.goto("/returns/")

    lookup = serious_violations(page)
    page.get_by_label("Order number").fill("1001")
    page.get_by_label("Email").fill(order.email)
    page.get_by_role("button", name="Find my order").click()
    page.get_by_label("How many").nth(0).select_option("1")
    page.get_by_label("Why are you returning it?").nth(0).select_option("too_small")
    page.get_by_label("Exchange for another size or colour").check()
    choose = serious_violations(page)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="What would you like instead?")).to_be_visible()
    exchange = serious_violations(page)
    page.get_by_label("Linen tee XL").check()
    page.get_by_role("button", name="See the amount").click()
    expect(page.locator("#amounts")).to_contain_text("You pay")
    expect(page.locator("#amounts")).to_contain_text("€4.00")
    review = serious_violations(page)
    page.get_by_role("button", name="Confirm my return").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Return RMA-")
    expect(page.get_by_text("1 \N{MULTIPLICATION SIGN} Linen tee for Linen tee XL")).to_be_visible()
    assert ReturnRequest.objects.get().items.get().exchange_for.sku == "TEE-XL"
    assert (lookup, choose, exchange, review, serious_violations(page)) == ([], [], [], [], [])
