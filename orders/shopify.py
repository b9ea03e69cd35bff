"""Shopify webhooks: map Shopify's REST payloads onto our inputs and hand them to the services.

`webhook_process` calls the registered handler with the stored row, whether it arrived just now
or is replayed by the sweeper or `manage.py replay_webhooks`; every topic handler is idempotent.
"""

import json
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils.dateparse import parse_datetime

from orders.inputs import (
    DiscountUse,
    LineItemInput,
    MarketingConsent,
    OrderInput,
    ShipmentItemInput,
    clean_address,
    normalize_phone,
)
from orders.models import LOCALES, InboundWebhook, Order, OrderSource, ShipmentStatus
from orders.privacy import requests as privacy_requests
from orders.services import RefundLineInput, order_refund_record, order_upsert, shipment_upsert
from postpurchase.exceptions import InvalidTransition
from postpurchase.money import ZERO, to_money
from postpurchase.safe_urls import http_url
from postpurchase.webhooks import handles

logger = logging.getLogger(__name__)

ACTOR = "shopify"
_LOCALE_CODES = {code for code, _name in LOCALES}

# Shopify's fulfillment `shipment_status` (the carrier's latest news) in our taxonomy.
# None means Shopify has heard nothing from the carrier yet.
SHIPMENT_STATUSES = {
    None: ShipmentStatus.PENDING,
    "label_printed": ShipmentStatus.INFO_RECEIVED,
    "label_purchased": ShipmentStatus.INFO_RECEIVED,
    "confirmed": ShipmentStatus.INFO_RECEIVED,
    "carrier_picked_up": ShipmentStatus.IN_TRANSIT,
    "in_transit": ShipmentStatus.IN_TRANSIT,
    "delayed": ShipmentStatus.IN_TRANSIT,
    "out_for_delivery": ShipmentStatus.OUT_FOR_DELIVERY,
    "attempted_delivery": ShipmentStatus.ATTEMPT_FAIL,
    "ready_for_pickup": ShipmentStatus.AVAILABLE_FOR_PICKUP,
    "delivered": ShipmentStatus.DELIVERED,
    "picked_up": ShipmentStatus.DELIVERED,
    "failure": ShipmentStatus.EXCEPTION,
    "not_delivered": ShipmentStatus.EXCEPTION,
}
# A fulfillment in one of these states never left the warehouse.
_VOID_FULFILLMENT = {"cancelled", "error", "failure"}


# -- Mapping: Shopify JSON -> our inputs. Pure functions, no queries. ----------------------


def _text(value: object, limit: int) -> str:
    return str(value or "").strip()[:limit]


def _datetime(value: str | None) -> datetime | None:
    return parse_datetime(value) if value else None


def _email(payload: dict) -> str:
    customer = payload.get("customer") or {}
    email = payload.get("email") or customer.get("email") or payload.get("contact_email") or ""
    if not email:
        # Without an email nobody can find or be told about the order; recorded, not guessed.
        raise ValueError(f"Shopify order {payload.get('name')} has no email")
    return email


def _phone(payload: dict) -> str:
    """The first phone Shopify has for the order, in E.164; "" if it is not a phone number."""
    shipping = payload.get("shipping_address") or {}
    billing = payload.get("billing_address") or {}
    customer = payload.get("customer") or {}
    raw = payload.get("phone") or customer.get("phone") or shipping.get("phone") or billing.get("phone") or ""
    region = shipping.get("country_code") or billing.get("country_code") or ""
    try:
        return normalize_phone(raw, region=region)
    except ValueError as exc:
        # Shoppers type anything into the phone field; a bad one must not cost us the order.
        logger.info("Shopify order %s: phone dropped: %s", payload.get("name"), exc)
        return ""


def _locale(value: str | None) -> str:
    code = (value or "")[:2].lower()
    return code if code in _LOCALE_CODES else ""


def _address(raw: dict | None) -> dict:
    raw = raw or {}
    name = raw.get("name") or f"{raw.get('first_name') or ''} {raw.get('last_name') or ''}".strip()
    return clean_address(
        {
            "name": name,
            "line1": raw.get("address1"),
            "line2": raw.get("address2"),
            "city": raw.get("city"),
            "region": raw.get("province_code") or raw.get("province"),
            "postal_code": raw.get("zip"),
            "country": raw.get("country_code"),
        }
    )


def _line_item(raw: dict) -> LineItemInput:
    return LineItemInput(
        external_id=str(raw["id"]),
        sku=_text(raw.get("sku"), 64),
        title=_text(raw.get("name") or raw.get("title"), 255),
        quantity=int(raw["quantity"]),
        unit_price=to_money(raw.get("price")),
        # Variants of one product share its product_id: exchanges offer the product's other variants.
        product_group=_text(raw.get("product_id"), 64),
    )


