"""Orders that can be returned, policies, and returns made through the services."""

from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from orders.inputs import LineItemInput
from orders.models import Order, OrderStatus, Shipment, ShipmentDirection, ShipmentStatus, Store
from returns.models import ReturnPolicy, ReturnReason, ReturnRequest, ReturnTagRule
from returns.services import ReturnItemInput, return_request_create
from tests.orders.factories import place_order


def delivered_order(
    store: Store,
    *,
    delivered_days_ago: float | None = 3,
    shipped_days_ago: float = 5,
    number: str = "#1001",
    **overrides,
) -> Order:
    """An order (2 linen tees at 25.00, 1 wool cap at 19.90) shipped, and delivered unless told not."""
    order = place_order(store, number=number, **overrides)
    now = timezone.now()
    delivered_at: datetime | None = None if delivered_days_ago is None else now - timedelta(days=delivered_days_ago)
    Shipment.objects.create(
        store=store,
        order=order,
        carrier="dhl",
        tracking_number=f"TRK{order.pk}",
        status=ShipmentStatus.DELIVERED if delivered_at else ShipmentStatus.IN_TRANSIT,
        direction=ShipmentDirection.OUTBOUND,
        shipped_at=now - timedelta(days=shipped_days_ago),
        delivered_at=delivered_at,
    )
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.DELIVERED if delivered_at else OrderStatus.SHIPPED)
    order.refresh_from_db()
    return order


def priced_order(store: Store, prices: list[tuple[int, str]], *, discount: str = "0.00", **kw) -> Order:
    """A delivered order with these (quantity, unit price) lines and an order discount."""
    lines = [
        LineItemInput(sku=f"SKU-{i}", title=f"Item {i}", quantity=q, unit_price=Decimal(p))
        for i, (q, p) in enumerate(prices)
    ]
    return delivered_order(store, line_items=lines, discount_total=Decimal(discount), **kw)


def policy(store: Store, *, reasons: bool = False, tags: dict[str, int] | None = None, **fields) -> ReturnPolicy:
    p = ReturnPolicy.objects.create(store=store, **fields)
    if reasons:
        ReturnReason.objects.create(policy=p, code="too_small", label="Too small")
        ReturnReason.objects.create(policy=p, code="damaged", label="Damaged", requires_photo=True)
        ReturnReason.objects.create(policy=p, code="other", label="Other", requires_comment=True)
    for tag, days in (tags or {}).items():
        ReturnTagRule.objects.create(policy=p, tag=tag, window_days=days)
    return p


def line(order: Order, index: int = 0):
    return list(order.line_items.all())[index]


def request_return(
    order: Order, *quantities: tuple[int, int], resolution: str = "refund", reason: str = "too_small", **kw
) -> ReturnRequest:
    """Return (line index, quantity) pairs of `order` through the service, as the portal will."""
    items = [
        ReturnItemInput(line_item_id=line(order, index).pk, quantity=quantity, reason=reason)
        for index, quantity in quantities
    ]
    return return_request_create(order=order, items=items, resolution=resolution, **kw)
