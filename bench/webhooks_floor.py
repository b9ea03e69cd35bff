"""bench/webhooks.py's (c) floor: a Shopify `orders/create` delivery in raw psycopg. It reads the
store, verifies the HMAC and, in one transaction, writes what ours writes for a new order: the
webhook row (already marked processed), the customer, the order, its line items (products
matched by SKU in the same statement), the `order.placed` and `discount_code.redeemed` events,
the discount redemption and the order confirmation message. Every INSERT is `ON CONFLICT`-safe:
a repeated event id or order id writes nothing more. Loyalty's points (11 of ours) are not in it.

Served by gunicorn through the bench URLconf (see bench/webhooks.py); not part of the app.
"""

import base64
import hashlib
import hmac
import json
from decimal import Decimal

import psycopg
from common import conninfo
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

STATEMENTS = [0]  # executes so far in this process, BEGIN and COMMIT included
_conn: list[psycopg.Connection] = []

STORE = "SELECT id, shopify_secret, currency FROM orders_store WHERE slug = %s"
WEBHOOK = """INSERT INTO orders_inboundwebhook
    (provider, store_id, topic, event_id, headers, body, received_at, processed_at, attempts, error)
    VALUES ('shopify', %s, %s, %s, %s, %s, now(), now(), 1, '')
    ON CONFLICT (provider, store_id, event_id) WHERE event_id <> '' DO NOTHING RETURNING id"""
CUSTOMER = """INSERT INTO orders_customer
    (store_id, email, phone, first_name, last_name, locale, timezone, tags, external_id, created_at, updated_at)
    VALUES (%s, %s, %s, %s, %s, 'en', '', '[]', %s, now(), now())
    ON CONFLICT (store_id, email) DO UPDATE SET updated_at = excluded.updated_at RETURNING id"""
ORDER = """INSERT INTO orders_order
    (store_id, number, external_id, customer_id, email, phone, currency, subtotal, shipping_total, tax_total,
     discount_total, total, shipping_address, shipping_method, billing_address, placed_at, status, locale,
     source, created_at, updated_at)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, '', %s, %s, 'placed', 'en', 'shopify', now(), now())
    ON CONFLICT (store_id, external_id) WHERE external_id <> '' DO NOTHING RETURNING id"""
LINES = """INSERT INTO orders_lineitem (order_id, product_id, sku, title, quantity, unit_price, external_id)
    SELECT %s, p.id, u.sku, u.title, u.quantity, u.price, u.external_id
    FROM unnest(%s::varchar[], %s::varchar[], %s::int[], %s::numeric[], %s::varchar[])
        AS u(sku, title, quantity, price, external_id)
    LEFT JOIN orders_product p ON p.store_id = %s AND p.sku = u.sku"""
EVENTS = """INSERT INTO orders_domainevent (store_id, order_id, customer_id, kind, data, actor, created_at)
    VALUES (%s, %s, %s, 'order.placed', %s, 'shopify', now()),
           (%s, %s, %s, 'discount_code.redeemed', %s, 'shopify', now()) RETURNING id"""
REDEMPTION = """INSERT INTO orders_discountredemption
    (store_id, order_id, code, amount, currency, redeemed_at, created_at) VALUES (%s, %s, %s, %s, %s, %s, now())"""
MESSAGE = """INSERT INTO notifications_message
    (store_id, customer_id, order_id, kind, channel, recipient, locale, transactional, send_at, dedupe_key, data,
     state, reason, reason_code, attempts, provider_message_id, last_error, created_at, updated_at)
    VALUES (%s, %s, %s, 'order_confirmation', 'email', %s, 'en', true, now(), %s, %s, 'scheduled', '', '', 0, '', '',
            now(), now())
    ON CONFLICT DO NOTHING"""


def _cursor() -> psycopg.Cursor:
    if not _conn or _conn[0].closed:
        settings = connection.settings_dict
        _conn[:] = [psycopg.connect(conninfo(settings, settings["NAME"]))]
    return _conn[0].cursor()


