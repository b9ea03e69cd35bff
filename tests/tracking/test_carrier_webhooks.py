"""Carrier webhooks (AfterShip, EasyPost, our generic format): verify, store, add checkpoints."""

import hashlib
import hmac
import json
import unicodedata
from datetime import UTC, date, datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from orders.events import SHIPMENT_STATUS_CHANGED, SHIPMENT_UPDATED
from orders.models import DomainEvent, InboundWebhook, OrderStatus, Shipment, ShipmentStatus, TrackingEvent
from orders.services import shipment_upsert
from tests.orders.factories import place_order
from tests.tracking.carrier_payloads import (
    AFTERSHIP_SECRET,
    DELIVERED,
    DHL_NUMBER,
    EASYPOST_SECRET,
    FEDEX_DELIVERED,
    FEDEX_DETAILS,
    FEDEX_NUMBER,
    FEDEX_OUT_FOR_DELIVERY,
    GENERIC_SECRET,
    HUB_SCAN,
    LABEL_CREATED,
    OUT_FOR_DELIVERY,
    PICKED_UP,
    aftership_checkpoint,
    aftership_headers,
    aftership_payload,
    easypost_event,
    easypost_signature,
    generic_payload,
    generic_signature,
    post_aftership,
    post_easypost,
    post_generic,
    post_raw,
)
from tracking.models import TrackingSettings

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _secrets(store):
    store.aftership_secret = AFTERSHIP_SECRET
    store.easypost_secret = EASYPOST_SECRET
    store.save()
    TrackingSettings.objects.update_or_create(store=store, defaults={"webhook_secret": GENERIC_SECRET})


def _ship(store, *, carrier: str, tracking_number: str, number: str) -> Shipment:
    order = place_order(store, number=number)
    shipment, _created = shipment_upsert(order=order, carrier=carrier, tracking_number=tracking_number)
    return shipment


@pytest.fixture
def dhl_shipment(store) -> Shipment:
    return _ship(store, carrier="DHL", tracking_number=DHL_NUMBER, number="#1001")


@pytest.fixture
def fedex_shipment(store) -> Shipment:
    return _ship(store, carrier="FedEx", tracking_number=FEDEX_NUMBER, number="#1002")


def _status_changes(shipment: Shipment) -> list[tuple[str, str]]:
    events = DomainEvent.objects.filter(kind=SHIPMENT_STATUS_CHANGED, data__shipment_id=shipment.pk)
    return [(e.data["from"], e.data["to"]) for e in events.order_by("created_at", "id")]


def _checkpoints(shipment: Shipment) -> list[tuple]:
    return [
        (e.occurred_at, e.status, e.substatus, e.message, e.location)
        for e in shipment.events.order_by("occurred_at", "id")
    ]


def _counts() -> tuple[int, int, int]:
    return InboundWebhook.objects.count(), TrackingEvent.objects.count(), DomainEvent.objects.count()


def _replay(*args) -> str:
    out = StringIO()
    call_command("replay_webhooks", *args, stdout=out)
    return out.getvalue()


# -- AfterShip ---------------------------------------------------------------------------------


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


# -- EasyPost ----------------------------------------------------------------------------------


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


# -- generic -----------------------------------------------------------------------------------


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


# -- refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "headers"),
    [
        ("aftership", lambda body: aftership_headers(body, "not-the-secret")),
        ("aftership", lambda body: {}),
        ("easypost", lambda body: {"X-Hmac-Signature": easypost_signature(body, "not-the-secret")}),
        ("easypost", lambda body: {"X-Hmac-Signature": "hmac-sha256-hex="}),
        ("generic", lambda body: {"X-PostPurchase-Signature": generic_signature(body, "not-the-secret")}),
        ("generic", lambda body: {"X-PostPurchase-Signature": generic_signature(body)[7:]}),
    ],
    ids=["aftership-wrong", "aftership-missing", "easypost-wrong", "easypost-empty", "generic-wrong", "no-prefix"],
)
def test_a_bad_or_missing_signature_is_refused_and_nothing_is_stored(client, store, dhl_shipment, provider, headers):
    body = json.dumps(aftership_payload([LABEL_CREATED, PICKED_UP])).encode()
    timeline = DomainEvent.objects.count()

    response = post_raw(client, provider, store.slug, body, headers(body))

    assert response.status_code == 401
    assert _counts() == (0, 0, timeline)
    dhl_shipment.refresh_from_db()
    assert dhl_shipment.status == ShipmentStatus.PENDING