def _shop_money(money_set: dict | None) -> object:
    """The amount in the shop's currency from one of Shopify's `*_set` fields."""
    return ((money_set or {}).get("shop_money") or {}).get("amount")


# Shopify's marketing states: only "subscribed" is consent and only "unsubscribed" a refusal;
# not_subscribed (never asked or never ticked), pending (double opt-in not confirmed yet),
# invalid and redacted say nothing we may act on.
_MARKETING_STATES = {"subscribed": True, "unsubscribed": False}


def _consent_state(consent: dict | None) -> tuple[bool | None, datetime | None]:
    consent = consent or {}
    return _MARKETING_STATES.get(str(consent.get("state") or "").lower()), _datetime(consent.get("consent_updated_at"))


def marketing_consent(payload: dict) -> MarketingConsent:
    """What the order's customer said about marketing.

    Up to API version 2024-10 the order's `customer` carries `email_marketing_consent` and
    `sms_marketing_consent` (`state`, `opt_in_level`, `consent_updated_at`); older versions
    `accepts_marketing` and `accepts_marketing_updated_at`. From 2025-01 only the order's
    `buyer_accepts_marketing` is left: the ticked box at checkout. An unticked box is not a
    refusal (nobody may have asked), so `false` there records nothing.
    """
    customer = payload.get("customer") or {}
    email, email_at = _consent_state(customer.get("email_marketing_consent"))
    sms, sms_at = _consent_state(customer.get("sms_marketing_consent"))
    if email is None and customer.get("accepts_marketing") is True:
        email, email_at = True, _datetime(customer.get("accepts_marketing_updated_at"))
    if email is None and payload.get("buyer_accepts_marketing") is True:
        email, email_at = True, None
    return MarketingConsent(email=email, sms=sms, email_at=email_at, sms_at=sms_at)


def _discount_amount(raw: dict, order_name: object) -> Decimal:
    try:
        amount = to_money(raw.get("amount"))
    except ValueError:
        amount = ZERO
    if amount < ZERO:
        amount = ZERO
    if amount == ZERO and raw.get("amount") not in (None, "", "0", "0.00"):
        # A bad amount must not cost us the order; the code's use is still recorded.
        logger.info("Shopify order %s: discount amount %r read as 0", order_name, raw.get("amount"))
    return amount


def discount_uses(payload: dict) -> list[DiscountUse]:
    """The order's `discount_codes` (`code`, `amount` taken off, `type`: fixed_amount,
    percentage or shipping); automatic discounts carry no code and are not listed there."""
    return [
        DiscountUse(code=_text(raw.get("code"), 64), amount=_discount_amount(raw, payload.get("name")))
        for raw in payload.get("discount_codes") or []
        if isinstance(raw, dict) and _text(raw.get("code"), 64)
    ]


def order_input(payload: dict, *, default_currency: str) -> OrderInput:
    """The OrderInput a Shopify order payload (orders/create, /updated, /cancelled) describes."""
    customer = payload.get("customer") or {}
    address = payload.get("billing_address") or payload.get("shipping_address") or {}
    return OrderInput(
        number=_text(payload.get("name") or f"#{payload['order_number']}", 32),
        external_id=str(payload["id"]),
        email=_email(payload),
        phone=_phone(payload),
        currency=payload.get("currency") or default_currency,
        placed_at=_datetime(payload.get("created_at")),
        first_name=_text(customer.get("first_name") or address.get("first_name"), 100),
        last_name=_text(customer.get("last_name") or address.get("last_name"), 100),
        customer_external_id=str(customer["id"]) if customer.get("id") else "",
        locale=_locale(payload.get("customer_locale")),
        shipping_address=_address(payload.get("shipping_address")),
        billing_address=_address(payload.get("billing_address")),
        line_items=[_line_item(raw) for raw in payload.get("line_items") or []],
        shipping_total=to_money(_shop_money(payload.get("total_shipping_price_set"))),
        tax_total=to_money(payload.get("total_tax")),
        discount_total=to_money(payload.get("total_discounts")),
        total=to_money(payload.get("total_price")),
        cancelled_at=_datetime(payload.get("cancelled_at")),
        marketing_consent=marketing_consent(payload),
        discount_codes=discount_uses(payload),
    )


def shipment_status(value: str | None) -> str:
    status = SHIPMENT_STATUSES.get(value)
    if status is None:
        logger.info("unknown Shopify shipment_status %r, treated as pending", value)
        return ShipmentStatus.PENDING
    return status


def _first(single: str | None, many: list | None) -> str:
    return single or next(iter(many or []), "") or ""


# -- Topic handlers ------------------------------------------------------------------------