def _run(cur: psycopg.Cursor, sql: str, params: tuple | list) -> psycopg.Cursor:
    STATEMENTS[0] += 1
    return cur.execute(sql, params, prepare=True)


def _address(raw: dict) -> str:
    keys = {"name": "name", "line1": "address1", "line2": "address2", "city": "city", "region": "province_code"}
    address = {ours: raw.get(theirs) or "" for ours, theirs in keys.items()}
    return json.dumps({**address, "postal_code": raw.get("zip") or "", "country": raw.get("country_code") or ""})


@csrf_exempt
def floor(request: HttpRequest, store_slug: str) -> HttpResponse:
    body = request.body
    cur = _cursor()
    store = _run(cur, STORE, (store_slug,)).fetchone()
    given = request.headers.get("X-Shopify-Hmac-Sha256", "").encode()
    if store is None or not hmac.compare_digest(
        base64.b64encode(hmac.new(store[1].encode(), body, hashlib.sha256).digest()), given
    ):
        cur.connection.rollback()
        return HttpResponse(status=401)
    store_id, currency = store[0], store[2]
    payload = json.loads(body)
    headers = {k: v for k, v in request.headers.items() if k.lower().startswith("x-shopify-")}
    with cur.connection.transaction():
        STATEMENTS[0] += 2  # BEGIN, COMMIT
        event_id = request.headers.get("X-Shopify-Event-Id", "")
        params = (store_id, request.headers.get("X-Shopify-Topic", ""), event_id, json.dumps(headers), body.decode())
        if _run(cur, WEBHOOK, params).fetchone() is None:
            return JsonResponse({"ok": True, "duplicate": True})
        raw_customer = payload.get("customer") or {}
        email = payload.get("email") or raw_customer.get("email") or ""
        phone = payload.get("phone") or ""
        customer_params = (store_id, email, phone, raw_customer.get("first_name") or "")
        customer_params += (raw_customer.get("last_name") or "", str(raw_customer.get("id") or ""))
        customer_id = _run(cur, CUSTOMER, customer_params).fetchone()[0]
        ship = _address(payload.get("shipping_address") or {})
        money = [Decimal(str(payload.get(k) or 0)) for k in ("subtotal_price", "total_tax", "total_discounts")]
        shipping = Decimal(str((payload.get("total_shipping_price_set") or {}).get("shop_money", {}).get("amount", 0)))
        order_params = (store_id, payload["name"], str(payload["id"]), customer_id, email, phone, currency)
        order_params += (money[0], shipping, money[1], money[2], Decimal(str(payload["total_price"])), ship, ship)
        order_params += (payload["created_at"],)
        row = _run(cur, ORDER, order_params).fetchone()
        if row is None:
            return JsonResponse({"ok": True})
        order_id = row[0]
        items = payload.get("line_items") or []
        columns = (
            [i.get("sku") or "" for i in items],
            [f"{i['title']} - {i['variant_title']}" if i.get("variant_title") else i["title"] for i in items],
            [i["quantity"] for i in items],
            [Decimal(i["price"]) for i in items],
            [str(i["id"]) for i in items],
        )
        _run(cur, LINES, (order_id, *columns, store_id))
        placed = {"number": payload["name"], "total": payload["total_price"], "currency": currency, "source": "shopify"}
        code = (payload.get("discount_codes") or [{}])[0]
        redeemed = {"code": code.get("code", ""), "amount": code.get("amount", "0"), "currency": currency}
        event_params = (store_id, order_id, customer_id, json.dumps(placed))
        event_params += (store_id, order_id, customer_id, json.dumps({**redeemed, "external": True}))
        events = _run(cur, EVENTS, event_params).fetchall()
        if code:
            redemption = (store_id, order_id, code["code"], Decimal(code["amount"]), currency, payload["created_at"])
            _run(cur, REDEMPTION, redemption)
        data = {"trigger": "order_placed", "event_id": events[0][0], **placed}
        dedupe = f"order_confirmation:email:order:{order_id}"
        _run(cur, MESSAGE, (store_id, customer_id, order_id, email, dedupe, json.dumps(data)))
    return JsonResponse({"ok": True})
