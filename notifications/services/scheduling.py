"""From domain events to outbox rows. Runs inside the event's transaction: the rows commit
or roll back with the change that caused them, and a unique dedupe key makes replays harmless."""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from notifications import registry
from notifications.flows import messaging_for
from notifications.kinds import COUPON
from notifications.models import Channel, Flow, Message, MessagingSettings
from orders.models import DiscountPurpose, DiscountValue, DomainEvent, Order
from orders.services import discount_code_issue
from postpurchase.db import bulk_create_new

logger = logging.getLogger(__name__)

# News older than this is history (a carrier replaying old checkpoints): nobody is told.
STALE_AFTER = timedelta(days=7)


def _happened_at(event: DomainEvent) -> datetime:
    at = event.data.get("at")
    return datetime.fromisoformat(at) if at else event.created_at


def _recipient(order: Order, channel: str) -> str:
    if channel == Channel.EMAIL:
        return order.email
    return order.phone or (order.customer.phone if order.customer else "")


# Kinds whose scheduling decides something that must not change on a replay (`_extras`).
DECIDED_ONCE = frozenset({COUPON})


def _extras(kind: str, order: Order) -> dict:
    """What a kind needs decided once, when scheduled: a coupon code must not change on retry.

    The coupon is a real issued code (single use, for this customer), so its use on a later
    order is matched and recorded like any other.
    """
    if kind == COUPON:
        code = discount_code_issue(
            store=order.store,
            purpose=DiscountPurpose.COUPON,
            value_type=DiscountValue.PERCENT,
            percent=messaging_for(order.store).coupon_percent,
            customer=order.customer,
            issued_for_order=order,
            prefix="THANKS-",
            actor="follow-up coupon",
        )
        return {"coupon_code": code.code, "coupon_percent": code.percent, "discount_code_id": code.pk}
    return {}


def messages_schedule(*, trigger: str, event: DomainEvent, shipment_id: int | None = None, episode: str = "") -> int:
    """Create the messages the store's enabled flows for `trigger` ask for. Returns how many
    new rows were written (0 for replays, imported history and stale news)."""
    order = event.order
    now = timezone.now()
    happened_at = min(_happened_at(event), now)  # a carrier clock ahead of ours is not a reason to wait
    if order is None or order.is_import or now - happened_at > STALE_AFTER:
        return 0
    flows = list(Flow.objects.filter(store=order.store, trigger=trigger, enabled=True))
    if not flows and not MessagingSettings.objects.filter(store=order.store).exists():
        messaging_for(order.store)  # the store's first message: its settings and default flows
        flows = list(Flow.objects.filter(store=order.store, trigger=trigger, enabled=True))
    locale = order.locale or (order.customer.locale if order.customer else "") or order.store.default_locale
    wanted = []
    for flow in flows:
        recipient = _recipient(order, flow.channel)
        if not recipient:
            continue
        # Kinds about one shipment get one message per shipment; the others one per order.
        per_shipment = registry.is_per_shipment(flow.kind) and shipment_id
        about = f"shipment:{shipment_id}" if per_shipment else f"order:{order.pk}"
        wanted.append((flow, recipient, ":".join(filter(None, [flow.kind, flow.channel, about, episode]))))
    # A replay finds its messages there and writes nothing (the unique dedupe key). Where scheduling
    # decides something once (a coupon code is issued), it looks first, so nothing is decided again.
    known: set[str] = set()
    if any(flow.kind in DECIDED_ONCE for flow, _r, _k in wanted):
        known = set(
            Message.objects.filter(dedupe_key__in=[key for _f, _r, key in wanted]).values_list("dedupe_key", flat=True)
        )
    rows = [
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
            dedupe_key=key,
            data={"trigger": trigger, "event_id": event.pk, **event.data, **_extras(flow.kind, order)},
        )
        for flow, recipient, key in wanted
        if key not in known
    ]
    written = bulk_create_new(rows, key="dedupe_key")
    if any(r.send_at <= now for r in written):
        transaction.on_commit(nudge)
    return len(written)


def nudge() -> None:
    """Ask a worker to deliver what is due now. If the broker is down the message waits for
    the beat sweep (or the next nudge): the table, not the broker, holds the work."""
    from notifications.tasks import messages_dispatch_due_task

    try:
        messages_dispatch_due_task.delay()
    except Exception:  # a broker outage must never fail the request that scheduled the message
        logger.warning("could not nudge the dispatcher; the sweeper will deliver", exc_info=True)
