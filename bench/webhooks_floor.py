"""bench/webhooks.py's (c) floor: a Shopify `orders/create` delivery in raw psycopg. It reads the
store, verifies the HMAC and, in one transaction, writes what ours writes for a new order: the
webhook row (already marked processed), the customer, the order, its line items (products
matched by SKU in the same statement), the `order.placed`, `loyalty.points_pending` and
`discount_code.redeemed` events, the discount redemption, the order confirmation message, and
loyalty's earning: the programme and its tiers in one read, the account (opened or credited in
one upsert), the ledger entry, its audit line, the tier from the trailing year's spend and the
customer's tier tag. Every INSERT is `ON CONFLICT`-safe: a repeated event id or order id writes
nothing more. Decisions in Python, one statement per write.

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
    ON CONFLICT (store_id, email) DO UPDATE SET updated_at = excluded.updated_at RETURNING id, tags, xmax = 0"""
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
           (%s, %s, %s, 'loyalty.points_pending', %s, 'webhook:shopify orders/create', now()),
           (%s, %s, %s, 'discount_code.redeemed', %s, 'shopify', now()) RETURNING id"""
REDEMPTION = """INSERT INTO orders_discountredemption
    (store_id, order_id, code, amount, currency, redeemed_at, created_at) VALUES (%s, %s, %s, %s, %s, %s, now())"""
MESSAGE = """INSERT INTO notifications_message
    (store_id, customer_id, order_id, kind, channel, recipient, locale, transactional, send_at, dedupe_key, data,
     state, reason, reason_code, attempts, provider_message_id, last_error, created_at, updated_at)
    VALUES (%s, %s, %s, 'order_confirmation', 'email', %s, 'en', true, now(), %s, %s, 'scheduled', '', '', 0, '', '',
            now(), now())
    ON CONFLICT DO NOTHING"""


PROGRAMME = """SELECT p.id, p.enabled, p.points_per_unit, p.earn_on_shipping, p.earn_on_tax, p.first_order_points,
        array_agg(t.name ORDER BY t.threshold), array_agg(t.multiplier ORDER BY t.threshold)
    FROM loyalty_programme p JOIN loyalty_tier t ON t.programme_id = p.id WHERE p.store_id = %s GROUP BY p.id"""
ACCOUNT = """INSERT INTO loyalty_account (store_id, customer_id, available, pending, debt, tier, last_activity_at, created_at)
    VALUES (%s, %s, 0, %s, 0, '', now(), now())
    ON CONFLICT (customer_id) DO UPDATE SET pending = loyalty_account.pending + excluded.pending,
        last_activity_at = excluded.last_activity_at
    RETURNING id, pending, available, tier"""
ENTRY = """INSERT INTO loyalty_pointsentry (store_id, account_id, kind, points, pending_delta, available_delta, debt_delta,
        source, source_ref, reason, key, created_at, order_id)
    VALUES (%s, %s, 'earn', %s, %s, 0, 0, 'order', '', %s, %s, now(), %s)"""
AUDIT = """INSERT INTO postpurchase_auditentry
        (store_id, content_type_id, object_id, object_repr, action, changes, actor_kind, actor, created_at)
    VALUES (%s, (SELECT id FROM django_content_type WHERE app_label = 'loyalty' AND model = 'account'), %s, %s,
        'points.earn', %s, 'webhook', 'shopify orders/create', now())"""
# The tier the trailing year's spend reaches (without shipping and tax), written only when it changes.
TIER = """UPDATE loyalty_account a SET tier = t.name
    FROM (SELECT name FROM loyalty_tier WHERE programme_id = %s AND threshold <= (
        SELECT COALESCE(SUM(total - shipping_total - tax_total), 0) FROM orders_order
        WHERE customer_id = %s AND placed_at >= now() - interval '365 days' AND status <> 'cancelled')
        ORDER BY threshold DESC LIMIT 1) t
    WHERE a.id = %s AND a.tier <> t.name RETURNING t.name"""
TAGS = """UPDATE orders_customer SET tags = %s, updated_at = now() WHERE id = %s"""


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
        customer_id, tags, new_customer = _run(cur, CUSTOMER, customer_params).fetchone()
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
        earned = _earn(cur, store_id, customer_id, order_id, payload, first_order=new_customer)
        placed = {"number": payload["name"], "total": payload["total_price"], "currency": currency, "source": "shopify"}
        code = (payload.get("discount_codes") or [{}])[0]
        redeemed = {"code": code.get("code", ""), "amount": code.get("amount", "0"), "currency": currency}
        event_params = (store_id, order_id, customer_id, json.dumps(placed))
        event_params += (store_id, order_id, customer_id, json.dumps(earned["event"]))
        event_params += (store_id, order_id, customer_id, json.dumps({**redeemed, "external": True}))
        events = _run(cur, EVENTS, event_params).fetchall()
        if code:
            redemption = (store_id, order_id, code["code"], Decimal(code["amount"]), currency, payload["created_at"])
            _run(cur, REDEMPTION, redemption)
        data = {"trigger": "order_placed", "event_id": events[0][0], **placed}
        dedupe = f"order_confirmation:email:order:{order_id}"
        _run(cur, MESSAGE, (store_id, customer_id, order_id, email, dedupe, json.dumps(data)))
        audit = json.dumps({"key": earned["key"], "points": earned["points"], "reason": earned["reason"]})
        _run(cur, AUDIT, (store_id, earned["account"], earned["repr"], audit))
        tier = _run(cur, TIER, (earned["programme"], customer_id, earned["account"])).fetchone()
        if tier is not None:
            kept = [t for t in tags if not str(t).startswith("tier:")]
            _run(cur, TAGS, (json.dumps([*kept, f"tier:{tier[0]}"]), customer_id))
    return JsonResponse({"ok": True})


def _earn(cur: psycopg.Cursor, store_id: int, customer_id: int, order_id: int, payload: dict, *, first_order: bool):
    """The order's pending points: the programme and tiers read once, the account credited in one
    upsert (its tier's multiplier: a new account has none yet), the entry written."""
    programme = _run(cur, PROGRAMME, (store_id,)).fetchone()
    programme_id, _enabled, per_unit, on_shipping, on_tax, first_points = programme[:6]
    amount = Decimal(str(payload["total_price"]))
    if not on_shipping:
        amount -= Decimal(str((payload.get("total_shipping_price_set") or {}).get("shop_money", {}).get("amount", 0)))
    if not on_tax:
        amount -= Decimal(str(payload.get("total_tax") or 0))
    points = int(max(amount, Decimal(0)) * per_unit)
    reason = f"Order {payload['name']}: {amount}"
    if first_order and first_points:
        points += first_points
        reason += f" + {first_points} for a first order"
    account, pending, available, _tier = _run(cur, ACCOUNT, (store_id, customer_id, points)).fetchone()
    key = f"order:{order_id}:earn"
    _run(cur, ENTRY, (store_id, account, points, points, reason, key, order_id))
    event = {"points": points, "entry": "earn", "reason": reason, "source": "order"}
    return {
        "account": account,
        "programme": programme_id,
        "points": points,
        "key": key,
        "reason": reason,
        "repr": f"{payload['customer'].get('first_name', '')} {payload['customer'].get('last_name', '')}: 0 points",
        "event": {**event, "pending": pending, "available": available},
    }
