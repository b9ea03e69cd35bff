"""EasyPost carrier webhooks: verify (with EasyPost's normalised secret), store, add tracking details."""

import hashlib
import hmac
import json
import unicodedata
from datetime import UTC, date, datetime

import pytest

from orders.models import InboundWebhook, OrderStatus, ShipmentStatus, TrackingEvent
from tests.tracking.carrier_helpers import _checkpoints, _counts, _status_changes
from tests.tracking.carrier_payloads import (
    FEDEX_DELIVERED,
    FEDEX_DETAILS,
    FEDEX_OUT_FOR_DELIVERY,
    easypost_event,
    post_easypost,
    post_raw,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("carrier_secrets")]


def test_a_signed_easypost_tracker_update_adds_its_tracking_details(client, store, fedex_shipment):
    response = post_easypost(client, store, easypost_event(FEDEX_DETAILS))

    assert response.status_code == 200
    fedex_shipment.refresh_from_db()
    assert fedex_shipment.status == ShipmentStatus.IN_TRANSIT
    assert fedex_shipment.estimated_delivery == date(2024, 8, 5)
    assert _checkpoints(fedex_shipment) == [
        (
            datetime(2024, 7, 31, 15, 0, tzinfo=UTC),
            "info_received",
            "label_created",
            "Shipment information sent to FedEx",
            "US",
        ),
        (
            datetime(2024, 7, 31, 19, 27, tzinfo=UTC),
            "in_transit",
            "arrived_at_facility",
            "Picked up",
            "ORLANDO, FL, US",
        ),
        (
            datetime(2024, 8, 1, 14, 42, 13, tzinfo=UTC),
            "in_transit",
            "departed_facility",
            "Departed FedEx location",
            "ORLANDO, FL, US",
        ),
        (datetime(2024, 8, 2, 18, 35, 20, tzinfo=UTC), "in_transit", "unknown", "On the way", "EDISON TWP, NJ, US"),
    ]
    assert _status_changes(fedex_shipment) == [("pending", "info_received"), ("info_received", "in_transit")]
    webhook = InboundWebhook.objects.get()
    assert (webhook.provider, webhook.topic, webhook.event_id.startswith("evt_")) == (
        "carrier:easypost",
        "tracker.updated",
        True,
    )


def test_an_easypost_delivery_delivers_the_order(client, store, fedex_shipment):
    post_easypost(client, store, easypost_event([*FEDEX_DETAILS, FEDEX_OUT_FOR_DELIVERY, FEDEX_DELIVERED]))

    fedex_shipment.refresh_from_db()
    assert fedex_shipment.status == ShipmentStatus.DELIVERED
    assert fedex_shipment.order.status == OrderStatus.DELIVERED


def test_the_same_easypost_event_twice_changes_nothing(client, store, fedex_shipment):
    event = easypost_event(FEDEX_DETAILS, event_id="evt_7f0d7a3e4e9a11efb5d1")
    post_easypost(client, store, event)
    before = _counts()

    response = post_easypost(client, store, event)

    assert response.json() == {"ok": True, "duplicate": True}
    assert _counts() == before


def test_an_easypost_secret_with_accents_is_normalised_as_easypost_does(client, store, fedex_shipment):
    secret = "Cl\u00e9-secr\u00e8te-\ufb01n"  # composed é and è, and the "fi" ligature
    store.easypost_secret = secret
    store.save()
    assert unicodedata.normalize("NFKD", secret).encode() != secret.encode()  # so normalising matters
    body = json.dumps(easypost_event(FEDEX_DETAILS)).encode()

    response = post_easypost(client, store, json.loads(body), secret=secret)

    assert response.status_code == 200
    fedex_shipment.refresh_from_db()
    assert fedex_shipment.status == ShipmentStatus.IN_TRANSIT


def test_an_easypost_signature_over_the_unnormalised_secret_is_refused(client, store, fedex_shipment):
    store.easypost_secret = "Cl\u00e9-secret"
    store.save()
    body = json.dumps(easypost_event(FEDEX_DETAILS)).encode()
    raw = hmac.new("Cl\u00e9-secret".encode(), body, hashlib.sha256).hexdigest()

    response = post_raw(client, "easypost", store.slug, body, {"X-Hmac-Signature": f"hmac-sha256-hex={raw}"})

    assert response.status_code == 401
    assert not InboundWebhook.objects.exists()


def test_an_easypost_event_about_something_else_is_stored_and_skipped(client, store, fedex_shipment):
    event = {
        "description": "batch.updated",
        "id": "evt_2f1c9a0e8d7b11ef",
        "object": "Event",
        "result": {"id": "batch_123", "object": "Batch", "state": "purchased"},
    }

    response = post_easypost(client, store, event)

    assert response.status_code == 200
    webhook = InboundWebhook.objects.get()
    assert (webhook.topic, webhook.processed_at is not None, webhook.error) == ("batch.updated", True, "")
    assert not TrackingEvent.objects.exists()


def test_an_easypost_tracker_in_error_without_details_is_an_exception(client, store, fedex_shipment):
    post_easypost(client, store, easypost_event([], status="error"))

    fedex_shipment.refresh_from_db()
    assert fedex_shipment.status == ShipmentStatus.EXCEPTION
