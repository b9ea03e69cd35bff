import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from orders.models import DomainEvent, InboundWebhook, Order, OrderSource, OrderStatus, Shipment, ShipmentStatus
from tests.orders.shopify_payloads import (
    CAP_LINE_ID,
    CUSTOMER_ID,
    ORDER_ID,
    TEE_LINE_ID,
    fulfillment_payload,
    order_payload,
    post_raw,
    post_webhook,
    shopify_headers,
)

pytestmark = pytest.mark.django_db

MIB = 1024 * 1024


def _order(store) -> Order:
    return Order.objects.with_details().get(store=store, external_id=str(ORDER_ID))


# -- orders ---------------------------------------------------------------------------------


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


# -- fulfillments ---------------------------------------------------------------------------


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


# -- compliance and unknown topics ----------------------------------------------------------


@pytest.mark.parametrize("topic", ["customers/redact", "customers/data_request", "shop/redact"])
def test_it_accepts_and_stores_compliance_topics(client, store, topic):
    payload = {
        "shop_id": 68123456789,
        "shop_domain": "acme-outfitters.myshopify.com",
        "customer": {"id": CUSTOMER_ID, "email": "ada.lovelace@example.com", "phone": None},
        "orders_to_redact": [ORDER_ID],
    }

    response = post_webhook(client, store, topic, payload)

    assert response.status_code == 200
    webhook = InboundWebhook.objects.get()
    assert (webhook.topic, json.loads(webhook.body)) == (topic, payload)
    assert webhook.processed_at is not None


def test_it_answers_200_to_a_topic_it_does_not_handle(client, store):
    response = post_webhook(client, store, "products/update", {"id": 8012345678901, "title": "Linen tee"})

    assert response.status_code == 200
    webhook = InboundWebhook.objects.get()
    assert (webhook.topic, webhook.error) == ("products/update", "")
    assert webhook.processed_at is not None


# -- the door: store, size, signature, shape ------------------------------------------------


def test_it_accepts_the_previous_secret_while_the_merchant_rotates(client, store):
    store.shopify_secret_previous = store.shopify_secret
    store.shopify_secret = "shpss_brand_new"
    store.save()

    response = post_webhook(client, store, "orders/create", order_payload(), secret=store.shopify_secret_previous)

    assert response.status_code == 200
    assert Order.objects.filter(store=store).count() == 1


def test_it_rejects_a_body_changed_by_one_byte(client, store):
    body = json.dumps(order_payload()).encode()
    headers = shopify_headers(body, secret=store.shopify_secret, topic="orders/create")
    tampered = body.replace(b'"total_price": "69.85"', b'"total_price": "09.85"')

    response = post_raw(client, store.slug, tampered, headers)

    assert len(tampered) == len(body)
    assert response.status_code == 401
    assert not InboundWebhook.objects.exists()
    assert not Order.objects.exists()


def test_it_rejects_a_webhook_without_a_signature(client, store):
    body = json.dumps(order_payload()).encode()
    headers = shopify_headers(body, secret=store.shopify_secret, topic="orders/create")
    del headers["X-Shopify-Hmac-Sha256"]

    response = post_raw(client, store.slug, body, headers)

    assert response.status_code == 401
    assert not InboundWebhook.objects.exists()


def test_it_rejects_a_webhook_signed_with_another_stores_secret(client, store, other_store):
    response = post_webhook(client, store, "orders/create", order_payload(), secret=other_store.shopify_secret)

    assert response.status_code == 401
    assert not InboundWebhook.objects.exists()


@pytest.mark.parametrize("size", [MIB + 1, 3 * MIB], ids=["just-over", "over-djangos-own-limit"])
def test_it_refuses_a_body_over_one_mebibyte(client, store, size):
    body = b'{"pad": "' + b"x" * (size - 11) + b'"}'
    headers = shopify_headers(body, secret=store.shopify_secret, topic="orders/create")

    response = post_raw(client, store.slug, body, headers)

    assert len(body) == size
    assert response.status_code == 413
    assert not InboundWebhook.objects.exists()


@pytest.mark.parametrize(
    "body",
    [b'{"id": 5612345678901,', b"[1, 2, 3]", b'{"name": "#1001 \xff"}'],
    ids=["truncated-json", "not-an-object", "not-utf8"],
)
def test_it_rejects_a_signed_body_that_is_not_a_json_object(client, store, body):
    headers = shopify_headers(body, secret=store.shopify_secret, topic="orders/create")

    response = post_raw(client, store.slug, body, headers)

    assert response.status_code == 400
    assert not InboundWebhook.objects.exists()


def test_it_rejects_a_webhook_without_a_topic(client, store):
    body = json.dumps(order_payload()).encode()
    headers = shopify_headers(body, secret=store.shopify_secret, topic="orders/create")
    del headers["X-Shopify-Topic"]

    response = post_raw(client, store.slug, body, headers)

    assert response.status_code == 400
    assert not InboundWebhook.objects.exists()


def test_it_answers_404_for_an_unknown_store(client, store):
    body = json.dumps(order_payload()).encode()
    headers = shopify_headers(body, secret=store.shopify_secret, topic="orders/create")

    response = post_raw(client, "no-such-store", body, headers)

    assert response.status_code == 404
    assert not InboundWebhook.objects.exists()


def test_it_answers_405_to_anything_but_post(client, store):
    response = client.get(f"/webhooks/shopify/{store.slug}/")

    assert response.status_code == 405


def test_it_rejects_a_content_length_that_is_not_a_number(client, store):
    body = json.dumps(order_payload()).encode()
    headers = shopify_headers(body, secret=store.shopify_secret, topic="orders/create")

    response = client.post(
        f"/webhooks/shopify/{store.slug}/",
        data=body,
        content_type="application/json",
        headers=headers,
        CONTENT_LENGTH="lots",
    )

    assert response.status_code == 400
    assert not InboundWebhook.objects.exists()
