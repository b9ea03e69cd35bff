"""Bad input never answers 500: it gets a 4xx in the caller's error format and changes nothing."""

import base64
import json
from urllib.parse import urlencode

import pytest
from rest_framework.test import APIClient

from orders.models import InboundWebhook, Order, Shipment
from tests.orders.factories import api_key_for, place_order
from tests.orders.shopify_payloads import post_raw, shopify_headers
from tests.tracking.carrier_payloads import AFTERSHIP_SECRET, aftership_headers

pytestmark = pytest.mark.django_db

ORDER = {
    "number": "#1042",
    "email": "grace@example.com",
    "currency": "EUR",
    "line_items": [{"sku": "TEE-1", "title": "Linen tee", "quantity": 2, "unit_price": "25.00"}],
}


def nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


@pytest.fixture
def api(store):
    """Requests that raise inside a view come back as the 500 a client would see."""
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key_for(store)}")
    return client


def assert_api_error(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"message", "extra"}
    assert body["message"]
    return body


@pytest.mark.parametrize("depth", [100, 100_000])
def test_deeply_nested_json_to_the_api_is_a_400(api, depth):
    response = api.post("/api/v1/orders/", nested(depth), content_type="application/json")

    assert_api_error(response, 400)
    assert not Order.objects.exists()


@pytest.mark.parametrize("depth", [100, 100_000])
def test_deeply_nested_signed_json_to_a_shopify_webhook_is_a_400(client, store, depth):
    body = nested(depth).encode()

    response = post_raw(
        client, store.slug, body, shopify_headers(body, secret=store.shopify_secret, topic="orders/create")
    )

    assert response.status_code == 400
    assert not InboundWebhook.objects.exists()


def test_deeply_nested_signed_json_to_a_carrier_webhook_is_a_400(client, store):
    store.aftership_secret = AFTERSHIP_SECRET
    store.save()
    body = nested(100_000).encode()

    response = client.post(
        f"/webhooks/carriers/aftership/{store.slug}/",
        body,
        content_type="application/json",
        headers=aftership_headers(body),
    )

    assert response.status_code == 400
    assert not InboundWebhook.objects.exists()


def test_deeply_nested_json_with_the_right_basic_auth_to_the_email_webhook_is_a_400(client, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "postmark:s3cret-hook"}
    client.raise_request_exception = False

    response = client.post(
        "/webhooks/anymail/postmark/tracking/",
        nested(100_000),
        content_type="application/json",
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(b"postmark:s3cret-hook").decode(),
    )

    assert response.status_code == 400
    assert not InboundWebhook.objects.exists()


@pytest.mark.parametrize("param", ["email", "number", "status", "cursor", "page_size"])
def test_a_nul_byte_in_a_query_parameter_is_a_400(api, store, param):
    place_order(store)

    response = api.get("/api/v1/orders/?" + urlencode({param: "a\x00b"}))

    assert_api_error(response, 400)


def test_a_nul_byte_in_a_json_string_is_a_400(api):
    response = api.post("/api/v1/orders/", {**ORDER, "shipping_address": {"line1": "a\x00b"}}, format="json")

    assert_api_error(response, 400)
    assert not Order.objects.exists()


@pytest.mark.parametrize("position", ["abc", "9" * 40, "-1", "1\x00"], ids=["text", "huge", "negative", "nul"])
def test_a_forged_cursor_is_a_4xx(api, store, position):
    place_order(store)
    cursor = base64.b64encode(urlencode({"o": "0", "p": position}).encode()).decode()

    response = api.get("/api/v1/orders/", {"cursor": cursor})

    assert response.status_code in (400, 404)
    assert set(response.json()) == {"message", "extra"}


def test_amounts_that_overflow_the_columns_are_a_400(api):
    order = {**ORDER, "line_items": [{"title": "Gold", "quantity": 100_000, "unit_price": "999999999999.99"}]}

    response = api.post("/api/v1/orders/", order, format="json")

    body = assert_api_error(response, 400)
    assert "total" in json.dumps(body).lower()
    assert not Order.objects.exists()


def test_a_shipment_external_id_already_used_by_another_order_is_a_409(api, store):
    first, second = place_order(store, number="#1"), place_order(store, number="#2")
    api.post(f"/api/v1/orders/{first.pk}/shipments/", {"external_id": "ful-1", "tracking_number": "A"}, format="json")

    response = api.post(
        f"/api/v1/orders/{second.pk}/shipments/", {"external_id": "ful-1", "tracking_number": "B"}, format="json"
    )

    assert_api_error(response, 409)
    assert Shipment.objects.filter(order=second).count() == 0


def test_a_body_over_one_mebibyte_is_a_json_413(api):
    response = api.post("/api/v1/orders/", "x" * (20 * 1024 * 1024), content_type="application/json")

    body = assert_api_error(response, 413)
    assert body["extra"] == {"limit_bytes": 1024 * 1024}
