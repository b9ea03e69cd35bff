from .customers import Customer, Product, normalize_email
from .discounts import DiscountCode, DiscountPurpose, DiscountRedemption, DiscountValue
from .events import DomainEvent
from .orders import ORDER_RANK, LineItem, Order, OrderSource, OrderStatus
from .shipments import (
    SHIPMENT_RANK,
    Shipment,
    ShipmentDirection,
    ShipmentItem,
    ShipmentStatus,
    TrackingEvent,
    event_fingerprint,
)
from .stores import LOCALES, ApiKey, Store
from .webhooks import InboundWebhook

__all__ = [
    "LOCALES",
    "ORDER_RANK",
    "SHIPMENT_RANK",
    "ApiKey",
    "Customer",
    "DiscountCode",
    "DiscountPurpose",
    "DiscountRedemption",
    "DiscountValue",
    "DomainEvent",
    "InboundWebhook",
    "LineItem",
    "Order",
    "OrderSource",
    "OrderStatus",
    "Product",
    "Shipment",
    "ShipmentDirection",
    "ShipmentItem",
    "ShipmentStatus",
    "Store",
    "TrackingEvent",
    "event_fingerprint",
    "normalize_email",
]
