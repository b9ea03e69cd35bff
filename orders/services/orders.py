"""Orders: create or update from any ingest path, cancel, and derive status from shipments.

Services run in a transaction of their own or join the caller's (a webhook being processed
marks itself done in the same transaction as its effect). Order rows are locked before
shipment rows, everywhere, so two writers never wait on each other in opposite order.
"""

from collections import defaultdict
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from orders import events
from orders.inputs import OrderInput
from orders.models import (
    ORDER_RANK,
    LineItem,
    Order,
    OrderSource,
    OrderStatus,
    ShipmentDirection,
    ShipmentItem,
    ShipmentStatus,
    Store,
)
from postpurchase.db import create_unless_exists
from postpurchase.exceptions import DomainError, InvalidTransition

from .customers import customer_upsert, products_for_skus
from .discounts import order_discounts_record

# Fields a later copy of an order (platform update, API, import) may change.
ORDER_UPDATABLE_FIELDS = (
    "email",
    "phone",
    "currency",
    "subtotal",
    "shipping_total",
    "tax_total",
    "discount_total",
    "total",
    "shipping_address",
    "billing_address",
    "shipping_method",
    "locale",
)


def _find_existing(store: Store, data: OrderInput) -> Order | None:
    """The order this input describes: by platform id first, then by number.

    An order first sent without an external id adopts the one a later update carries.
    """
    orders = Order.objects.select_for_update().filter(store=store)
    if data.external_id:
        # One query for both: at most one row each (unique per store), the platform id's first.
        candidates = sorted(
            orders.filter(Q(external_id=data.external_id) | Q(number=data.number)),
            key=lambda order: order.external_id != data.external_id,
        )
        found = candidates[0] if candidates else None
        if found is not None and found.external_id == data.external_id:
            return found
    else:
        found = orders.filter(number=data.number).first()
    if found and data.external_id and found.external_id not in ("", data.external_id):
        raise DomainError(
            f"Order number {data.number} already belongs to another order.",
            extra={"number": data.number, "external_id": found.external_id},
        )
    return found


def _line_items_create(order: Order, data: OrderInput) -> None:
    products = products_for_skus(store=order.store, items=data.line_items)
    LineItem.objects.bulk_create(
        LineItem(
            order=order,
            product=products.get(item.sku),
            sku=item.sku,
            title=item.title,
            quantity=item.quantity,
            unit_price=item.unit_price,
            external_id=item.external_id,
        )
        for item in data.line_items
    )


def _line_items_differ(order: Order, data: OrderInput) -> bool:
    def key(item):
        return (item.sku, item.title, item.quantity, item.unit_price)

    return sorted(map(key, order.line_items.all())) != sorted(map(key, data.line_items))


def order_upsert(*, store: Store, data: OrderInput, source: str, actor: str = "") -> tuple[Order, bool]:
    """Create the order, or update the one already known: the same order twice is one order.

    Returns (order, created). A new order records `order.placed`; a changed one
    `order.updated` with the changed fields; an unchanged one records nothing. Joins the
    caller's transaction without a savepoint of its own (a failure fails the caller's block:
    every caller lets it end there).
    """
    if problems := data.limit_problems(max_line_items=settings.ORDER_MAX_LINE_ITEMS):
        raise DomainError(
            f"Order {data.number} is refused: " + "; ".join(problems) + ".",
            extra={"number": data.number, "problems": problems},
        )
    with transaction.atomic(savepoint=False):
        existing = _find_existing(store, data)
        if existing is None:
            order = _order_create(store=store, data=data, source=source, actor=actor)
            if order is not None:
                return order, True
            # A concurrent request created it between our lookup and insert: it is ours to update.
            existing = _find_existing(store, data)
            if existing is None:
                raise IntegrityError(f"order {data.number} conflicts with a row that cannot be found")
        return _order_update(existing, data=data, source=source, actor=actor), False


def _order_create(*, store: Store, data: OrderInput, source: str, actor: str) -> Order | None:
    """The new order with its items and events; None, with nothing written, when a concurrent
    writer inserted it first (`INSERT … ON CONFLICT DO NOTHING`: no savepoint needed)."""
    customer = customer_upsert(
        store=store,
        email=data.email,
        phone=data.phone,
        first_name=data.first_name,
        last_name=data.last_name,
        locale=data.locale,
        external_id=data.customer_external_id,
        birthday=data.birthday,
    )
    order = Order(
        store=store,
        number=data.number,
        external_id=data.external_id,
        customer=customer,
        placed_at=data.placed_at or timezone.now(),
        source=source,
        **data.order_values(),
    )
    if not create_unless_exists(order):
        return None
    _line_items_create(order, data)
    events.event_record(
        kind=events.ORDER_IMPORTED if source == OrderSource.IMPORT else events.ORDER_PLACED,
        store=store,
        order=order,
        data={
            "number": order.number,
            "total": str(order.total),
            "currency": order.currency,
            "source": source,
        },
        actor=actor,
    )
    _consent_publish(order, data, source=source, actor=actor)
    order_discounts_record(order, data.discount_codes, actor=actor, new=True)
    return _cancelled_if_platform_did(order, data, actor)


