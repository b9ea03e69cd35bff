"""Carrier webhooks: matching an update to the right shipment, replaying unmatched ones, status rules and cost."""

from datetime import UTC, datetime

import pytest

from orders.models import InboundWebhook, OrderStatus, ShipmentStatus, TrackingEvent
from tests.tracking.carrier_helpers import _replay, _ship
from tests.tracking.carrier_payloads import (
    DELIVERED,
    DHL_NUMBER,
    LABEL_CREATED,
    OUT_FOR_DELIVERY,
    PICKED_UP,
    aftership_checkpoint,
    aftership_payload,
    easypost_event,
    post_aftership,
    post_easypost,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("carrier_secrets")]


def test_an_unknown_tracking_number_is_kept_and_replayed_once_the_shipment_exists(client, store):
    response = post_aftership(client, store, aftership_payload([LABEL_CREATED, PICKED_UP]))

    assert response.status_code == 200
    webhook = InboundWebhook.objects.get()
    assert webhook.processed_at is None
    assert webhook.error == f"LookupError: no shipment with tracking number {DHL_NUMBER} (yet) in store acme"
    assert not TrackingEvent.objects.exists()

    shipment = _ship(store, carrier="DHL", tracking_number=DHL_NUMBER, number="#1001")
    output = _replay()

    assert output.splitlines() == [
        f"{webhook.pk} carrier:aftership tracking_update ok",
        "Replayed 1 webhooks: 1 ok, 0 failed.",
    ]
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.IN_TRANSIT
    assert shipment.events.count() == 2
    webhook.refresh_from_db()
    assert (webhook.processed_at is not None, webhook.attempts, webhook.error) == (True, 2, "")


def test_a_redelivery_of_a_failed_event_is_processed_again(client, store):
    payload = aftership_payload([LABEL_CREATED])
    post_aftership(client, store, payload)
    shipment = _ship(store, carrier="DHL", tracking_number=DHL_NUMBER, number="#1001")

    response = post_aftership(client, store, payload)

    assert response.json() == {"ok": True}
    assert InboundWebhook.objects.get().processed_at is not None
    assert shipment.events.count() == 1


def test_another_stores_tracking_number_is_not_touched(client, store, other_store):
    theirs = _ship(other_store, carrier="DHL", tracking_number=DHL_NUMBER, number="#1001")

    post_aftership(client, store, aftership_payload([LABEL_CREATED, PICKED_UP, DELIVERED]))

    theirs.refresh_from_db()
    assert (theirs.status, theirs.events.count(), theirs.order.status) == (
        ShipmentStatus.PENDING,
        0,
        OrderStatus.SHIPPED,
    )
    assert InboundWebhook.objects.get().error.startswith("LookupError: no shipment")


def test_when_both_stores_ship_the_same_number_only_the_addressed_store_moves(client, store, other_store):
    ours = _ship(store, carrier="DHL", tracking_number=DHL_NUMBER, number="#1001")
    theirs = _ship(other_store, carrier="DHL", tracking_number=DHL_NUMBER, number="#1001")

    post_aftership(client, store, aftership_payload([LABEL_CREATED, PICKED_UP]))

    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert (ours.status, theirs.status) == (ShipmentStatus.IN_TRANSIT, ShipmentStatus.PENDING)
    assert theirs.events.count() == 0


def test_a_tracker_with_a_status_before_its_first_scan_takes_that_status(client, store, fedex_shipment):
    post_easypost(client, store, easypost_event([], status="pre_transit"))

    fedex_shipment.refresh_from_db()
    assert fedex_shipment.status == ShipmentStatus.INFO_RECEIVED
    assert fedex_shipment.events.get().occurred_at == datetime(2024, 8, 2, 19, 26, 51, tzinfo=UTC)  # updated_at


def test_a_status_that_lags_its_scans_adds_nothing_of_its_own(client, store, dhl_shipment):
    post_aftership(client, store, aftership_payload([LABEL_CREATED, PICKED_UP], tag="InfoReceived"))

    dhl_shipment.refresh_from_db()
    assert dhl_shipment.status == ShipmentStatus.IN_TRANSIT
    assert dhl_shipment.events.count() == 2


def test_known_checkpoints_cost_no_queries_each(client, store, dhl_shipment, django_assert_max_num_queries):
    scans = [
        aftership_checkpoint(f"2024-05-{day:02d}T{hour:02d}:00:00", "InTransit", "InTransit_003", "Arrival scan", "Hub")
        for day in (14, 15)
        for hour in range(24)
    ]
    post_aftership(client, store, aftership_payload(scans))

    with django_assert_max_num_queries(32):  # one new checkpoint that moves the order; 48 known ones
        post_aftership(client, store, aftership_payload([*scans, OUT_FOR_DELIVERY]))

    assert dhl_shipment.events.count() == 49
