"""Replenishment reminders: a product that lasts N days gets one reminder N x quantity days after
delivery, with a reorder link; a newer order with the product cancels it. The product's value
comes from the admin, the API or the CSV import."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail

from notifications.flows import messaging_for
from notifications.models import Message, MessageState
from notifications.replenishment import REPLENISHMENT
from notifications.services import messages_dispatch_due
from orders import services
from orders.inputs import LineItemInput
from orders.models import Product
from tests.orders.factories import AGREED_TO_EMAIL, place_order
from tests.orders.import_helpers import our_order, run_import, write_csv

pytestmark = pytest.mark.django_db

DELIVERED = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)  # a Monday afternoon
SUBJECT = "Time to restock Ground coffee?"
COFFEE = LineItemInput(sku="COFFEE-1", title="Ground coffee", quantity=2, unit_price=Decimal("9.50"))


def day(n: float) -> datetime:
    return DELIVERED + timedelta(days=n)


@pytest.fixture
def coffee_order(store, django_capture_on_commit_callbacks):
    """Two bags of coffee (one lasts 30 days) delivered on DELIVERED, to a customer who agreed to email."""
    store.timezone = "UTC"
    store.save()
    settings = messaging_for(store)
    settings.reorder_url_pattern = "https://shop.example.com/cart/add?sku={sku}&qty={quantity}"
    settings.save()
    Product.objects.create(store=store, sku="COFFEE-1", title="Ground coffee", price=Decimal("9.50"), lasts_days=30)
    with time_machine.travel(day(-2), tick=False):
        order = place_order(store, number="#2001", marketing_consent=AGREED_TO_EMAIL, line_items=[COFFEE])
        shipment, _ = services.shipment_upsert(order=order, carrier="dhl", tracking_number="JD9")
    with time_machine.travel(DELIVERED, tick=False):
        services.tracking_event_add(shipment=shipment, occurred_at=DELIVERED, status="delivered")
    return order


def dispatch_at(when: datetime) -> list[str]:
    mail.outbox = []
    with time_machine.travel(when, tick=False):
        messages_dispatch_due()
    return [m.subject for m in mail.outbox]


def test_one_reminder_goes_out_on_the_day_the_quantity_bought_runs_out(coffee_order):
    assert SUBJECT not in dispatch_at(day(59.9))

    assert dispatch_at(day(60)) == [SUBJECT]

    assert SUBJECT not in dispatch_at(day(61))
    [message] = Message.objects.filter(kind=REPLENISHMENT)
    assert message.state == MessageState.SENT


def test_the_reminder_carries_the_reorder_link(coffee_order):
    dispatch_at(day(30))

    dispatch_at(day(60))

    [email] = mail.outbox
    assert "https://shop.example.com/cart/add?sku=COFFEE-1&qty=2" in email.body


def test_a_newer_order_with_the_product_cancels_the_reminder(store, coffee_order):
    with time_machine.travel(day(40), tick=False):
        place_order(store, number="#2002", email=coffee_order.email, line_items=[COFFEE])

    assert SUBJECT not in dispatch_at(day(60))

    [message] = Message.objects.filter(kind=REPLENISHMENT, order=coffee_order)
    assert (message.state, message.reason) == (MessageState.CANCELLED, "the customer ordered this product again")


def test_the_api_sets_how_long_a_product_lasts(api):
    order = {
        "number": "#3001",
        "email": "grace@example.com",
        "currency": "EUR",
        "line_items": [{"sku": "TEA-1", "title": "Tea", "quantity": 1, "unit_price": "4.00", "lasts_days": 45}],
    }

    response = api.post("/api/v1/orders/", order, format="json")

    assert response.status_code == 201, response.json()
    assert Product.objects.get(sku="TEA-1").lasts_days == 45


def test_the_csv_import_sets_how_long_a_product_lasts(store, tmp_path):
    rows = our_order(1, items=1)
    rows[0]["lasts_days"] = "20"

    out, status = run_import(write_csv(tmp_path / "orders.csv", rows))

    assert status == 0, out
    assert Product.objects.get(sku=rows[0]["sku"]).lasts_days == 20
