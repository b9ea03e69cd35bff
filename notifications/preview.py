"""Previewing message templates in the admin: a realistic context and what it renders to.

The sample is the store's latest real order (one not imported, if there is one), through the
very function the dispatcher uses; a store without orders gets a built-in sample. Whatever the
order lacks for the kind (a shipment, a delay reason, a coupon) is filled in with sample values.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from notifications import registry
from notifications.context import message_context
from notifications.models import Channel, Message, MessageTemplate
from notifications.rendering import Rendered, render, render_override
from notifications.sms_segments import SmsCount, non_gsm_characters, sms_count
from orders.models import Order, OrderSource
from postpurchase.money import money_format as money


@dataclass(frozen=True)
class Preview:
    rendered: Rendered | None  # what customers would get: the template, or the default if it failed
    error: str  # why the template itself failed on the sample, if it did
    sample: str  # where the sample data came from
    sms: SmsCount | None = None
    non_gsm: str = ""  # the characters that make an SMS expensive (UCS-2)


def _sample_order(store) -> Order | None:
    orders = Order.objects.for_store(store).order_by("-placed_at", "-id")
    return orders.exclude(source=OrderSource.IMPORT).first() or orders.first()


def _placeholder_links() -> dict:
    base = settings.PUBLIC_BASE_URL
    return {
        "track": f"{base}/track/sample/",
        "preferences": f"{base}/messages/preferences/sample/",
        "unsubscribe": f"{base}/messages/unsubscribe/sample/",
    }


def _sample_data(store, kind: str, locale: str) -> dict:
    """The kind's own sample `message.data` (a delay reason, a coupon), as its app declared it."""
    known = registry.kind(kind)
    return dict(known.sample(store, locale)) if known else {}


def builtin_context(store, *, kind: str, locale: str = "en") -> dict:
    """A plausible order of `store` shaped exactly like notifications.context.message_context."""
    currency = store.currency or "EUR"
    today = timezone.localdate()
    items = [
        ("TEE-1", "Linen tee", 2, Decimal("25.00"), "Machine wash cold, inside out. Dry flat; do not tumble dry."),
        ("CAP-1", "Wool cap", 1, Decimal("19.90"), "Hand wash in lukewarm water with a wool detergent."),
    ]
    line_items = [
        {
            "title": title,
            "sku": sku,
            "quantity": quantity,
            "unit_price": money(price, currency, locale),
            "total": money(price * quantity, currency, locale),
            "care_instructions": care,
        }
        for sku, title, quantity, price, care in items
    ]
    subtotal = sum(price * quantity for _, _, quantity, price, _ in items)
    shipping, tax = Decimal("4.90"), Decimal("11.95")
    return {
        "store": {
            "name": store.name,
            "logo_url": store.logo_url,
            "primary_color": store.primary_color,
            "support_email": store.support_email,
        },
        "customer": {"first_name": "Ada", "name": "Ada Lovelace"},
        "message": {"kind": kind, "data": _sample_data(store, kind, locale)},
        "links": _placeholder_links(),
        "order": {
            "number": "#1001",
            "placed_at": timezone.now() - timedelta(days=1),
            "currency": currency,
            "line_items": line_items,
            "subtotal": money(subtotal, currency, locale),
            "shipping_total": money(shipping, currency, locale),
            "tax_total": money(tax, currency, locale),
            "discount_total": "",
            "total": money(subtotal + shipping, currency, locale),
            "shipping_address": {
                "name": "Ada Lovelace",
                "line1": "12 Analytical Street",
                "line2": "Flat 3",
                "postal_code": "N1 9GU",
                "city": "London",
                "country": "United Kingdom",
            },
            "estimated_delivery_from": today + timedelta(days=2),
            "estimated_delivery_to": today + timedelta(days=4),
        },
        "shipment": _builtin_shipment(line_items, today),
    }


def _builtin_shipment(line_items: list[dict], today) -> dict:
    return {
        "carrier": "dhl",
        "tracking_number": "JD014600006281230",
        "tracking_url": "https://www.dhl.com/track?tracking-id=JD014600006281230",
        "status": "In transit",
        "estimated_delivery": today + timedelta(days=3),
        "line_items": line_items,
    }


def sample_context(store, *, kind: str, channel: str = Channel.EMAIL, locale: str = "en") -> tuple[dict, str]:
    """The context to preview with, and a sentence saying where it came from."""
    order = _sample_order(store) if store.pk else None
    if order is None:
        context = builtin_context(store, kind=kind, locale=locale)
        return context, "a built-in sample order (this store has no orders yet)"
    message = Message(
        store=store,
        order=order,
        customer=order.customer,
        shipment=order.shipments.order_by("-id").first(),
        kind=kind,
        channel=channel,
        locale=locale,
        data=_sample_data(store, kind, locale),
    )
    context = message_context(message)
    # The real data wins where the order has it (recommended products); samples fill the gaps.
    data = context["message"]["data"]
    context["message"]["data"] = {**message.data, **{key: value for key, value in data.items() if value}}
    if context["shipment"] is None:
        context["shipment"] = _builtin_shipment(context["order"]["line_items"], timezone.localdate())
    context["links"] = {key: value or _placeholder_links()[key] for key, value in context["links"].items()}
    context["links"].setdefault("track", _placeholder_links()["track"])
    return context, f"order {order.number}" + (" (imported)" if order.is_import else "")


def preview_template(template: MessageTemplate) -> Preview:
    """Render a merchant's template (saved or not) against the sample. If it fails, say why
    and show what customers would get instead: the default template."""
    context, sample = sample_context(
        template.store, kind=template.kind, channel=template.channel, locale=template.locale
    )
    error = ""
    try:
        rendered = render_override(template, context=context)
    except Exception as exc:  # noqa: BLE001 - any template error is shown to the merchant editing it
        error = f"{type(exc).__name__}: {exc}"
        rendered = render(kind=template.kind, channel=template.channel, locale=template.locale, context=context)
    if template.channel == Channel.SMS:
        return Preview(
            rendered=rendered,
            error=error,
            sample=sample,
            sms=sms_count(rendered.text),
            non_gsm="".join(non_gsm_characters(rendered.text)),
        )
    return Preview(rendered=rendered, error=error, sample=sample)
