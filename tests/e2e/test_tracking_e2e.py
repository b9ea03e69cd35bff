"""The customer's tracking page, end to end in headless Chromium: look the order up, read where
it is, switch language, start a return; and no serious accessibility problem on the way."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from orders.inputs import LineItemInput
from orders.models import ShipmentStatus
from orders.services import shipment_upsert, tracking_event_add
from tests.e2e.a11y import serious_violations
from tests.orders.factories import StoreFactory, place_order

pytestmark = pytest.mark.e2e

# The carrier's promised date, which the page shows as the estimate.
ESTIMATE = date(2031, 3, 14)


def item(sku, title, price="25.00"):
    return LineItemInput(sku=sku, title=title, quantity=1, unit_price=Decimal(price))


@pytest.fixture
def shipped_order(transactional_db):
    """Acme's order #1042 for ada@example.com: one parcel, three carrier checkpoints, and two past
    orders of other customers that bought a wool cap with the same tee (the recommendation)."""
    store = StoreFactory(
        slug="acme",
        name="Acme Outfitters",
        primary_color="#0b5394",
        support_email="help@acme.example",
    )
    for n, email in enumerate(["grace@example.com", "alan@example.com"]):
        place_order(
            store,
            number=f"#90{n}",
            external_id=f"90{n}",
            email=email,
            line_items=[item("TEE-1", "Linen tee"), item("CAP-1", "Wool cap", "19.90")],
        )
    order = place_order(
        store, number="#1042", external_id="1042", email="ada@example.com", line_items=[item("TEE-1", "Linen tee")]
    )
    shipment, _ = shipment_upsert(
        order=order, carrier="DHL", tracking_number="JD014600006101234567", estimated_delivery=ESTIMATE
    )
    start = timezone.now() - timedelta(days=2)
    for hours, status, message, location in [
        (0, ShipmentStatus.INFO_RECEIVED, "Shipment information received", "Hamburg"),
        (9, ShipmentStatus.IN_TRANSIT, "Arrived at the sorting centre", "Leipzig"),
        (20, ShipmentStatus.IN_TRANSIT, "Departed the sorting centre", "Leipzig"),
    ]:
        tracking_event_add(
            shipment=shipment,
            occurred_at=start + timedelta(hours=hours),
            status=status,
            message=message,
            location=location,
        )
    return order


def look_up(page, number: str, email: str) -> None:
    page.goto("/track/")
    page.get_by_label("Order number").fill(number)
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Track order").click()
    page.wait_for_url(re.compile(r"/track/[^/?]+/$"))


def test_a_customer_finds_the_order_reads_where_it_is_in_german_and_starts_a_return(page, shipped_order):
    look_up(page, "#1042", "Ada@Example.com")

    body = page.locator("body")
    expect(body).to_contain_text("Arrived at the sorting centre")
    expect(body).to_contain_text("Leipzig")
    expect(body).to_contain_text("Estimated delivery")
    expect(page.locator(f'time[datetime="{ESTIMATE:%Y-%m-%d}"]').first).to_be_visible()
    expect(body).to_contain_text("Wool cap")

    page.get_by_role("link", name="Deutsch", exact=True).click()
    page.wait_for_url(re.compile(r"[?&]lang=de"))
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(body).to_contain_text("Voraussichtliche Zustellung")
    expect(body).to_contain_text("Sendungsverlauf")
    expect(body).to_contain_text("Arrived at the sorting centre")  # the carrier's words stay as they came

    start_return = page.locator("a[href*='/returns/?token=']")
    expect(start_return).to_have_text("Rücksendung starten")
    start_return.click()
    page.wait_for_url(re.compile(r"/returns/"))


def test_the_lookup_form_and_the_tracking_page_have_no_serious_accessibility_violations(page, shipped_order):
    page.goto("/track/")
    lookup_form = serious_violations(page)
    look_up(page, "#1042", "ada@example.com")
    tracking_page = serious_violations(page)
    page.get_by_role("link", name="Deutsch", exact=True).click()
    page.wait_for_url(re.compile(r"[?&]lang=de"))
    german_page = serious_violations(page)

    assert (lookup_form, tracking_page, german_page) == ([], [], []), "axe-core's findings are printed above"
