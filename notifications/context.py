"""The plain data a message template sees. Never model instances: merchant-edited templates
must not reach the ORM, settings or anything but these values."""

from django.conf import settings
from django.core import signing
from django.urls import NoReverseMatch, reverse

from notifications import registry
from orders.selectors import products_recommended_for
from postpurchase.money import money_format as money
from postpurchase.safe_urls import http_url
from tracking.estimates import order_estimate
from tracking.links import order_token, track_url

PREFERENCES_SALT = "notifications.preferences"


def preferences_token(customer_id: int) -> str:
    return signing.dumps({"c": customer_id}, salt=PREFERENCES_SALT)


def _url(name: str, **kwargs) -> str:
    try:
        return settings.PUBLIC_BASE_URL + reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return ""


def _store(store) -> dict:
    return {
        "name": store.name,
        "logo_url": http_url(store.logo_url),
        "primary_color": store.primary_color,
        "support_email": store.support_email,
    }


def _items(line_items, currency: str, locale: str, quantities: dict | None = None) -> list[dict]:
    return [
        {
            "title": li.title,
            "sku": li.sku,
            "quantity": quantities.get(li.pk, 0) if quantities is not None else li.quantity,
            "unit_price": money(li.unit_price, currency, locale),
            "total": money(li.total, currency, locale),
            "care_instructions": li.product.care_instructions if li.product_id else "",
        }
        for li in line_items
        if quantities is None or quantities.get(li.pk)
    ]


def _shipment(shipment, line_items, currency: str, locale: str) -> dict:
    quantities = {item.line_item_id: item.quantity for item in shipment.items.all()}
    return {
        "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number,
        "tracking_url": http_url(shipment.tracking_url),
        "status": shipment.get_status_display(),
        "estimated_delivery": shipment.estimated_delivery,
        "line_items": _items(line_items, currency, locale, quantities),
    }


def _data(message) -> dict:
    data = registry.kind_data(message.kind, message.data, message.locale)
    if message.kind == "recommendations" and message.order:
        data["recommendations"] = [
            {
                "title": p.title,
                "url": http_url(p.url),
                "image_url": http_url(p.image_url),
                "price": money(p.price, message.order.currency, message.locale),
            }
            for p in products_recommended_for(message.order)
        ]
    return data


def message_context(message) -> dict:
    """Everything a template may show about this message's store, customer, order and shipment."""
    order, shipment, customer = message.order, message.shipment, message.customer
    currency = order.currency if order else message.store.currency
    locale = message.locale
    line_items = list(order.line_items.all()) if order else []
    estimate = order_estimate(order) if order else None
    token = preferences_token(customer.pk) if customer else ""
    context = {
        "store": _store(message.store),
        "customer": {
            "first_name": customer.first_name if customer else "",
            "name": customer.full_name if customer else "",
        },
        "message": {"kind": message.kind, "transactional": message.transactional, "data": _data(message)},
        "links": {
            "preferences": _url("notifications:preferences", token=token) if token else "",
            "unsubscribe": _url("notifications:unsubscribe", token=token) if token else "",
        },
        "order": None,
        "shipment": None,
    }
    if order:
        context["order"] = {
            "number": order.number,
            "placed_at": order.placed_at,
            "currency": currency,
            "line_items": _items(line_items, currency, locale),
            "subtotal": money(order.subtotal, currency, locale),
            "shipping_total": money(order.shipping_total, currency, locale),
            "tax_total": money(order.tax_total, currency, locale),
            "discount_total": money(order.discount_total, currency, locale) if order.discount_total else "",
            "total": money(order.total, currency, locale),
            "shipping_address": order.shipping_address,
            "estimated_delivery_from": estimate[0] if estimate else None,
            "estimated_delivery_to": estimate[1] if estimate else None,
        }
        context["links"]["track"] = track_url(order)
        # Returns' "report a problem" page takes the tracking token (named, not imported).
        context["links"]["problem"] = _url("returns:problem", token=order_token(order))
    if shipment:
        context["shipment"] = _shipment(shipment, line_items, currency, locale)
    return context
