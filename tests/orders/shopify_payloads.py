"""Shopify webhook payloads as Shopify sends them (REST resource shapes), and a signed POST.

The order is a realistic EU web order: prices include VAT, a discount code and flat-rate
shipping. Signatures are computed here independently of the code under test.
"""

import base64
import copy
import hashlib
import hmac
import json
import uuid

from django.urls import reverse

ORDER_ID = 5612345678901
CUSTOMER_ID = 7012345678901
TEE_LINE_ID = 13712345678901
CAP_LINE_ID = 13712345678902
FULFILLMENT_ID = 4912345678901

_ADDRESS = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "name": "Ada Lovelace",
    "company": None,
    "address1": "12 Analytical Street",
    "address2": "Flat 3",
    "city": "London",
    "province": "England",
    "province_code": "ENG",
    "zip": "N1 9GU",
    "country": "United Kingdom",
    "country_code": "GB",
    "phone": "020 7946 0958",
    "latitude": 51.5362,
    "longitude": -0.1033,
}


def _money_set(amount: str, currency: str = "EUR") -> dict:
    return {
        "shop_money": {"amount": amount, "currency_code": currency},
        "presentment_money": {"amount": amount, "currency_code": currency},
    }


def _line_item(*, line_id, product_id, variant_id, sku, title, variant_title, quantity, price, tax) -> dict:
    return {
        "id": line_id,
        "admin_graphql_api_id": f"gid://shopify/LineItem/{line_id}",
        "attributed_staffs": [],
        "current_quantity": quantity,
        "fulfillable_quantity": quantity,
        "fulfillment_service": "manual",
        "fulfillment_status": None,
        "gift_card": False,
        "grams": 180,
        "name": f"{title} - {variant_title}",
        "price": price,
        "price_set": _money_set(price),
        "product_exists": True,
        "product_id": product_id,
        "properties": [],
        "quantity": quantity,
        "requires_shipping": True,
        "sku": sku,
        "taxable": True,
        "title": title,
        "total_discount": "0.00",
        "total_discount_set": _money_set("0.00"),
        "variant_id": variant_id,
        "variant_inventory_management": "shopify",
        "variant_title": variant_title,
        "vendor": "Acme Outfitters",
        "tax_lines": [{"price": tax, "price_set": _money_set(tax), "rate": 0.2, "title": "VAT"}],
        "duties": [],
        "discount_allocations": [],
    }


