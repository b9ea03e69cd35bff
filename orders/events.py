"""The event kinds `orders` records, and the one function every app records events with."""

from postpurchase.events import publish

from .models import Customer, DomainEvent, Order, Store

ORDER_PLACED = "order.placed"
ORDER_IMPORTED = "order.imported"
ORDER_UPDATED = "order.updated"
ORDER_CANCELLED = "order.cancelled"
ORDER_STATUS_CHANGED = "order.status_changed"
SHIPMENT_CREATED = "shipment.created"
SHIPMENT_UPDATED = "shipment.updated"
SHIPMENT_STATUS_CHANGED = "shipment.status_changed"


def event_record(
    *,
    kind: str,
    store: Store,
    order: Order | None = None,
    customer: Customer | None = None,
    data: dict | None = None,
    actor: str = "",
) -> DomainEvent:
    """Write the event row and run its subscribers, all inside the caller's transaction."""
    event = DomainEvent.objects.create(
        kind=kind,
        store=store,
        order=order,
        customer=customer if customer is not None else getattr(order, "customer", None),
        data=data or {},
        actor=actor,
    )
    publish(event)
    return event
