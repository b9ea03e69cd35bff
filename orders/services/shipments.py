"""Shipments and their carrier checkpoints. The order row is locked before the shipment's, and
only those rows: `of=self` keeps the joined store row unlocked, so shipments of one store never
queue behind each other."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from orders import events
from orders.inputs import ShipmentItemInput
from orders.models import (
    LineItem,
    Order,
    OrderStatus,
    Shipment,
    ShipmentDirection,
    ShipmentItem,
    ShipmentStatus,
    TrackingEvent,
    event_fingerprint,
)
from postpurchase.exceptions import Conflict, DomainError
from postpurchase.safe_urls import MESSAGE, is_http_url

from .orders import order_status_sync, shipped_quantities


def _resolve_items(order: Order, items: list[ShipmentItemInput] | None) -> list[tuple[LineItem, int]]:
    """Which line items and how many go in a new shipment; all that remains when not said."""
    line_items = list(order.line_items.all())
    shipped = shipped_quantities(order)
    remaining = {li.pk: li.quantity - shipped[li.pk] for li in line_items}
    if items is None:
        return [(li, remaining[li.pk]) for li in line_items if remaining[li.pk] > 0]
    return _take(order, line_items, items, remaining, "Only {left} of {title} are left to ship.")


def _resolve_return_items(order: Order, items: list[ShipmentItemInput] | None) -> list[tuple[LineItem, int]]:
    """What a return parcel carries back: nothing said, nothing assumed (a label is often made
    before anyone knows); never more of an item than was bought, less what is already coming back."""
    if not items:
        return []
    line_items = list(order.line_items.all())
    left = {li.pk: li.quantity for li in line_items}
    for line_item_id, quantity in ShipmentItem.objects.filter(
        shipment__order=order, shipment__direction=ShipmentDirection.RETURN
    ).values_list("line_item_id", "quantity"):
        left[line_item_id] -= quantity
    return _take(order, line_items, items, left, "Only {left} of {title} can come back.")


def _take(
    order: Order, line_items: list[LineItem], items: list[ShipmentItemInput], left: dict[int, int], too_many: str
) -> list[tuple[LineItem, int]]:
    """Match each requested item to the order's line (by our id, the platform's id or the SKU) and
    take its quantity from what is `left` of that line, refusing more than there is."""
    by_id = {li.pk: li for li in line_items}
    by_sku = {li.sku: li for li in line_items if li.sku}
    by_external = {li.external_id: li for li in line_items if li.external_id}
    chosen: list[tuple[LineItem, int]] = []
    for item in items:
        li = by_id.get(item.line_item_id) or by_external.get(item.external_id) or by_sku.get(item.sku)
        if li is None:
            ref = item.line_item_id or item.external_id or item.sku
            raise DomainError(f"Order {order.number} has no line item {ref}.", extra={"item": ref})
        if item.quantity > left[li.pk]:
            raise DomainError(
                too_many.format(left=left[li.pk], title=li.title), extra={"item": li.pk, "remaining": left[li.pk]}
            )
        left[li.pk] -= item.quantity
        chosen.append((li, item.quantity))
    return chosen


@transaction.atomic
def shipment_upsert(
    *,
    order: Order,
    carrier: str = "",
    tracking_number: str = "",
    tracking_url: str = "",
    items: list[ShipmentItemInput] | None = None,
    external_id: str = "",
    status: str | None = None,
    shipped_at: datetime | None = None,
    estimated_delivery=None,
    direction: str = ShipmentDirection.OUTBOUND,
    actor: str = "",
) -> tuple[Shipment, bool]:
    """Add a shipment to an order, or update the one already known (same platform id, or
    same carrier and tracking number, in the same direction). Returns (shipment, created).

    A return parcel (`direction="return"`) goes through the same status machinery but records
    `return_shipment.*` events and never moves the order: nothing that follows deliveries reacts.
    """
    if direction not in ShipmentDirection.values:
        raise DomainError(f"Unknown direction {direction!r}.", extra={"direction": direction})
    returning = direction == ShipmentDirection.RETURN
    if tracking_url and not is_http_url(tracking_url):
        raise DomainError(f"Tracking URL refused: {MESSAGE}", extra={"tracking_url": tracking_url[:500]})
    order = Order.objects.select_for_update(of=("self",)).select_related("store").get(pk=order.pk)
    if order.status == OrderStatus.CANCELLED:
        raise DomainError(f"Order {order.number} is cancelled; nothing can ship.")
    existing = None
    if external_id:
        existing = order.shipments.select_for_update().filter(external_id=external_id).first()
    if existing is None and tracking_number:
        existing = (
            order.shipments.select_for_update()
            .filter(carrier=carrier, tracking_number=tracking_number, direction=direction)
            .first()
        )
    if existing is not None:
        _shipment_update(
            existing,
            carrier=carrier,
            tracking_number=tracking_number,
            tracking_url=tracking_url,
            estimated_delivery=estimated_delivery,
            actor=actor,
        )
        if status and status != existing.status and existing.can_move_to(status):
            _shipment_status_set(existing, status=status, at=timezone.now(), actor=actor)
            if not existing.is_return:
                order_status_sync(order, actor=actor)
        return existing, False

    if external_id and Shipment.objects.filter(store=order.store, external_id=external_id).exists():
        raise Conflict(
            f"Shipment id {external_id} already belongs to another order's shipment.",
            extra={"external_id": external_id},
        )
    chosen = _resolve_return_items(order, items) if returning else _resolve_items(order, items)
    status = status or ShipmentStatus.PENDING
    try:
        with transaction.atomic():  # a savepoint: a concurrent twin must not break the caller's transaction
            shipment = Shipment.objects.create(
                store=order.store,
                order=order,
                carrier=carrier,
                tracking_number=tracking_number,
                tracking_url=tracking_url,
                external_id=external_id,
                status=status,
                shipped_at=shipped_at or timezone.now(),
                estimated_delivery=estimated_delivery,
                delivered_at=(shipped_at or timezone.now()) if status == ShipmentStatus.DELIVERED else None,
                direction=direction,
            )
    except IntegrityError:
        raise Conflict(
            f"Shipment id {external_id} already belongs to another shipment.", extra={"external_id": external_id}
        ) from None
    ShipmentItem.objects.bulk_create(ShipmentItem(shipment=shipment, line_item=li, quantity=q) for li, q in chosen)
    events.event_record(
        kind=events.RETURN_SHIPMENT_CREATED if returning else events.SHIPMENT_CREATED,
        store=order.store,
        order=order,
        data={
            "shipment_id": shipment.pk,
            "carrier": carrier,
            "tracking_number": tracking_number,
            "status": status,
            "items": [{"line_item_id": li.pk, "title": li.title, "quantity": q} for li, q in chosen],
        },
        actor=actor,
    )
    if not returning:
        order_status_sync(order, actor=actor)
    return shipment, True


def _shipment_update(shipment: Shipment, *, actor: str, **fields) -> None:
    changed = [name for name, value in fields.items() if value and getattr(shipment, name) != value]
    if not changed:
        return
    for name in changed:
        setattr(shipment, name, fields[name])
    shipment.save(update_fields=[*changed, "updated_at"])
    events.event_record(
        kind=events.SHIPMENT_UPDATED,
        store=shipment.store,
        order=shipment.order,
        data={
            "shipment_id": shipment.pk,
            "changed": {name: str(fields[name]) for name in changed},
        },
        actor=actor,
    )


def _shipment_status_set(shipment: Shipment, *, status: str, at: datetime, actor: str) -> None:
    previous = shipment.status
    shipment.status = status
    fields = ["status", "updated_at"]
    if status == ShipmentStatus.DELIVERED:
        shipment.delivered_at = at
        fields.append("delivered_at")
    shipment.save(update_fields=fields)
    kind = events.SHIPMENT_STATUS_CHANGED
    if shipment.is_return:
        # Delivered, for a parcel coming back, means the merchant has it.
        received = status == ShipmentStatus.DELIVERED
        kind = events.RETURN_SHIPMENT_RECEIVED if received else events.RETURN_SHIPMENT_STATUS_CHANGED
    events.event_record(
        kind=kind,
        store=shipment.store,
        order=shipment.order,
        data={
            "shipment_id": shipment.pk,
            "from": previous,
            "to": status,
            "at": at.isoformat(),
            "carrier": shipment.carrier,
            "tracking_number": shipment.tracking_number,
        },
        actor=actor,
    )


@transaction.atomic
def tracking_event_add(
    *,
    shipment: Shipment,
    occurred_at: datetime,
    status: str,
    substatus: str = "",
    message: str = "",
    location: str = "",
    actor: str = "",
) -> tuple[TrackingEvent, bool]:
    """Store a carrier checkpoint once, and move the shipment (and order) forward if it says so.

    Checkpoints arrive late, twice and out of order: a replay is ignored, and an older one
    is kept for the timeline but never moves the status back.
    """
    order = Order.objects.select_for_update(of=("self",)).select_related("store").get(pk=shipment.order_id)
    shipment = Shipment.objects.select_for_update().get(pk=shipment.pk)
    event, created = TrackingEvent.objects.get_or_create(
        shipment=shipment,
        fingerprint=event_fingerprint(occurred_at, status, message),
        defaults={
            "occurred_at": occurred_at,
            "status": status,
            "substatus": substatus,
            "message": message[:500],
            "location": location[:200],
        },
    )
    if not created:
        return event, False
    latest = shipment.last_event_at is None or occurred_at >= shipment.last_event_at
    if latest:
        shipment.last_event_at = occurred_at
        shipment.save(update_fields=["last_event_at", "updated_at"])
    if shipment.can_move_to(status, latest=latest):
        shipment.order = order
        _shipment_status_set(shipment, status=status, at=occurred_at, actor=actor)
        if not shipment.is_return:
            order_status_sync(order, actor=actor)
    return event, True


@transaction.atomic
def shipment_status_expire(*, shipment: Shipment, at: datetime, actor: str = "") -> bool:
    """Mark a shipment the carrier stopped reporting on as expired (forward-only rules apply)."""
    order = Order.objects.select_for_update(of=("self",)).select_related("store").get(pk=shipment.order_id)
    shipment = Shipment.objects.select_for_update().get(pk=shipment.pk)
    if not shipment.can_move_to(ShipmentStatus.EXPIRED):
        return False
    shipment.order = order
    _shipment_status_set(shipment, status=ShipmentStatus.EXPIRED, at=at, actor=actor)
    if not shipment.is_return:
        order_status_sync(order, actor=actor)
    return True