_ORDER = {
    "id": ORDER_ID,
    "admin_graphql_api_id": f"gid://shopify/Order/{ORDER_ID}",
    "app_id": 580111,
    "browser_ip": "203.0.113.7",
    "buyer_accepts_marketing": False,
    "cancel_reason": None,
    "cancelled_at": None,
    "cart_token": "Z2NwLWV1cm9wZS13ZXN0MTowMUhYN0",
    "checkout_id": 37012345678901,
    "checkout_token": "5f7c1b2e0d9a4c3b8e6f1a2d3c4b5a69",
    "client_details": {"accept_language": "en-GB", "browser_ip": "203.0.113.7", "user_agent": "Mozilla/5.0"},
    "closed_at": None,
    "confirmation_number": "X7KQ2ZP4M",
    "confirmed": True,
    "contact_email": "ada.lovelace@example.com",
    "created_at": "2024-05-14T10:15:02+01:00",
    "currency": "EUR",
    "current_subtotal_price": "64.90",
    "current_total_discounts": "5.00",
    "current_total_price": "69.85",
    "current_total_tax": "11.64",
    "customer_locale": "en-GB",
    "discount_codes": [{"code": "WELCOME5", "amount": "5.00", "type": "fixed_amount"}],
    "email": "Ada.Lovelace@Example.com",
    "estimated_taxes": False,
    "financial_status": "paid",
    "fulfillment_status": None,
    "landing_site": "/",
    "name": "#1001",
    "note": None,
    "note_attributes": [],
    "number": 1,
    "order_number": 1001,
    "order_status_url": "https://acme-outfitters.myshopify.com/68123456789/orders/9f3c/authenticate?key=abc",
    "payment_gateway_names": ["shopify_payments"],
    "phone": None,
    "presentment_currency": "EUR",
    "processed_at": "2024-05-14T10:15:01+01:00",
    "referring_site": "",
    "source_name": "web",
    "subtotal_price": "64.90",
    "subtotal_price_set": _money_set("64.90"),
    "tags": "",
    "tax_lines": [{"price": "11.64", "price_set": _money_set("11.64"), "rate": 0.2, "title": "VAT"}],
    "taxes_included": True,
    "test": False,
    "token": "9f3c2b1a0e9d8c7b6a5f4e3d2c1b0a99",
    "total_discounts": "5.00",
    "total_discounts_set": _money_set("5.00"),
    "total_line_items_price": "69.90",
    "total_line_items_price_set": _money_set("69.90"),
    "total_outstanding": "0.00",
    "total_price": "69.85",
    "total_price_set": _money_set("69.85"),
    "total_shipping_price_set": _money_set("4.95"),
    "total_tax": "11.64",
    "total_tax_set": _money_set("11.64"),
    "total_tip_received": "0.00",
    "total_weight": 540,
    "updated_at": "2024-05-14T10:15:04+01:00",
    "user_id": None,
    "billing_address": dict(_ADDRESS),
    "customer": {
        "id": CUSTOMER_ID,
        "email": "ada.lovelace@example.com",
        "created_at": "2024-05-14T10:14:40+01:00",
        "updated_at": "2024-05-14T10:15:03+01:00",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "state": "disabled",
        "note": None,
        "verified_email": True,
        "multipass_identifier": None,
        "tax_exempt": False,
        "phone": None,
        "currency": "EUR",
        "tags": "",
        "admin_graphql_api_id": f"gid://shopify/Customer/{CUSTOMER_ID}",
        "default_address": {**_ADDRESS, "id": 9012345678901, "customer_id": CUSTOMER_ID, "default": True},
    },
    "discount_applications": [
        {
            "target_type": "line_item",
            "type": "discount_code",
            "value": "5.0",
            "value_type": "fixed_amount",
            "allocation_method": "across",
            "target_selection": "all",
            "code": "WELCOME5",
        }
    ],
    "fulfillments": [],
    "line_items": [
        _line_item(
            line_id=TEE_LINE_ID,
            product_id=8012345678901,
            variant_id=45012345678901,
            sku="TEE-LIN-M",
            title="Linen tee",
            variant_title="M",
            quantity=2,
            price="25.00",
            tax="8.33",
        ),
        _line_item(
            line_id=CAP_LINE_ID,
            product_id=8012345678902,
            variant_id=45012345678902,
            sku="CAP-WOOL",
            title="Wool cap",
            variant_title="Charcoal",
            quantity=1,
            price="19.90",
            tax="3.32",
        ),
    ],
    "payment_terms": None,
    "refunds": [],
    "shipping_address": dict(_ADDRESS),
    "shipping_lines": [
        {
            "id": 4312345678901,
            "code": "Standard",
            "price": "4.95",
            "price_set": _money_set("4.95"),
            "discounted_price": "4.95",
            "source": "shopify",
            "title": "Standard",
            "tax_lines": [],
        }
    ],
}


def order_payload(**overrides) -> dict:
    """A fresh copy of the order, with top-level fields replaced."""
    payload = copy.deepcopy(_ORDER)
    payload.update(overrides)
    return payload


