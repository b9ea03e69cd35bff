"""From domain events to outbox rows. Runs inside the event's transaction: the rows commit
or roll back with the change that caused them, and a unique dedupe key makes replays harmless."""

import logging
import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from notifications.flows import messaging_for
from notifications.models import Channel, Flow, Message, MessageKind
from orders.models import DomainEvent, Order

logger = logging.getLogger(__name__)

# News older than this is history (a carrier replaying old checkpoints): nobody is told.
STALE_AFTER = timedelta(days=7)

# Kinds about one shipment get one message per shipment; the others one per order.
PER_SHIPMENT = {
    MessageKind.SHIPPED,
    MessageKind.OUT_FOR_DELIVERY,
    MessageKind.DELIVERED,
    MessageKind.DELAYED,
    MessageKind.EXCEPTION,
}


def _happened_at(event: DomainEvent) -> datetime:
    at = event.data.get("at")
    return datetime.fromisoformat(at) if at else event.created_at


def _recipient(order: Order, channel: str) -> str:
    if channel == Channel.EMAIL:
        return order.email
    return order.phone or (order.customer.phone if order.customer else "")


def _extras(kind: str, messaging) -> dict:
    """What a kind needs decided once, when scheduled: a coupon code must not change on retry."""
    if kind == MessageKind.COUPON:
        return {"coupon_code": "THANKS-" + secrets.token_hex(5).upper(), "coupon_percent": messaging.coupon_percent}
    return {}


def messages_schedule(*, trigger: str, event: DomainEvent, shipment_id: int | None = None, episode: str = "") -> int:
    """Create the messages the store's enabled flows for `trigger` ask for. Returns how many
    new rows were written (0 for replays, imported history and stale news)."""
    order = event.order
    now = timezone.now()
    happened_at = min(_happened_at(event), now)  # a carrier clock ahead of ours is not a reason to wait
    if order is None or order.is_import or now - happened_at > STALE_AFTER:
        return 0
    messaging = messaging_for(order.store)
    flows = Flow.objects.filter(store=order.store, trigger=trigger, enabled=True)
    locale = order.locale or (order.customer.locale if order.customer else "") or order.store.default_locale
    rows = []
    for flow in flows:
        recipient = _recipient(order, flow.channel)
        if not recipient:
            continue
        about = f"shipment:{shipment_id}" if flow.kind in PER_SHIPMENT and shipment_id else f"order:{order.pk}"
        rows.append(
            Message(
                store=order.store,
                customer=order.customer,
                order=order,
                shipment_id=shipment_id,
                kind=flow.kind,
                channel=flow.channel,
                recipient=recipient,
                locale=locale,
                transactional=flow.transactional,
                send_at=max(happened_at + timedelta(minutes=flow.delay_minutes), now),
                dedupe_key=":".join(filter(None, [flow.kind, flow.channel, about, episode])),
                data={"trigger": trigger, "event_id": event.pk, **event.data, **_extras(flow.kind, messaging)},
            )
        )
    before = Message.objects.filter(dedupe_key__in=[r.dedupe_key for r in rows]).count() if rows else 0
    Message.objects.bulk_create(rows, ignore_conflicts=True)
    if any(r.send_at <= now for r in rows):
        transaction.on_commit(nudge)
    return len(rows) - before


def nudge() -> None:
    """Ask a worker to deliver what is due now. If the broker is down the message waits for
    the beat sweep (or the next nudge): the table, not the broker, holds the work."""
    from notifications.tasks import messages_dispatch_due_task

    try:
        messages_dispatch_due_task.delay()
    except Exception:  # a broker outage must never fail the request that scheduled the message
        logger.warning("could not nudge the dispatcher; the sweeper will deliver", exc_info=True)
