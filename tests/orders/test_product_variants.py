"""Products learn from the orders that carry them: final sale (API) and variant groups (API, Shopify)."""

import pytest

from orders.models import Product
from tests.orders.shopify_payloads import order_payload, post_webhook

pytestmark = pytest.mark.django_db


def _line(sku: str, **extra) -> dict:
    return {"sku": sku, "title": sku, "quantity": 1, "unit_price": "10.00", **extra}


def _order(number: str, *lines: dict) -> dict:
    return {"number": number, "email": "a@example.com", "currency": "EUR", "line_items": list(lines)}


def test_an_api_line_marked_final_sale_makes_its_product_final_sale(api):
    response = api.post("/api/v1/orders/", _order("#1", _line("TEE-S", final_sale=True), _line("CAP")), format="json")

    assert response.status_code == 201
    assert dict(Product.objects.values_list("sku", "final_sale")) == {"TEE-S": True, "CAP": False}


def test_a_later_order_that_says_nothing_keeps_final_sale_and_one_that_says_no_clears_it(api):
    api.post("/api/v1/orders/", _order("#1", _line("TEE-S", final_sale=True)), format="json")

    api.post("/api/v1/orders/", _order("#2", _line("TEE-S")), format="json")
    kept = Product.objects.get(sku="TEE-S").final_sale
    api.post("/api/v1/orders/", _order("#3", _line("TEE-S", final_sale=False)), format="json")

    assert kept is True
    assert Product.objects.get(sku="TEE-S").final_sale is False


def test_variants_sent_with_one_product_group_are_each_others_variants(api):
    api.post(
        "/api/v1/orders/",
        _order("#1", _line("TEE-S", product_group="tee"), _line("TEE-M", product_group="tee"), _line("CAP")),
        format="json",
    )

    small = Product.objects.get(sku="TEE-S")
    assert [p.sku for p in small.variants()] == ["TEE-M"]
    assert list(Product.objects.get(sku="CAP").variants()) == []


def test_shopify_line_items_group_variants_by_their_product_id(client, store):
    payload = order_payload()
    payload["line_items"].append({**payload["line_items"][0], "id": 999, "sku": "TEE-LIN-L", "variant_id": 4501})

    post_webhook(client, store, "orders/create", payload)

    tee = Product.objects.get(sku="TEE-LIN-M")
    assert tee.group == "8012345678901"
    assert [p.sku for p in tee.variants()] == ["TEE-LIN-L"]
