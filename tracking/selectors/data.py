"""The plain data the tracking page and endpoints show, and how its codes read to customers."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from orders.models import OrderStatus, ShipmentStatus

# The customer's progress bar. Returned orders were delivered first, so they stay on the last step.
STEPS = ("ordered", "shipped", "out_for_delivery", "delivered")
STEP_LABELS = {
    "ordered": _("Ordered"),
    "shipped": _("Shipped"),
    "out_for_delivery": _("Out for delivery"),
    "delivered": _("Delivered"),
}
STEP_OF_STATUS = {
    OrderStatus.PLACED: 0,
    OrderStatus.PARTIALLY_SHIPPED: 1,
    OrderStatus.SHIPPED: 1,
    OrderStatus.OUT_FOR_DELIVERY: 2,
    OrderStatus.DELIVERED: 3,
    OrderStatus.PARTIALLY_RETURNED: 3,
    OrderStatus.RETURNED: 3,
}
# How a shipment status reads to a customer (the model's labels are for merchants, untranslated).
SHIPMENT_STATUS_LABELS: dict[str, Promise] = {
    ShipmentStatus.PENDING: _("Preparing"),
    ShipmentStatus.INFO_RECEIVED: _("Label created"),
    ShipmentStatus.IN_TRANSIT: _("In transit"),
    ShipmentStatus.OUT_FOR_DELIVERY: _("Out for delivery"),
    ShipmentStatus.ATTEMPT_FAIL: _("Delivery attempted"),
    ShipmentStatus.AVAILABLE_FOR_PICKUP: _("Ready for pickup"),
    ShipmentStatus.DELIVERED: _("Delivered"),
    ShipmentStatus.EXCEPTION: _("Problem reported"),
    ShipmentStatus.EXPIRED: _("Tracking stopped"),
}
ORDER_STATUS_LABELS: dict[str, Promise] = {
    OrderStatus.PLACED: _("Ordered"),
    OrderStatus.PARTIALLY_SHIPPED: _("Partly shipped"),
    OrderStatus.SHIPPED: _("Shipped"),
    OrderStatus.OUT_FOR_DELIVERY: _("Out for delivery"),
    OrderStatus.DELIVERED: _("Delivered"),
    OrderStatus.PARTIALLY_RETURNED: _("Partly returned"),
    OrderStatus.RETURNED: _("Returned"),
    OrderStatus.CANCELLED: _("Cancelled"),
}


@dataclass(frozen=True)
class Event:
    occurred_at: datetime
    status: str
    message: str
    location: str
    shipment_id: int
    parcel: int  # the shipment's position in the order, 1-based

    @property
    def status_label(self) -> str:
        return str(SHIPMENT_STATUS_LABELS.get(self.status, self.status))


@dataclass(frozen=True)
class Item:
    line_item_id: int
    title: str
    sku: str
    quantity: int
    product_id: int | None = None
    care_instructions: str = ""


@dataclass(frozen=True)
class ShipmentTracking:
    id: int
    parcel: int
    carrier: str
    tracking_number: str
    tracking_url: str
    status: str
    delayed: bool
    delay_reason: str
    possibly_lost: bool
    estimated_delivery: date | None  # the carrier's date, if it gave one
    estimate: tuple[date, date] | None  # (earliest, latest) while on its way
    shipped_at: datetime | None
    delivered_at: datetime | None
    items: list[Item]
    events: list[Event]  # newest first
    promised: tuple[date, date] | None = None  # the first estimate the customer was shown

    @property
    def status_label(self) -> str:
        return str(SHIPMENT_STATUS_LABELS.get(self.status, self.status))

    @property
    def problem(self) -> str | None:
        """While the carrier reports a problem: what it said (possibly ""), else None."""
        if self.status != ShipmentStatus.EXCEPTION:
            return None
        return next((e.message for e in self.events if e.status == ShipmentStatus.EXCEPTION and e.message), "")


@dataclass(frozen=True)
class Brand:
    name: str
    slug: str
    logo_url: str
    primary_color: str
    support_email: str


@dataclass(frozen=True)
class OrderTracking:
    order_id: int
    store_id: int
    number: str
    status: str
    placed_at: datetime
    locale: str  # the language we know the customer reads: the order's, else the customer's
    timezone: str  # the customer's zone, else the store's; always a valid zone name
    currency: str
    customer_first_name: str
    store: Brand
    step: int | None  # index in STEPS; None when the order was cancelled
    estimate: tuple[date, date] | None  # while the order is on its way
    shipments: list[ShipmentTracking]
    events: list[Event]  # every shipment's checkpoints, newest first
    items: list[Item]  # what was ordered
    unshipped: list[Item]  # what no shipment carries yet
    promo_text: str = ""
    promo_url: str = ""
    version: tuple = ()  # what `order_version` answers while none of this has changed

    @property
    def content_version(self) -> str:
        """The store's content version (FAQ, settings) this was read with: the version's first part."""
        return self.version[0] if self.version else ""

    @property
    def cancelled(self) -> bool:
        return self.status == OrderStatus.CANCELLED

    @property
    def status_label(self) -> str:
        return str(ORDER_STATUS_LABELS.get(self.status, self.status))

    @property
    def step_code(self) -> str | None:
        return None if self.step is None else STEPS[self.step]

    @property
    def delayed(self) -> bool:
        return any(s.delayed for s in self.shipments)

    @property
    def possibly_lost(self) -> bool:
        return any(s.possibly_lost for s in self.shipments)

    @property
    def problems(self) -> list[ShipmentTracking]:
        """Parcels stuck on a problem the carrier reported (customs, damage, a bad address…)."""
        return [s for s in self.shipments if s.problem is not None]

    @property
    def running_late(self) -> bool:
        """Delayed for a reason other than a reported problem, which has its own banner."""
        return any(s.delayed and s.problem is None for s in self.shipments)

    @property
    def delay_reasons(self) -> list[str]:
        reasons = [s.delay_reason for s in self.shipments if s.delayed and s.delay_reason and s.problem is None]
        return list(dict.fromkeys(reasons))

    @property
    def delivered_at(self) -> datetime | None:
        """When the last parcel arrived, once every parcel has."""
        if self.step != len(STEPS) - 1:
            return None
        return max((s.delivered_at for s in self.shipments if s.delivered_at), default=None)

    @property
    def product_ids(self) -> list[int]:
        return sorted({i.product_id for i in self.items if i.product_id})


@dataclass(frozen=True)
class Recommendation:
    title: str
    url: str
    image_url: str
    price: Decimal
    currency: str


@dataclass(frozen=True)
class Faq:
    question: str
    answer: str


@dataclass(frozen=True)
class Care:
    title: str
    instructions: str


@dataclass(frozen=True)
class TrackingPage:
    tracking: OrderTracking
    recommendations: list[Recommendation] = field(default_factory=list)
    care: list[Care] = field(default_factory=list)