def test_a_store_without_an_aftership_secret_refuses_every_aftership_webhook(client, store, dhl_shipment):
    store.aftership_secret = ""
    store.save()
    body = json.dumps(aftership_payload([LABEL_CREATED])).encode()

    response = post_raw(client, "aftership", store.slug, body, aftership_headers(body, ""))

    assert response.status_code == 401
    assert not InboundWebhook.objects.exists()


def test_a_webhook_signed_with_another_stores_secret_is_refused(client, store, other_store, dhl_shipment):
    other_store.aftership_secret = "globex-secret"
    other_store.save()

    response = post_aftership(client, store, aftership_payload([LABEL_CREATED]), secret="globex-secret")

    assert response.status_code == 401
    assert not InboundWebhook.objects.exists()


def test_an_unknown_provider_is_not_found(client, store):
    body = json.dumps(aftership_payload([LABEL_CREATED])).encode()

    response = post_raw(client, "shippo", store.slug, body, aftership_headers(body))

    assert response.status_code == 404
    assert not InboundWebhook.objects.exists()


def test_an_unknown_store_is_not_found(client, store):
    body = json.dumps(aftership_payload([LABEL_CREATED])).encode()

    response = post_raw(client, "aftership", "no-such-store", body, aftership_headers(body))

    assert response.status_code == 404


def test_only_post_is_allowed(client, store):
    response = client.get("/webhooks/carriers/aftership/acme/")

    assert response.status_code == 405


@override_settings(WEBHOOK_MAX_BODY_BYTES=4096)
def test_a_body_over_the_limit_is_refused(client, store, dhl_shipment):
    body = json.dumps(aftership_payload([LABEL_CREATED], note="x" * 5000)).encode()

    response = post_raw(client, "aftership", store.slug, body, aftership_headers(body))

    assert response.status_code == 413
    assert not InboundWebhook.objects.exists()


@pytest.mark.parametrize(
    ("provider", "body"),
    [
        ("aftership", b'{"msg": {"tracking_number": '),
        ("aftership", b"[1, 2, 3]"),
        ("aftership", b'{"event": "tracking_update", "ts": 1715866205}'),
        ("aftership", b'{"msg": {"checkpoints": []}}'),
        ("aftership", b'{"msg": {"tracking_number": "X1", "checkpoints": {"tag": "InTransit"}}}'),
        (
            "aftership",
            b'{"msg": {"tracking_number": "X1", "checkpoints": [{"tag": "InTransit", "checkpoint_time": "soon"}]}}',
        ),
        ("easypost", b'{"id": "evt_1", "object": "Event"}'),
        ("easypost", b'{"id": "evt_1", "description": "tracker.updated", "result": "trk_1"}'),
        ("easypost", b'{"id": "evt_1", "description": "tracker.updated", "result": {"status": "delivered"}}'),
        ("generic", b'{"id": "u1", "events": []}'),
        ("generic", b'{"id": "u1", "tracking_number": "X1"}'),
        ("generic", b'{"tracking_number": "X1", "events": [{"status": "delivered"}]}'),
        ("generic", b'{"tracking_number": "X1", "events": [], "estimated_delivery": "Friday"}'),
        ("generic", b'{"tracking_number": "X1 \xff", "events": []}'),
    ],
    ids=[
        "truncated-json",
        "not-an-object",
        "aftership-no-msg",
        "aftership-no-number",
        "aftership-checkpoints-not-a-list",
        "aftership-bad-time",
        "easypost-no-description",
        "easypost-result-not-an-object",
        "easypost-no-tracking-code",
        "generic-no-number",
        "generic-no-events",
        "generic-event-without-time",
        "generic-bad-estimate",
        "not-utf8",
    ],
)
def test_a_signed_body_that_is_not_the_providers_format_is_refused(client, store, provider, body):
    headers = {
        "aftership": aftership_headers(body),
        "easypost": {"X-Hmac-Signature": easypost_signature(body)},
        "generic": {"X-PostPurchase-Signature": generic_signature(body)},
    }[provider]

    response = post_raw(client, provider, store.slug, body, headers)

    assert response.status_code == 400
    assert response.json()["ok"] is False
    assert not InboundWebhook.objects.exists()


# -- matching the shipment ---------------------------------------------------------------------


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