def _order_sync(webhook: InboundWebhook, payload: dict) -> None:
    """orders/create, orders/updated, orders/cancelled: all carry the whole order."""
    data = order_input(payload, default_currency=webhook.store.currency)
    if data.cancelled_at is None:
        order_upsert(store=webhook.store, data=data, source=OrderSource.SHOPIFY, actor=ACTOR)
        return
    try:
        with transaction.atomic():  # a savepoint only where a refused cancellation is recovered from
            order_upsert(store=webhook.store, data=data, source=OrderSource.SHOPIFY, actor=ACTOR)
    except InvalidTransition as exc:
        # Shopify can cancel an order we already saw ship; ours never go back from shipped,
        # and retrying would fail forever, so keep the rest of the update and say so.
        logger.warning("Shopify order %s: cancellation not applied: %s", data.number, exc)
        order_upsert(
            store=webhook.store, data=replace(data, cancelled_at=None), source=OrderSource.SHOPIFY, actor=ACTOR
        )


def _fulfillment_sync(webhook: InboundWebhook, payload: dict) -> None:
    """fulfillments/create and /update: a shipment of some of the order's items."""
    if payload.get("status") in _VOID_FULFILLMENT:
        logger.info("Shopify fulfillment %s is %s; nothing shipped", payload.get("id"), payload.get("status"))
        return
    order_id = str(payload["order_id"])
    order = Order.objects.for_store(webhook.store).filter(external_id=order_id).first()
    if order is None:
        # Fulfillments can overtake their order; failing leaves the row for the sweeper.
        raise LookupError(f"Shopify order {order_id} is not known (yet) in store {webhook.store.slug}")
    shipment_upsert(
        order=order,
        carrier=_text(payload.get("tracking_company"), 64),
        tracking_number=_text(_first(payload.get("tracking_number"), payload.get("tracking_numbers")), 100),
        # Only http(s): anything else (javascript:, data:) would become a link customers click.
        tracking_url=http_url(_text(_first(payload.get("tracking_url"), payload.get("tracking_urls")), 500)),
        external_id=str(payload["id"]),
        items=[
            ShipmentItemInput(external_id=str(li["id"]), quantity=int(li["quantity"])) for li in payload["line_items"]
        ],
        status=shipment_status(payload.get("shipment_status")),
        shipped_at=_datetime(payload.get("created_at")),
        actor=ACTOR,
    )


def refund_amount(payload: dict) -> Decimal:
    """The money a refund gave back: its successful refund transactions (not failed or pending ones)."""
    return sum(
        (
            to_money(t.get("amount"))
            for t in payload.get("transactions") or []
            if t.get("kind") == "refund" and t.get("status") == "success"
        ),
        ZERO,
    )


def _refund_record(webhook: InboundWebhook, payload: dict) -> None:
    """refunds/create: money (and maybe lines) given back in Shopify, recorded as `order.refunded`."""
    order_id = str(payload["order_id"])
    order = Order.objects.for_store(webhook.store).filter(external_id=order_id).first()
    if order is None:
        raise LookupError(f"Shopify order {order_id} is not known (yet) in store {webhook.store.slug}")
    currencies = {t.get("currency") for t in payload.get("transactions") or [] if t.get("currency")}
    order_refund_record(
        order=order,
        refund_id=str(payload["id"]),
        amount=refund_amount(payload),
        currency=currencies.pop() if len(currencies) == 1 else order.currency,
        lines=[
            RefundLineInput(
                external_id=str(rli["line_item_id"]),
                quantity=int(rli["quantity"]),
                subtotal=to_money(rli.get("subtotal") or _shop_money(rli.get("subtotal_set"))),
            )
            for rli in payload.get("refund_line_items") or []
        ],
        note=_text(payload.get("note"), 500),
        source="shopify",
        actor=ACTOR,
    )


def _customers_redact(webhook: InboundWebhook, payload: dict) -> None:
    # The erasure also scrubs this very row's body: the request is kept, the address is not.
    privacy_requests.customers_redact(store=webhook.store, payload=payload)


def _customers_data_request(webhook: InboundWebhook, payload: dict) -> None:
    paths = privacy_requests.customers_data_request(store=webhook.store, payload=payload)
    logger.info("Shopify data request for store %s: export written to %s", webhook.store.slug, paths)


def _shop_redact(webhook: InboundWebhook, payload: dict) -> None:
    privacy_requests.shop_redact(store=webhook.store)


TOPICS: dict[str, Callable[[InboundWebhook, dict], None]] = {
    "orders/create": _order_sync,
    "orders/updated": _order_sync,
    "orders/cancelled": _order_sync,
    "fulfillments/create": _fulfillment_sync,
    "fulfillments/update": _fulfillment_sync,
    "refunds/create": _refund_record,
    "customers/redact": _customers_redact,
    "customers/data_request": _customers_data_request,
    "shop/redact": _shop_redact,
}


@handles("shopify")
def shopify_webhook_handle(webhook: InboundWebhook) -> None:
    handler = TOPICS.get(webhook.topic)
    if handler is None:
        logger.info("Shopify topic %r is not handled; webhook %s stored and skipped", webhook.topic, webhook.pk)
        return
    handler(webhook, json.loads(webhook.body))
