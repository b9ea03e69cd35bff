"""Which domain events schedule which messages. Registered in NotificationsConfig.ready()."""

from notifications.consent import consent_statements_apply
from notifications.flows import messaging_for
from notifications.models import MessageKind, Trigger
from notifications.services import messages_schedule
from orders import events
from orders.models import OrderStatus, ShipmentStatus
from postpurchase.events import subscribe

SHIPMENT_DELAYED = "shipment.delayed"

_SHIPMENT_TRIGGERS = {
    ShipmentStatus.OUT_FOR_DELIVERY: Trigger.SHIPMENT_OUT_FOR_DELIVERY,
    ShipmentStatus.DELIVERED: Trigger.SHIPMENT_DELIVERED,
    ShipmentStatus.EXCEPTION: Trigger.SHIPMENT_EXCEPTION,
}


@subscribe(events.CONSENT_STATED)
def consent_stated(batch: events.ConsentStatements) -> None:
    """What a checkout said about marketing (live orders and imports alike)."""
    consent_statements_apply(store=batch.store, statements=batch.statements, actor=batch.actor)


@subscribe(events.ORDER_PLACED)
def order_placed(event) -> None:
    messages_schedule(trigger=Trigger.ORDER_PLACED, event=event)


@subscribe(events.SHIPMENT_CREATED)
def shipment_created(event) -> None:
    messages_schedule(trigger=Trigger.SHIPMENT_SHIPPED, event=event, shipment_id=event.data["shipment_id"])


@subscribe(events.SHIPMENT_STATUS_CHANGED)
def shipment_status_changed(event) -> None:
    trigger = _SHIPMENT_TRIGGERS.get(event.data["to"])
    if trigger:
        messages_schedule(trigger=trigger, event=event, shipment_id=event.data["shipment_id"])


@subscribe(events.ORDER_STATUS_CHANGED)
def order_status_changed(event) -> None:
    if event.data["to"] == OrderStatus.DELIVERED:
        messages_schedule(trigger=Trigger.ORDER_DELIVERED, event=event)


@subscribe(SHIPMENT_DELAYED)
def shipment_delayed(event) -> None:
    """One notice per delay episode: the tracking app numbers the episodes. A delay caused by a
    carrier exception already got the exception notice; a second email would say the same."""
    if event.data.get("cause") == "exception":
        return
    messages_schedule(
        trigger=Trigger.SHIPMENT_DELAYED,
        event=event,
        shipment_id=event.data["shipment_id"],
        episode=f"episode:{event.data.get('episode', 1)}",
    )


_OUTCOMES = {
    "message.sent": "sent",
    "message.delivered": "delivered",
    "message.bounced": "bounced",
    "message.complained": "marked as spam",
    "message.failed": "failed",
    "message.retrying": "will be retried",
    "message.postponed": "postponed",
    "message.cancelled": "cancelled",
    "message.suppressed": "not sent",
    "message.resend_requested": "to be sent again",
}


def _message_text(outcome: str):
    def text(data: dict) -> str:
        kind = MessageKind(data["kind"]).label if data.get("kind") in MessageKind.values else data.get("kind", "")
        channel = "SMS" if data.get("channel") == "sms" else "Email"
        return f"{channel} “{kind}” {outcome}" + (f": {data['reason']}" if data.get("reason") else "")

    return text


for _kind, _outcome in _OUTCOMES.items():
    events.describes(_kind)(_message_text(_outcome))


@subscribe(events.STORE_CREATED)
def store_created(event) -> None:
    """A new store starts with its messaging settings and default flows, visible in the admin at once."""
    messaging_for(event.store)
