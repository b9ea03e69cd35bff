"""Shopify orders/* webhooks create, update and cancel orders, once per event."""

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from orders.models import DomainEvent, InboundWebhook, Order, OrderSource, OrderStatus
from tests.orders.shopify_helpers import _order
from tests.orders.shopify_payloads import (
    CAP_LINE_ID,
    CUSTOMER_ID,
    ORDER_ID,
    TEE_LINE_ID,
    fulfillment_payload,
    order_payload,
    post_webhook,
)

pytestmark = pytest.mark.django_db


def test_it_creates_the_order_from_a_signed_orders_create(client, store):
    response = post_webhook(client, store, "orders/create", order_payload())

    assert response.status_code == 200
    assert response.json() == {"ok": True}
    order = _order(store)
    assert order.number == "#1001"
    assert order.source == OrderSource.SHOPIFY
    assert order.status == OrderStatus.PLACED
    assert order.email == "ada.lovelace@example.com"
    assert order.phone == "+442079460958"
    assert order.locale == "en"
    assert order.placed_at == datetime(2024, 5, 14, 9, 15, 2, tzinfo=UTC)
    assert (order.currency, order.subtotal, order.shipping_total) == ("EUR", Decimal("69.90"), Decimal("4.95"))
    assert (order.tax_total, order.discount_total, order.total) == (Decimal("11.64"), Decimal("5.00"), Decimal("69.85"))
    assert order.shipping_address == {
        "name": "Ada Lovelace",
        "line1": "12 Analytical Street",
        "line2": "Flat 3",
        "city": "London",
        "region": "ENG",
        "postal_code": "N1 9GU",
        "country": "GB",
    }
    assert order.billing_address == order.shipping_address
    assert [(li.external_id, li.sku, li.title, li.quantity, li.unit_price) for li in order.line_items.all()] == [
        (str(TEE_LINE_ID), "TEE-LIN-M", "Linen tee - M", 2, Decimal("25.00")),
        (str(CAP_LINE_ID), "CAP-WOOL", "Wool cap - Charcoal", 1, Decimal("19.90")),
    ]
    assert order.customer.full_name == "Ada Lovelace"
    assert order.customer.external_id == str(CUSTOMER_ID)


def test_it_marks_the_stored_webhook_processed(client, store):
    post_webhook(client, store, "orders/create", order_payload(), event_id="evt-1")

    webhook = InboundWebhook.objects.get()
    assert (webhook.provider, webhook.store, webhook.topic, webhook.event_id) == (
        "shopify",
        store,
        "orders/create",
        "evt-1",
    )
    assert webhook.processed_at is not None
    assert (webhook.attempts, webhook.error) == (1, "")
    assert json.loads(webhook.body)["id"] == ORDER_ID


def test_it_keeps_only_the_shopify_headers(client, store):
    post_webhook(client, store, "orders/create", order_payload(), event_id="evt-1")

    headers = InboundWebhook.objects.get().headers
    assert headers["X-Shopify-Topic"] == "orders/create"
    assert headers["X-Shopify-Shop-Domain"] == "acme-outfitters.myshopify.com"
    assert all(name.lower().startswith("x-shopify-") for name in headers)


def test_it_takes_the_email_from_the_customer_when_the_order_has_none(client, store):
    payload = order_payload(email="")

    post_webhook(client, store, "orders/create", payload)

    assert _order(store).email == "ada.lovelace@example.com"


def test_it_drops_a_phone_that_is_not_a_phone_number_but_keeps_the_order(client, store):
    payload = order_payload(phone="call me maybe")

    post_webhook(client, store, "orders/create", payload)

    assert _order(store).phone == ""


def test_it_processes_the_same_event_once(client, store):
    first = post_webhook(client, store, "orders/create", order_payload(), event_id="evt-1")

    second = post_webhook(client, store, "orders/create", order_payload(), event_id="evt-1")

    assert first.json() == {"ok": True}
    assert second.status_code == 200
    assert second.json() == {"ok": True, "duplicate": True}
    assert Order.objects.count() == 1
    assert InboundWebhook.objects.count() == 1
    assert DomainEvent.objects.filter(kind="order.placed").count() == 1


def test_it_updates_the_email_and_address_on_orders_updated(client, store):
    post_webhook(client, store, "orders/create", order_payload())
    moved = {**order_payload()["shipping_address"], "address1": "7 Difference Engine Lane", "zip": "EC1A 1BB"}

    post_webhook(client, store, "orders/updated", order_payload(email="ada@lovelace.example", shipping_address=moved))

    order = _order(store)
    assert order.email == "ada@lovelace.example"
    assert order.shipping_address["line1"] == "7 Difference Engine Lane"
    assert order.shipping_address["postal_code"] == "EC1A 1BB"
    event = DomainEvent.objects.get(order=order, kind="order.updated")
    assert set(event.data["changed"]) == {"email", "shipping_address"}
    assert event.actor == "shopify"


def test_it_records_nothing_when_orders_updated_changes_nothing(client, store):
    post_webhook(client, store, "orders/create", order_payload())

    post_webhook(client, store, "orders/updated", order_payload())

    assert not DomainEvent.objects.filter(kind="order.updated").exists()


def test_it_cancels_the_order_on_orders_cancelled(client, store):
    post_webhook(client, store, "orders/create", order_payload())

    post_webhook(
        client,
        store,
        "orders/cancelled",
        order_payload(cancelled_at="2024-05-14T12:00:00+01:00", cancel_reason="customer"),
    )

    order = _order(store)
    assert order.status == OrderStatus.CANCELLED
    assert order.cancelled_at == datetime(2024, 5, 14, 11, 0, tzinfo=UTC)
    assert DomainEvent.objects.filter(order=order, kind="order.cancelled").count() == 1


def test_it_keeps_a_shipped_order_that_shopify_cancels_and_applies_the_rest(client, store):
    post_webhook(client, store, "orders/create", order_payload())
    post_webhook(client, store, "fulfillments/create", fulfillment_payload())

    post_webhook(
        client,
        store,
        "orders/cancelled",
        order_payload(cancelled_at="2024-05-16T12:00:00+01:00", email="ada@lovelace.example"),
    )

    order = _order(store)
    assert order.status == OrderStatus.SHIPPED
    assert order.email == "ada@lovelace.example"
    assert InboundWebhook.objects.get(topic="orders/cancelled").processed_at is not None
