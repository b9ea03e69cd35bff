"""The Shopify webhook door: store, size, signature (with secret rotation) and body shape."""

import json

import pytest

from orders.models import InboundWebhook, Order
from tests.orders.shopify_payloads import order_payload, post_raw, post_webhook, shopify_headers

pytestmark = pytest.mark.django_db


MIB = 1024 * 1024


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


def test_an_unknown_store_gets_the_same_401_as_a_bad_signature(client, store):
    body = json.dumps(order_payload()).encode()
    headers = shopify_headers(body, secret=store.shopify_secret, topic="orders/create")
    forged = shopify_headers(body, secret="guess", topic="orders/create")

    unknown = post_raw(client, "no-such-store", body, headers)
    bad_signature = post_raw(client, store.slug, body, forged)

    assert unknown.status_code == bad_signature.status_code == 401
    assert unknown.content == bad_signature.content
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
