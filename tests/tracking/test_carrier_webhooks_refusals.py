"""Carrier webhooks that are refused: bad signatures, unknown providers or stores, oversize or malformed bodies."""

import json

import pytest
from django.test import override_settings

from orders.models import DomainEvent, InboundWebhook, ShipmentStatus
from tests.tracking.carrier_helpers import _counts
from tests.tracking.carrier_payloads import (
    LABEL_CREATED,
    PICKED_UP,
    aftership_headers,
    aftership_payload,
    easypost_signature,
    generic_signature,
    post_aftership,
    post_raw,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("carrier_secrets")]


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


def test_an_unknown_store_gets_the_same_401_as_a_bad_signature(client, store, carrier_secrets):
    body = json.dumps(aftership_payload([LABEL_CREATED])).encode()

    unknown = post_raw(client, "aftership", "no-such-store", body, aftership_headers(body))
    bad_signature = post_raw(client, "aftership", store.slug, body, aftership_headers(body, secret="guess"))

    assert unknown.status_code == bad_signature.status_code == 401
    assert unknown.content == bad_signature.content
    assert not InboundWebhook.objects.exists()


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
