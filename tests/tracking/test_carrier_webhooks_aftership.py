"""AfterShip carrier webhooks: verify, store, add checkpoints and move the shipment."""

import json
from datetime import UTC, date, datetime

import pytest

from orders.events import SHIPMENT_UPDATED
from orders.models import DomainEvent, InboundWebhook, OrderStatus, ShipmentStatus
from tests.tracking.carrier_helpers import _checkpoints, _counts, _replay, _ship, _status_changes
from tests.tracking.carrier_payloads import (
    DELIVERED,
    DHL_NUMBER,
    HUB_SCAN,
    LABEL_CREATED,
    OUT_FOR_DELIVERY,
    PICKED_UP,
    aftership_checkpoint,
    aftership_payload,
    post_aftership,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("carrier_secrets")]


def test_a_signed_aftership_update_adds_every_checkpoint_and_moves_the_shipment(client, store, dhl_shipment):
    payload = aftership_payload([LABEL_CREATED, PICKED_UP, HUB_SCAN])

    response = post_aftership(client, store, payload)

    assert response.status_code == 200
    assert response.json() == {"ok": True}
    dhl_shipment.refresh_from_db()
    assert dhl_shipment.status == ShipmentStatus.IN_TRANSIT
    assert dhl_shipment.last_event_at == datetime(2024, 5, 15, 3, 5, tzinfo=UTC)
    assert _checkpoints(dhl_shipment) == [
        (
            datetime(2024, 5, 14, 10, 12, tzinfo=UTC),
            "info_received",
            "InfoReceived_001",
            "The shipment data has been sent to DHL electronically",
            "LEIPZIG, DEU",
        ),
        (
            datetime(2024, 5, 14, 17, 40, tzinfo=UTC),
            "in_transit",
            "InTransit_002",
            "The shipment has been picked up",
            "LEIPZIG, DEU",
        ),
        (
            datetime(2024, 5, 15, 3, 5, tzinfo=UTC),
            "in_transit",
            "InTransit_003",
            "The shipment has been processed in the parcel center",
            "EAST MIDLANDS, GBR",
        ),
    ]
    assert _status_changes(dhl_shipment) == [("pending", "info_received"), ("info_received", "in_transit")]


def test_a_delivered_checkpoint_delivers_the_shipment_and_the_order(client, store, dhl_shipment):
    payload = aftership_payload([LABEL_CREATED, PICKED_UP, HUB_SCAN, OUT_FOR_DELIVERY, DELIVERED])

    post_aftership(client, store, payload)

    dhl_shipment.refresh_from_db()
    assert dhl_shipment.status == ShipmentStatus.DELIVERED
    assert dhl_shipment.delivered_at == datetime(2024, 5, 16, 13, 21, tzinfo=UTC)
    assert dhl_shipment.order.status == OrderStatus.DELIVERED
    assert _status_changes(dhl_shipment)[-2:] == [
        ("in_transit", "out_for_delivery"),
        ("out_for_delivery", "delivered"),
    ]
    order_changes = DomainEvent.objects.filter(order=dhl_shipment.order, kind="order.status_changed")
    assert [e.data["to"] for e in order_changes.order_by("id")] == ["shipped", "out_for_delivery", "delivered"]
    assert set(order_changes.values_list("actor", flat=True)) == {"", "carrier:aftership"}


def test_the_aftership_expected_delivery_becomes_the_shipments_estimate(client, store, dhl_shipment):
    post_aftership(client, store, aftership_payload([LABEL_CREATED], expected_delivery="2024-05-17"))

    dhl_shipment.refresh_from_db()
    assert dhl_shipment.estimated_delivery == date(2024, 5, 17)
    [updated] = DomainEvent.objects.filter(kind=SHIPMENT_UPDATED, data__shipment_id=dhl_shipment.pk)
    assert updated.data["changed"] == {"estimated_delivery": "2024-05-17"}


def test_it_stores_the_webhook_with_its_event_id_and_the_aftership_headers(client, store, dhl_shipment):
    payload = aftership_payload([LABEL_CREATED], event_id="94dadd60-ed26-46d0-aa52-3ced925a50ff")

    post_aftership(client, store, payload)

    webhook = InboundWebhook.objects.get()
    assert (webhook.provider, webhook.store, webhook.topic, webhook.event_id) == (
        "carrier:aftership",
        store,
        "tracking_update",
        "94dadd60-ed26-46d0-aa52-3ced925a50ff",
    )
    assert (webhook.processed_at is not None, webhook.attempts, webhook.error) == (True, 1, "")
    assert {name.lower() for name in webhook.headers} == {"aftership-hmac-sha256", "as-webhook-version", "user-agent"}
    assert json.loads(webhook.body) == payload


def test_an_aftership_event_without_event_id_is_named_by_tracking_and_time(client, store, dhl_shipment):
    payload = aftership_payload([LABEL_CREATED])
    del payload["event_id"]

    post_aftership(client, store, payload)
    second = post_aftership(client, store, payload)

    assert second.json() == {"ok": True, "duplicate": True}
    assert InboundWebhook.objects.get().event_id == "n33xyn2b61cm3kosdtnvu00e:1715866205"


