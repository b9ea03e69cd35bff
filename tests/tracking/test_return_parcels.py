"""Return parcels: tracked through the same carrier webhooks, but they tell the customer nothing
and never move the order; delivered means the merchant received it."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from notifications.channels import sms
from notifications.models import Message
from orders import events, services
from orders.inputs import ShipmentItemInput
from orders.models import DomainEvent, OrderStatus, ShipmentDirection, ShipmentStatus
from postpurchase.exceptions import DomainError
from tests.tracking.carrier_payloads import generic_payload, post_generic
from tracking.selectors import order_tracking
from tracking.services import shipments_check_delays

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("carrier_secrets")]

RETURN_NUMBER = "JJD0099887766"


@pytest.fixture
def delivered_order(dhl_shipment):
    """The order's parcel arrived; the customer was told."""
    services.tracking_event_add(
        shipment=dhl_shipment, occurred_at=timezone.now() - timedelta(hours=2), status="delivered"
    )
    dhl_shipment.order.refresh_from_db()
    return dhl_shipment.order


@pytest.fixture
def return_parcel(delivered_order):
    parcel, _ = services.shipment_upsert(
        order=delivered_order,
        carrier="DHL",
        tracking_number=RETURN_NUMBER,
        direction=ShipmentDirection.RETURN,
        items=[ShipmentItemInput(sku="TEE-1", quantity=1)],
    )
    return parcel


def checkpoint(status: str, message: str, hours_ago: int) -> dict:
    at = (timezone.now() - timedelta(hours=hours_ago)).isoformat()
    return {"occurred_at": at, "status": status, "message": message}


def test_a_return_parcels_checkpoints_update_it_without_any_message_or_order_change(
    client, store, delivered_order, return_parcel
):
    messages_before = Message.objects.count()
    order_events_before = DomainEvent.objects.filter(kind__in=[events.ORDER_STATUS_CHANGED]).count()
    mail.outbox = []

    response = post_generic(
        client,
        store,
        generic_payload(
            [
                checkpoint("in_transit", "Picked up at the parcel shop", 1),
                checkpoint("out_for_delivery", "Out for delivery to the warehouse", 0),
            ],
            tracking_number=RETURN_NUMBER,
            carrier="DHL",
        ),
    )

    assert response.status_code == 200
    return_parcel.refresh_from_db()
    assert return_parcel.status == ShipmentStatus.OUT_FOR_DELIVERY
    assert return_parcel.events.count() == 2
    delivered_order.refresh_from_db()
    assert delivered_order.status == OrderStatus.DELIVERED
    assert Message.objects.count() == messages_before
    assert mail.outbox == []
    assert sms.outbox == []
    assert DomainEvent.objects.filter(kind=events.ORDER_STATUS_CHANGED).count() == order_events_before
    assert not DomainEvent.objects.filter(kind=events.SHIPMENT_STATUS_CHANGED, data__shipment_id=return_parcel.pk)


def test_a_carrier_estimate_for_a_return_parcel_updates_it_and_creates_nothing(
    client, store, delivered_order, return_parcel
):
    messages_before = Message.objects.count()

    post_generic(
        client,
        store,
        generic_payload(
            [checkpoint("in_transit", "Picked up at the parcel shop", 1)],
            tracking_number=RETURN_NUMBER,
            estimated_delivery="2026-11-20",
        ),
    )

    assert list(delivered_order.shipments.values_list("pk", "direction")) == [
        (delivered_order.shipments.outbound().get().pk, "outbound"),
        (return_parcel.pk, "return"),
    ]
    return_parcel.refresh_from_db()
    assert str(return_parcel.estimated_delivery) == "2026-11-20"
    assert Message.objects.count() == messages_before


def test_a_delivered_return_parcel_is_received_by_the_merchant(client, store, delivered_order, return_parcel):
    post_generic(
        client,
        store,
        generic_payload([checkpoint("delivered", "Delivered to Acme returns desk", 0)], tracking_number=RETURN_NUMBER),
    )

    return_parcel.refresh_from_db()
    assert return_parcel.status == ShipmentStatus.DELIVERED
    received = DomainEvent.objects.get(kind=events.RETURN_SHIPMENT_RECEIVED)
    assert received.data["shipment_id"] == return_parcel.pk
    assert events.describe(received) == f"Return parcel received by the merchant: DHL {RETURN_NUMBER}"
    assert not Message.objects.filter(shipment=return_parcel).exists()
    delivered_order.refresh_from_db()
    assert delivered_order.status == OrderStatus.DELIVERED


def test_a_return_parcel_before_delivery_does_not_hold_back_the_orders_status(store, dhl_shipment):
    order = dhl_shipment.order
    services.shipment_upsert(
        order=order, carrier="DHL", tracking_number=RETURN_NUMBER, direction=ShipmentDirection.RETURN
    )

    services.tracking_event_add(shipment=dhl_shipment, occurred_at=timezone.now(), status="delivered")

    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED


def test_creating_a_return_parcel_schedules_nothing_and_counts_nothing_as_shipped(store, delivered_order):
    before = Message.objects.count()

    parcel, created = services.shipment_upsert(
        order=delivered_order, carrier="DHL", tracking_number=RETURN_NUMBER, direction="return"
    )

    assert created
    assert parcel.items.count() == 0
    assert Message.objects.count() == before
    assert DomainEvent.objects.filter(kind=events.RETURN_SHIPMENT_CREATED, data__shipment_id=parcel.pk).exists()
    assert not DomainEvent.objects.filter(kind=events.SHIPMENT_CREATED, data__shipment_id=parcel.pk).exists()


def test_a_return_parcel_cannot_carry_more_than_was_bought(store, delivered_order):
    with pytest.raises(DomainError, match="Only 2 of Linen tee can come back"):
        services.shipment_upsert(
            order=delivered_order,
            carrier="DHL",
            tracking_number=RETURN_NUMBER,
            direction="return",
            items=[ShipmentItemInput(sku="TEE-1", quantity=3)],
        )


def test_the_tracking_page_and_its_estimate_leave_return_parcels_out(store, delivered_order, return_parcel):
    tracking = order_tracking(delivered_order.pk)

    assert [s.id for s in tracking.shipments] == [delivered_order.shipments.outbound().get().pk]
    assert tracking.estimate is None
    assert all(e.shipment_id != return_parcel.pk for e in tracking.events)


def test_a_silent_return_parcel_is_never_flagged_late(store, delivered_order, return_parcel):
    shipments_check_delays(now=timezone.now() + timedelta(days=20))

    return_parcel.refresh_from_db()
    assert (return_parcel.delayed, return_parcel.status) == (False, ShipmentStatus.PENDING)
    assert not Message.objects.filter(kind="delayed").exists()


def test_the_api_creates_a_return_parcel(api, store, delivered_order):
    response = api.post(
        f"/api/v1/orders/{delivered_order.pk}/shipments/",
        {"carrier": "DHL", "tracking_number": RETURN_NUMBER, "direction": "return"},
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["direction"] == "return"
    assert response.json()["items"] == []
