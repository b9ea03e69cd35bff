"""What a customer may see about an order: one read for the tracking page and both JSON endpoints.

`order_tracking` (selectors.loading) loads an order as plain data in three queries; the page adds
recommendations and care instructions (`tracking_page`) and the store's FAQ (`faq_for`), cached.
"""

from .content import faq_for, store_content_changed
from .data import (
    ORDER_STATUS_LABELS,
    SHIPMENT_STATUS_LABELS,
    STEP_LABELS,
    STEPS,
    Brand,
    Care,
    Event,
    Faq,
    Item,
    OrderTracking,
    Recommendation,
    ShipmentTracking,
    TrackingPage,
)
from .loading import order_tracking, order_version
from .page import order_find_for_customer, tracking_page

__all__ = [
    "ORDER_STATUS_LABELS",
    "SHIPMENT_STATUS_LABELS",
    "STEPS",
    "STEP_LABELS",
    "Brand",
    "Care",
    "Event",
    "Faq",
    "Item",
    "OrderTracking",
    "Recommendation",
    "ShipmentTracking",
    "TrackingPage",
    "faq_for",
    "order_find_for_customer",
    "order_tracking",
    "order_version",
    "store_content_changed",
    "tracking_page",
]