def _consent_publish(order: Order, data: OrderInput, *, source: str, actor: str) -> None:
    events.consent_statements_publish(
        store=order.store,
        statements=events.consent_statements(
            customer_id=order.customer_id, consent=data.marketing_consent, placed_at=order.placed_at, source=source
        ),
        actor=actor,
    )


def _cancelled_if_platform_did(order: Order, data: OrderInput, actor: str) -> Order:
    if data.cancelled_at and order.status != OrderStatus.CANCELLED:
        order_cancel(order=order, reason="cancelled on the platform", actor=actor, at=data.cancelled_at)
        order.refresh_from_db()
    return order


def _order_update(order: Order, *, data: OrderInput, source: str, actor: str) -> Order:
    # A later copy may carry what the customer said since (Shopify updates the customer's
    # consent); an unchanged statement changes nothing.
    _consent_publish(order, data, source=source, actor=actor)
    order_discounts_record(order, data.discount_codes, actor=actor)
    values = data.order_values()
    changed = [name for name in ORDER_UPDATABLE_FIELDS if getattr(order, name) != values[name]]
    for name in changed:
        setattr(order, name, values[name])
    if data.external_id and not order.external_id:
        order.external_id = data.external_id
        changed.append("external_id")
    # Items already in a shipment stay as they are: shipments point at them.
    if not order.shipments.exists() and _line_items_differ(order, data):
        order.line_items.all().delete()
        _line_items_create(order, data)
        changed.append("line_items")
    if changed:
        order.save(update_fields=[name for name in changed if name != "line_items"] + ["updated_at"])
        events.event_record(
            kind=events.ORDER_UPDATED,
            store=order.store,
            order=order,
            data={"changed": changed},
            actor=actor,
        )
    return _cancelled_if_platform_did(order, data, actor)


@transaction.atomic
def order_cancel(*, order: Order, reason: str = "", actor: str = "", at: datetime | None = None) -> Order:
    """Cancel an order that has not shipped. Cancelling twice is a no-op."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status == OrderStatus.CANCELLED:
        return order
    if order.shipments.exists() or not order.can_move_to(OrderStatus.CANCELLED):
        raise InvalidTransition(order.status, OrderStatus.CANCELLED, "items have already shipped")
    previous = order.status
    order.status = OrderStatus.CANCELLED
    order.cancelled_at = at or timezone.now()
    order.save(update_fields=["status", "cancelled_at", "updated_at"])
    events.event_record(
        kind=events.ORDER_CANCELLED,
        store=order.store,
        order=order,
        data={"reason": reason, "from": previous},
        actor=actor,
    )
    return order


def shipped_quantities(order: Order) -> dict[int, int]:
    shipped: dict[int, int] = defaultdict(int)
    # What went out to the customer: a return parcel carries items back, not to them.
    outbound = ShipmentItem.objects.filter(shipment__order=order, shipment__direction=ShipmentDirection.OUTBOUND)
    for line_item_id, quantity in outbound.values_list("line_item_id", "quantity"):
        shipped[line_item_id] += quantity
    return shipped


# Where an order stands when its least advanced shipment is in this status.
_ORDER_STAGE = {
    ShipmentStatus.OUT_FOR_DELIVERY: OrderStatus.OUT_FOR_DELIVERY,
    ShipmentStatus.ATTEMPT_FAIL: OrderStatus.OUT_FOR_DELIVERY,
    ShipmentStatus.AVAILABLE_FOR_PICKUP: OrderStatus.OUT_FOR_DELIVERY,
    ShipmentStatus.DELIVERED: OrderStatus.DELIVERED,
}


def order_status_sync(order: Order, *, actor: str) -> None:
    """Move the order forward to where its outbound shipments say it is; never back.
    Return parcels never move it: received returns are the returns app's to judge."""
    shipments = list(order.shipments.outbound())
    if not shipments:
        return
    shipped = shipped_quantities(order)
    if any(shipped[li.pk] < li.quantity for li in order.line_items.all()):
        target = OrderStatus.PARTIALLY_SHIPPED
    else:
        stages = [_ORDER_STAGE.get(s.status, OrderStatus.SHIPPED) for s in shipments]
        target = min(stages, key=ORDER_RANK.__getitem__)
    _advance(order, target, actor=actor)


def _advance(order: Order, status: str, *, actor: str) -> bool:
    if not order.can_move_to(status):
        return False
    previous = order.status
    order.status = status
    order.save(update_fields=["status", "updated_at"])
    events.event_record(
        kind=events.ORDER_STATUS_CHANGED,
        store=order.store,
        order=order,
        data={"from": previous, "to": status},
        actor=actor,
    )
    return True


@transaction.atomic
def order_status_advance(*, order: Order, status: str, actor: str = "") -> Order:
    """Move an order forward to `status` (e.g. returned, by the returns app).

    A move backwards is ignored rather than refused: late and replayed news is normal.
    """
    order = Order.objects.select_for_update(of=("self",)).select_related("store").get(pk=order.pk)
    _advance(order, status, actor=actor)
    return order
