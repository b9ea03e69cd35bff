"""Carrier webhooks in our generic format, as documented in docs/carrier-webhooks.md."""

from datetime import UTC, date, datetime

import pytest

from orders.models import InboundWebhook, OrderStatus, ShipmentStatus
from tests.tracking.carrier_helpers import _checkpoints
from tests.tracking.carrier_payloads import generic_payload, post_generic, post_raw
from tracking.models import TrackingSettings

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("carrier_secrets")]


def _generic_event(at: str, status: str, message: str, **extra) -> dict:
    return {"occurred_at": at, "status": status, "message": message, **extra}


def test_a_signed_generic_update_adds_its_events(client, store, dhl_shipment):
    payload = generic_payload(
        [
            _generic_event("2024-05-14T12:12:00+02:00", "info_received", "Label created", location="Leipzig, DE"),
            _generic_event(
                "2024-05-16T08:58:00+01:00",
                "out_for_delivery",
                "With the courier",
                substatus="van_loaded",
                location="London, GB",
            ),
        ],
        carrier="DHL Parcel",
        estimated_delivery="2024-05-16",
    )

    response = post_generic(client, store, payload)

    assert response.status_code == 200
    dhl_shipment.refresh_from_db()
    assert dhl_shipment.status == ShipmentStatus.OUT_FOR_DELIVERY
    assert dhl_shipment.order.status == OrderStatus.OUT_FOR_DELIVERY
    assert dhl_shipment.estimated_delivery == date(2024, 5, 16)
    assert _checkpoints(dhl_shipment) == [
        (datetime(2024, 5, 14, 10, 12, tzinfo=UTC), "info_received", "", "Label created", "Leipzig, DE"),
        (datetime(2024, 5, 16, 7, 58, tzinfo=UTC), "out_for_delivery", "van_loaded", "With the courier", "London, GB"),
    ]
    webhook = InboundWebhook.objects.get()
    assert (webhook.provider, webhook.event_id) == ("carrier:generic", payload["id"])


def test_an_exception_after_delivery_is_reported(client, store, dhl_shipment):
    post_generic(client, store, generic_payload([_generic_event("2024-05-16T13:21:00Z", "delivered", "Delivered")]))

    post_generic(
        client,
        store,
        generic_payload([_generic_event("2024-05-17T09:00:00Z", "exception", "Returned: refused by recipient")]),
    )

    dhl_shipment.refresh_from_db()
    assert dhl_shipment.status == ShipmentStatus.EXCEPTION


def test_a_generic_update_with_a_status_we_do_not_know_is_refused(client, store, dhl_shipment):
    payload = generic_payload([_generic_event("2024-05-14T12:12:00Z", "lost_in_space", "Hmm")])

    response = post_generic(client, store, payload)

    assert response.status_code == 400
    assert "unknown status 'lost_in_space'" in response.json()["error"]
    assert not InboundWebhook.objects.exists()


def test_the_generic_format_needs_a_webhook_secret(client, store, dhl_shipment):
    TrackingSettings.objects.filter(store=store).update(webhook_secret="")

    response = post_generic(client, store, generic_payload([]), secret="")

    assert response.status_code == 401
    assert not InboundWebhook.objects.exists()


def test_the_documented_generic_example_is_accepted(client, store, dhl_shipment):
    """docs/carrier-webhooks.md: the same body, secret and signature."""
    TrackingSettings.objects.filter(store=store).update(webhook_secret="s3cret-from-the-admin")
    body = (
        b'{"id":"upd-20240516-0001","tracking_number":"JD014600006281230704","carrier":"DHL",'
        b'"estimated_delivery":"2024-05-17","events":[{"occurred_at":"2024-05-16T08:58:00+01:00",'
        b'"status":"out_for_delivery","substatus":"van_loaded","message":"With the courier","location":"London, GB"}]}'
    )
    signature = "sha256=22506a1c15e4a0c5118bd6c5357d106110a991190b5c31220a4de3d937c9e51d"

    response = post_raw(client, "generic", store.slug, body, {"X-PostPurchase-Signature": signature})

    assert response.json() == {"ok": True}
    dhl_shipment.refresh_from_db()
    assert (dhl_shipment.status, dhl_shipment.estimated_delivery) == (
        ShipmentStatus.OUT_FOR_DELIVERY,
        date(2024, 5, 17),
    )


def test_the_api_docs_describe_the_generic_carrier_webhook(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    operation = schema["paths"]["/webhooks/carriers/generic/{store_slug}/"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["tracking_number", "events"]
    assert "X-PostPurchase-Signature" in operation["description"]
    assert "delivered" in body["properties"]["events"]["items"]["properties"]["status"]["enum"]