def fulfillment_payload(*, items: dict[int, int] | None = None, **overrides) -> dict:
    """A fulfillment of the order above; `items` maps Shopify line ids to quantities (default: all)."""
    items = items if items is not None else {TEE_LINE_ID: 2, CAP_LINE_ID: 1}
    lines = {line["id"]: line for line in _ORDER["line_items"]}
    payload = {
        "id": FULFILLMENT_ID,
        "admin_graphql_api_id": f"gid://shopify/Fulfillment/{FULFILLMENT_ID}",
        "created_at": "2024-05-15T09:30:00+01:00",
        "location_id": 68123456789,
        "name": "#1001.1",
        "order_id": ORDER_ID,
        "origin_address": {},
        "receipt": {},
        "service": "manual",
        "shipment_status": None,
        "status": "success",
        "tracking_company": "Royal Mail",
        "tracking_number": "RM123456785GB",
        "tracking_numbers": ["RM123456785GB"],
        "tracking_url": "https://www.royalmail.com/track-your-item#/tracking-results/RM123456785GB",
        "tracking_urls": ["https://www.royalmail.com/track-your-item#/tracking-results/RM123456785GB"],
        "updated_at": "2024-05-15T09:30:00+01:00",
        "line_items": [
            {**copy.deepcopy(lines[line_id]), "quantity": quantity, "fulfillment_status": "fulfilled"}
            for line_id, quantity in items.items()
        ],
    }
    payload.update(overrides)
    return payload


def sign(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def shopify_headers(body: bytes, *, secret: str, topic: str, event_id: str | None = None) -> dict:
    return {
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": sign(body, secret),
        "X-Shopify-Shop-Domain": "acme-outfitters.myshopify.com",
        "X-Shopify-API-Version": "2025-07",
        "X-Shopify-Webhook-Id": str(uuid.uuid4()),
        "X-Shopify-Triggered-At": "2024-05-14T09:15:04.123456789Z",
        "X-Shopify-Event-Id": event_id or str(uuid.uuid4()),
    }


def post_webhook(client, store, topic: str, payload: dict, *, secret: str | None = None, event_id: str | None = None):
    """POST `payload` to the store's Shopify endpoint, signed as Shopify would sign it."""
    body = json.dumps(payload).encode()
    headers = shopify_headers(body, secret=secret or store.shopify_secret, topic=topic, event_id=event_id)
    return post_raw(client, store.slug, body, headers)


def post_raw(client, store_slug: str, body: bytes, headers: dict):
    url = reverse("shopify-webhook", args=[store_slug])
    return client.post(url, data=body, content_type="application/json", headers=headers)


REFUND_ID = 509562969


def refund_payload(*, items: dict[int, int] | None = None, amount: str = "25.00", **overrides) -> dict:
    """A refunds/create of the order above, as Shopify sends it: the refunded lines (`items` maps
    Shopify line ids to quantities, default one tee) and the refund transactions."""
    items = items if items is not None else {TEE_LINE_ID: 1}
    lines = {line["id"]: line for line in _ORDER["line_items"]}
    payload = {
        "id": REFUND_ID,
        "admin_graphql_api_id": f"gid://shopify/Refund/{REFUND_ID}",
        "order_id": ORDER_ID,
        "created_at": "2024-05-20T10:00:00+01:00",
        "processed_at": "2024-05-20T10:00:00+01:00",
        "note": "Returned by post",
        "restock": True,
        "user_id": 548380009,
        "order_adjustments": [],
        "refund_line_items": [
            {
                "id": 104689539 + index,
                "line_item_id": line_id,
                "quantity": quantity,
                "restock_type": "return",
                "location_id": 68123456789,
                "subtotal": float(lines[line_id]["price"]) * quantity,
                "subtotal_set": _money_set(f"{float(lines[line_id]['price']) * quantity:.2f}"),
                "total_tax": 0.0,
                "line_item": copy.deepcopy(lines[line_id]),
            }
            for index, (line_id, quantity) in enumerate(items.items())
        ],
        "transactions": [
            {
                "id": 179259969,
                "order_id": ORDER_ID,
                "kind": "refund",
                "gateway": "shopify_payments",
                "status": "success",
                "amount": amount,
                "currency": "EUR",
                "parent_id": 801038806,
            },
            {
                "id": 179259970,
                "order_id": ORDER_ID,
                "kind": "refund",
                "gateway": "shopify_payments",
                "status": "failure",
                "amount": "99.00",
                "currency": "EUR",
            },
        ],
    }
    payload.update(overrides)
    return payload
