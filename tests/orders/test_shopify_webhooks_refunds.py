"""Shopify refunds/create: a refund made in Shopify is on the order's timeline, once."""

import pytest

from orders.events import ORDER_REFUNDED, describe
from orders.models import DomainEvent, InboundWebhook
from tests.orders.shopify_helpers import _order
from tests.orders.shopify_payloads import CAP_LINE_ID, TEE_LINE_ID, order_payload, post_webhook, refund_payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(client, store):
    post_webhook(client, store, "orders/create", order_payload())
    return _order(store)


def test_a_refund_is_recorded_with_its_successful_amount_and_our_line_items(client, store, order):
    response = post_webhook(client, store, "refunds/create", refund_payload(items={TEE_LINE_ID: 1, CAP_LINE_ID: 1}))

    assert response.status_code == 200
    event = DomainEvent.objects.get(order=order, kind=ORDER_REFUNDED)
    tee, cap = order.line_items.all()
    assert (event.data["amount"], event.data["currency"], event.data["source"]) == ("25.00", "EUR", "shopify")
    assert [(line["line_item_id"], line["quantity"], line["subtotal"]) for line in event.data["lines"]] == [
        (tee.pk, 1, "25.00"),
        (cap.pk, 1, "19.90"),
    ]
    assert describe(event) == "Refunded EUR 25.00 in shopify"


def test_the_same_refund_delivered_twice_is_recorded_once(client, store, order):
    post_webhook(client, store, "refunds/create", refund_payload())
    post_webhook(client, store, "refunds/create", refund_payload())

    assert InboundWebhook.objects.filter(topic="refunds/create").count() == 2
    assert DomainEvent.objects.filter(order=order, kind=ORDER_REFUNDED).count() == 1


def test_a_refund_of_a_line_the_order_does_not_have_records_nothing_and_keeps_the_error(client, store, order):
    payload = refund_payload()
    payload["refund_line_items"][0]["line_item_id"] = 999

    response = post_webhook(client, store, "refunds/create", payload)

    assert response.status_code == 200  # stored; Shopify must not retry a payload that cannot change
    assert not DomainEvent.objects.filter(kind=ORDER_REFUNDED).exists()
    assert "has no line item 999" in InboundWebhook.objects.get(topic="refunds/create").error
