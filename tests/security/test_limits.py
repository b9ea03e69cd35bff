"""What an order may hold, with an error that says which limit was hit, on every ingest path."""

import json

import pytest

from orders.models import InboundWebhook, Order
from tests.orders.import_helpers import our_order, run_import, write_csv
from tests.orders.shopify_payloads import order_payload, post_webhook

pytestmark = pytest.mark.django_db


def items(n: int) -> list[dict]:
    return [{"sku": f"SKU-{i}", "title": f"Item {i}", "quantity": 1, "unit_price": "1.00"} for i in range(n)]


def order(**changes) -> dict:
    return {"number": "#1042", "email": "grace@example.com", "currency": "EUR", "line_items": items(2), **changes}


def test_the_api_refuses_an_order_with_more_than_500_line_items(api):
    response = api.post("/api/v1/orders/", order(line_items=items(501)), format="json")

    assert response.status_code == 400
    assert response.json()["extra"]["fields"]["line_items"] == {
        "non_field_errors": ["An order may have at most 500 line items."]
    }
    assert not Order.objects.exists()


def test_the_api_takes_an_order_with_500_line_items(api):
    response = api.post("/api/v1/orders/", order(line_items=items(500)), format="json")

    assert response.status_code == 201
    assert Order.objects.get().line_items.count() == 500


def test_the_line_item_limit_is_a_setting(api, settings):
    settings.ORDER_MAX_LINE_ITEMS = 3

    response = api.post("/api/v1/orders/", order(line_items=items(4)), format="json")

    assert response.status_code == 400
    assert "at most 3 line items, this one has 4" in response.json()["message"]


def test_a_shopify_order_with_too_many_line_items_is_stored_and_fails_with_the_reason(client, store):
    payload = order_payload()
    payload["line_items"] = [{**payload["line_items"][0], "id": 1000 + i} for i in range(501)]

    response = post_webhook(client, store, "orders/create", payload)

    assert response.status_code == 200
    webhook = InboundWebhook.objects.get()
    assert webhook.processed_at is None
    assert "at most 500 line items, this one has 501" in webhook.error
    assert not Order.objects.exists()


def test_the_import_refuses_an_order_with_too_many_line_items_and_names_its_line(store, tmp_path, settings):
    settings.ORDER_MAX_LINE_ITEMS = 2

    out, status = run_import(write_csv(tmp_path / "orders.csv", our_order(1, items=3) + our_order(2)))

    assert status == 1
    assert "line 2: an order may have at most 2 line items, this one has 3" in out
    assert list(Order.objects.values_list("number", flat=True)) == ["#1002"]


def test_a_string_over_its_length_is_refused_with_the_fields_limit(api):
    response = api.post("/api/v1/orders/", order(shipping_address={"city": "x" * 101}), format="json")

    assert response.status_code == 400
    assert json.dumps(response.json()["extra"]["fields"]) == json.dumps(
        {"shipping_address": {"city": ["Ensure this field has no more than 100 characters."]}}
    )
