"""Shopify fulfillments/* webhooks ship orders and move their shipments."""

import pytest

from orders.models import InboundWebhook, OrderStatus, Shipment, ShipmentStatus
from tests.orders.shopify_helpers import _order
from tests.orders.shopify_payloads import TEE_LINE_ID, fulfillment_payload, order_payload, post_webhook

pytestmark = pytest.mark.django_db


def test_it_ships_the_whole_order_on_fulfillments_create(client, store):
    post_webhook(client, store, "orders/create", order_payload())

    post_webhook(client, store, "fulfillments/create", fulfillment_payload(shipment_status="in_transit"))

    order = _order(store)
    shipment = order.shipments.get()
    assert (shipment.carrier, shipment.tracking_number) == ("Royal Mail", "RM123456785GB")
    assert shipment.tracking_url.endswith("RM123456785GB")
    assert shipment.external_id == "4912345678901"
    assert shipment.status == ShipmentStatus.IN_TRANSIT
    assert sorted((i.line_item.sku, i.quantity) for i in shipment.items.all()) == [("CAP-WOOL", 1), ("TEE-LIN-M", 2)]
    assert order.status == OrderStatus.SHIPPED


def test_it_partially_ships_the_order_when_some_items_are_fulfilled(client, store):
    post_webhook(client, store, "orders/create", order_payload())

    post_webhook(client, store, "fulfillments/create", fulfillment_payload(items={TEE_LINE_ID: 1}))

    order = _order(store)
    assert [(i.line_item.sku, i.quantity) for i in order.shipments.get().items.all()] == [("TEE-LIN-M", 1)]
    assert order.status == OrderStatus.PARTIALLY_SHIPPED


def test_it_uses_the_first_tracking_number_when_only_the_list_is_given(client, store):
    post_webhook(client, store, "orders/create", order_payload())
    payload = fulfillment_payload(
        tracking_number=None, tracking_numbers=["1Z999AA10123456784"], tracking_url=None, tracking_urls=[]
    )

    post_webhook(client, store, "fulfillments/create", payload)

    shipment = Shipment.objects.get()
    assert (shipment.tracking_number, shipment.tracking_url) == ("1Z999AA10123456784", "")


def test_it_moves_the_shipment_and_order_on_fulfillments_update(client, store):
    post_webhook(client, store, "orders/create", order_payload())
    post_webhook(client, store, "fulfillments/create", fulfillment_payload(shipment_status="in_transit"))

    post_webhook(client, store, "fulfillments/update", fulfillment_payload(shipment_status="delivered"))

    order = _order(store)
    assert order.shipments.count() == 1
    assert order.shipments.get().status == ShipmentStatus.DELIVERED
    assert order.status == OrderStatus.DELIVERED


@pytest.mark.parametrize(
    ("shopify_status", "status"),
    [
        (None, ShipmentStatus.PENDING),
        ("label_printed", ShipmentStatus.INFO_RECEIVED),
        ("label_purchased", ShipmentStatus.INFO_RECEIVED),
        ("confirmed", ShipmentStatus.INFO_RECEIVED),
        ("in_transit", ShipmentStatus.IN_TRANSIT),
        ("out_for_delivery", ShipmentStatus.OUT_FOR_DELIVERY),
        ("attempted_delivery", ShipmentStatus.ATTEMPT_FAIL),
        ("ready_for_pickup", ShipmentStatus.AVAILABLE_FOR_PICKUP),
        ("delivered", ShipmentStatus.DELIVERED),
        ("failure", ShipmentStatus.EXCEPTION),
        ("something_new", ShipmentStatus.PENDING),
    ],
)
def test_it_maps_shopifys_shipment_status(client, store, shopify_status, status):
    post_webhook(client, store, "orders/create", order_payload())

    post_webhook(client, store, "fulfillments/create", fulfillment_payload(shipment_status=shopify_status))

    assert Shipment.objects.get().status == status


def test_it_ships_nothing_for_a_cancelled_fulfillment(client, store):
    post_webhook(client, store, "orders/create", order_payload())

    post_webhook(client, store, "fulfillments/create", fulfillment_payload(status="cancelled"))

    assert not Shipment.objects.exists()
    assert _order(store).status == OrderStatus.PLACED


def test_it_records_a_fulfillment_that_arrives_before_its_order_as_failed(client, store):
    response = post_webhook(client, store, "fulfillments/create", fulfillment_payload())

    assert response.status_code == 200
    webhook = InboundWebhook.objects.get()
    assert webhook.processed_at is None
    assert webhook.attempts == 1
    assert webhook.error.startswith("LookupError: Shopify order 5612345678901 is not known")
    assert not Shipment.objects.exists()


def test_it_never_ships_another_stores_order_with_the_same_shopify_id(client, store, other_store):
    post_webhook(client, other_store, "orders/create", order_payload())

    post_webhook(client, store, "fulfillments/create", fulfillment_payload())

    assert not Shipment.objects.exists()
    assert InboundWebhook.objects.get(store=store).error.startswith("LookupError")
