"""Which domain events schedule which messages. Registered in NotificationsConfig.ready()."""

from notifications import kinds, registry
from notifications.consent import consent_statements_apply
from notifications.flows import messaging_for
from notifications.services import message_schedule_for_customer, messages_schedule
from orders import events
from orders.models import OrderStatus, ShipmentStatus
from postpurchase.events import subscribe
from tracking.events import SHIPMENT_DELAYED

_SHIPMENT_TRIGGERS = {
    ShipmentStatus.OUT_FOR_DELIVERY: kinds.SHIPMENT_OUT_FOR_DELIVERY,
    ShipmentStatus.DELIVERED: kinds.SHIPMENT_DELIVERED,
    ShipmentStatus.EXCEPTION: kinds.SHIPMENT_EXCEPTION,
}


@subscribe(events.CONSENT_STATED)
def consent_stated(batch: events.ConsentStatements) -> None:
    """What a checkout said about marketing (live orders and imports alike)."""
    consent_statements_apply(store=batch.store, statements=batch.statements, actor=batch.actor)


@subscribe(events.ORDER_PLACED)
def order_placed(event) -> None:
    messages_schedule(trigger=kinds.ORDER_PLACED, event=event)


@subscribe(events.SHIPMENT_CREATED)
def shipment_created(event) -> None:
    messages_schedule(trigger=kinds.SHIPMENT_SHIPPED, event=event, shipment_id=event.data["shipment_id"])


@subscribe(events.SHIPMENT_STATUS_CHANGED)
def shipment_status_changed(event) -> None:
    trigger = _SHIPMENT_TRIGGERS.get(event.data["to"])
    if trigger:
        messages_schedule(trigger=trigger, event=event, shipment_id=event.data["shipment_id"])


@subscribe(events.ORDER_STATUS_CHANGED)
def order_status_changed(event) -> None:
    if event.data["to"] == OrderStatus.DELIVERED:
        messages_schedule(trigger=kinds.ORDER_DELIVERED, event=event)


@subscribe(SHIPMENT_DELAYED)
def shipment_delayed(event) -> None:
    """One notice per delay episode: the tracking app numbers the episodes. A delay caused by a
    carrier exception already got the exception notice; a second email would say the same."""
    if event.data.get("cause") == "exception":
        return
    messages_schedule(
        trigger=kinds.SHIPMENT_DELAYED,
        event=event,
        shipment_id=event.data["shipment_id"],
        episode=f"episode:{event.data.get('episode', 1)}",
    )


def event_triggered(event) -> None:
    """A kind declared with a domain event kind as its trigger (`return.approved`): the store's
    flows for that trigger schedule messages about the event's order, or, for an event about a
    customer and no order, to the customer, once per event."""
    if event.order_id is None:
        if event.customer_id is not None:
            for kind in registry.kinds_triggered_by(event.kind):
                message_schedule_for_customer(
                    store=event.store,
                    kind=kind,
                    customer=event.customer,
                    key=f"{kind}:event:{event.pk}",
                    data=dict(event.data),
                    at=event.created_at,
                    trigger=event.kind,
                )
        return
    shipment_id = event.data.get("shipment_id") if isinstance(event.data, dict) else None
    # Each event is news of its own (a second return on the same order): one message per event,
    # and a replay of the same event finds its message already there.
    messages_schedule(trigger=event.kind, event=event, shipment_id=shipment_id, episode=f"event:{event.pk}")


def _listen(kind: registry.Kind) -> None:
    for trigger in kind.triggers:
        if "." in trigger:  # a domain event kind; the others are derived above
            subscribe(trigger)(event_triggered)


registry.on_register(_listen)


@subscribe(events.STORE_CREATED)
def store_created(event) -> None:
    """A new store starts with its messaging settings and default flows, visible in the admin at once."""
    messaging_for(event.store)