def test_the_same_aftership_event_twice_changes_nothing(client, store, dhl_shipment):
    payload = aftership_payload([LABEL_CREATED, PICKED_UP, HUB_SCAN])
    post_aftership(client, store, payload)
    before = _counts()

    response = post_aftership(client, store, payload)

    assert response.status_code == 200
    assert response.json() == {"ok": True, "duplicate": True}
    assert _counts() == before


def test_a_later_update_repeating_known_checkpoints_adds_only_the_new_ones(client, store, dhl_shipment):
    post_aftership(client, store, aftership_payload([LABEL_CREATED, PICKED_UP]))

    post_aftership(client, store, aftership_payload([LABEL_CREATED, PICKED_UP, HUB_SCAN]))

    assert dhl_shipment.events.count() == 3
    assert _status_changes(dhl_shipment) == [("pending", "info_received"), ("info_received", "in_transit")]


def test_replaying_processed_carrier_webhooks_changes_nothing(client, store, dhl_shipment):
    post_aftership(client, store, aftership_payload([LABEL_CREATED, PICKED_UP, HUB_SCAN, DELIVERED]))
    before = _counts()

    output = _replay("--all", "--provider", "carrier:aftership")

    assert output.splitlines()[-1] == "Replayed 1 webhooks: 1 ok, 0 failed."
    assert _counts() == before


def test_an_older_checkpoint_arriving_late_never_moves_the_status_back(client, store, dhl_shipment):
    post_aftership(client, store, aftership_payload([LABEL_CREATED, OUT_FOR_DELIVERY, DELIVERED]))

    late = aftership_payload([HUB_SCAN])
    response = post_aftership(client, store, late)

    assert response.status_code == 200
    dhl_shipment.refresh_from_db()
    assert dhl_shipment.status == ShipmentStatus.DELIVERED
    assert dhl_shipment.order.status == OrderStatus.DELIVERED
    assert dhl_shipment.last_event_at == datetime(2024, 5, 16, 13, 21, tzinfo=UTC)
    assert dhl_shipment.events.filter(substatus="InTransit_003").exists()  # kept for the timeline
    assert _status_changes(dhl_shipment)[-1] == ("out_for_delivery", "delivered")


def test_checkpoints_in_any_order_end_at_the_newest(client, store, dhl_shipment):
    post_aftership(client, store, aftership_payload([DELIVERED, LABEL_CREATED, OUT_FOR_DELIVERY, PICKED_UP]))

    dhl_shipment.refresh_from_db()
    assert dhl_shipment.status == ShipmentStatus.DELIVERED
    assert _status_changes(dhl_shipment) == [
        ("pending", "info_received"),
        ("info_received", "in_transit"),
        ("in_transit", "out_for_delivery"),
        ("out_for_delivery", "delivered"),
    ]


def test_a_checkpoint_time_without_offset_is_read_in_the_stores_time_zone(client, store, dhl_shipment):
    store.timezone = "Europe/London"
    store.save()

    post_aftership(client, store, aftership_payload([LABEL_CREATED]))  # 10:12 in London in May: BST

    assert dhl_shipment.events.get().occurred_at == datetime(2024, 5, 14, 9, 12, tzinfo=UTC)


def test_an_expired_tracking_without_a_scan_expires_the_shipment(client, store, dhl_shipment):
    post_aftership(client, store, aftership_payload([LABEL_CREATED], tag="Expired"))

    dhl_shipment.refresh_from_db()
    assert dhl_shipment.status == ShipmentStatus.EXPIRED
    expired = dhl_shipment.events.get(status=ShipmentStatus.EXPIRED)
    assert expired.occurred_at == datetime(2024, 5, 16, 13, 30, 5, tzinfo=UTC)  # msg.last_updated_at


def test_the_carrier_is_compared_loosely(client, store):
    royal_mail = _ship(store, carrier="Royal Mail", tracking_number="RM123456785GB", number="#1003")
    scan = aftership_checkpoint(
        "2024-05-14T18:00:00", "InTransit", "InTransit_002", "Acceptance scan", "Item received", slug="royal-mail"
    )

    post_aftership(client, store, aftership_payload([scan], tracking_number="rm 1234 5678 5gb", slug="royal-mail"))

    royal_mail.refresh_from_db()
    assert royal_mail.status == ShipmentStatus.IN_TRANSIT


def test_another_carriers_parcel_with_the_same_number_is_not_touched(client, store):
    ups = _ship(store, carrier="UPS", tracking_number=DHL_NUMBER, number="#1003")

    post_aftership(client, store, aftership_payload([LABEL_CREATED, PICKED_UP], slug="dhl"))

    ups.refresh_from_db()
    assert (ups.status, ups.events.count()) == (ShipmentStatus.PENDING, 0)
    webhook = InboundWebhook.objects.get()
    assert webhook.processed_at is None
    assert webhook.error == f"LookupError: tracking number {DHL_NUMBER} in store acme is UPS's, not dhl's"
