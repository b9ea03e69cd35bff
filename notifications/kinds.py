"""The message kinds of the spine: orders' and tracking's (declared here for them, as they sit
to the left of notifications and cannot import it) and notifications' own follow-ups.

Their templates stay in notifications/message_templates. Declared in NotificationsConfig.ready().
"""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from notifications.registry import DefaultFlow, Kind, register, trigger_label
from orders.models import Product
from postpurchase.money import money_format

TEMPLATES = Path(__file__).parent / "message_templates"

ORDER_CONFIRMATION = "order_confirmation"
SHIPPED = "shipped"
OUT_FOR_DELIVERY = "out_for_delivery"
DELIVERED = "delivered"
DELAYED = "delayed"
EXCEPTION = "exception"
THANK_YOU = "thank_you"
RECOMMENDATIONS = "recommendations"
COUPON = "coupon"

# Triggers that notifications.subscribers derives from orders' and tracking's events (a shipment's
# status moving to out_for_delivery, an order reaching delivered): their names are not event kinds.
ORDER_PLACED = "order_placed"
SHIPMENT_SHIPPED = "shipment_shipped"
SHIPMENT_OUT_FOR_DELIVERY = "shipment_out_for_delivery"
SHIPMENT_DELIVERED = "shipment_delivered"
SHIPMENT_DELAYED = "shipment_delayed"
SHIPMENT_EXCEPTION = "shipment_exception"
ORDER_DELIVERED = "order_delivered"  # every shipment delivered; follow-ups wait N days after

_TRIGGER_LABELS = {
    ORDER_PLACED: "Order placed",
    SHIPMENT_SHIPPED: "Shipment shipped",
    SHIPMENT_OUT_FOR_DELIVERY: "Shipment out for delivery",
    SHIPMENT_DELIVERED: "Shipment delivered",
    SHIPMENT_DELAYED: "Shipment delayed",
    SHIPMENT_EXCEPTION: "Shipment exception",
    ORDER_DELIVERED: "Order delivered",
}

SAMPLE_REASONS = {
    DELAYED: {
        "en": "The carrier has a backlog at its sorting centre.",
        "de": "Im Verteilzentrum des Paketdienstes gibt es einen Rückstau.",
        "fr": "Le transporteur a pris du retard dans son centre de tri.",
        "es": "La empresa de transporte acumula retrasos en su centro de clasificación.",
    },
    EXCEPTION: {
        "en": "The address is incomplete: the carrier needs a flat number.",
        "de": "Die Adresse ist unvollständig: Der Paketdienst braucht die Wohnungsnummer.",
        "fr": "L'adresse est incomplète : le transporteur a besoin du numéro d'appartement.",
        "es": "La dirección está incompleta: falta el número de piso.",
    },
}


def _reason(kind: str) -> Any:
    def sample(store: Any, locale: str) -> dict[str, Any]:
        return {"reason": SAMPLE_REASONS[kind].get(locale, SAMPLE_REASONS[kind]["en"])}

    return sample


def _coupon_sample(store: Any, locale: str) -> dict[str, Any]:
    messaging = getattr(store, "messaging", None) if store.pk else None
    return {"coupon_code": "THANKS-K7Q2MX9P4D", "coupon_percent": messaging.coupon_percent if messaging else 10}


def _recommendations_sample(store: Any, locale: str) -> dict[str, Any]:
    products = list(Product.objects.for_store(store).exclude(url="").order_by("-pk")[:3]) if store.pk else []
    found = [
        {
            "title": p.title,
            "url": p.url,
            "image_url": p.image_url,
            "price": money_format(p.price, store.currency, locale),
        }
        for p in products
    ]
    return {
        "recommendations": found
        or [
            {
                "title": "Merino beanie",
                "url": "https://example.com/products/merino-beanie",
                "image_url": "https://placehold.co/560x560/png?text=Beanie",
                "price": money_format(Decimal("29.00"), store.currency, locale),
            },
            {
                "title": "Linen scarf",
                "url": "https://example.com/products/linen-scarf",
                "image_url": "https://placehold.co/560x560/png?text=Scarf",
                "price": money_format(Decimal("39.00"), store.currency, locale),
            },
        ]
    }


def _update(name: str, label: str, trigger: str, channels: tuple[str, ...], **extra: Any) -> Kind:
    return Kind(
        name=name,
        label=label,
        app="tracking",
        templates=TEMPLATES,
        channels=("email", "sms"),
        triggers=(trigger,),
        flows=tuple(DefaultFlow(channel=c) for c in channels),
        per_shipment=True,
        **extra,
    )


def _follow_up(name: str, label: str, days: int, **extra: Any) -> Kind:
    return Kind(
        name=name,
        label=label,
        app="notifications",
        templates=TEMPLATES,
        channels=("email", "sms"),
        triggers=(ORDER_DELIVERED,),
        flows=(DefaultFlow(channel="email", delay=timedelta(days=days), transactional=False),),
        follow_up=True,
        **extra,
    )


KINDS = (
    Kind(
        name=ORDER_CONFIRMATION,
        label="Order confirmation",
        app="orders",
        templates=TEMPLATES,
        channels=("email", "sms"),
        triggers=(ORDER_PLACED,),
        flows=(DefaultFlow(channel="email"),),
    ),
    _update(SHIPPED, "Shipped", SHIPMENT_SHIPPED, ("email", "sms")),
    _update(OUT_FOR_DELIVERY, "Out for delivery", SHIPMENT_OUT_FOR_DELIVERY, ("email", "sms")),
    _update(DELIVERED, "Delivered", SHIPMENT_DELIVERED, ("email",)),
    _update(DELAYED, "Delayed", SHIPMENT_DELAYED, ("email",), sample=_reason(DELAYED)),
    _update(EXCEPTION, "Exception", SHIPMENT_EXCEPTION, ("email", "sms"), sample=_reason(EXCEPTION)),
    _follow_up(THANK_YOU, "Thank you", 2),
    _follow_up(RECOMMENDATIONS, "Recommendations", 10, sample=_recommendations_sample),
    _follow_up(COUPON, "Coupon", 21, sample=_coupon_sample),
)


def kinds_register() -> None:
    for name, text in _TRIGGER_LABELS.items():
        trigger_label(name, text)
    for kind in KINDS:
        register(kind)
