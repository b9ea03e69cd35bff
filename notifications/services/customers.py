"""Messages to a customer, not only about an order: a birthday, a points-expiry warning, a second
return on the same order. The caller says what "the same message" means with an idempotency key
(`loyalty:birthday:2027:<customer>`, `returns:approved:<rma>`): scheduling it again is a no-op,
and two keys are two messages even about the same order.

The store's enabled flows of the kind decide the channels, the delay and whether the message is
optional, as for order messages; at send time the same checks apply (consent, suppressions, quiet
hours in the customer's zone, the frequency cap, other apps' holds).
"""

import re
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from notifications import registry
from notifications.flows import messaging_for
from notifications.models import Channel, Flow, Message
from orders.models import Customer, Order, Store
from postpurchase.exceptions import DomainError

from .scheduling import nudge

# The key is stored with the channel appended (dedupe_key, 200 characters).
MAX_KEY = 180
_KEY = re.compile(r"^[\w.:@+-]+$")


def _recipient(channel: str, customer: Customer, order: Order | None) -> str:
    if channel == Channel.EMAIL:
        return (order.email if order else "") or customer.email
    return (order.phone if order else "") or customer.phone


def _flows(store: Store, kind: str, trigger: str | None) -> list[Flow]:
    """The store's enabled flows of `kind`, one per channel (the soonest, if several triggers have one)."""
    flows = Flow.objects.filter(store=store, kind=kind, enabled=True).order_by("channel", "delay_minutes", "id")
    if trigger is not None:
        flows = flows.filter(trigger=trigger)
    chosen: dict[str, Flow] = {}
    for flow in flows:
        chosen.setdefault(flow.channel, flow)
    return list(chosen.values())


def message_schedule_for_customer(
    *,
    store: Store,
    kind: str,
    key: str,
    customer: Customer | None = None,
    order: Order | None = None,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
    trigger: str | None = None,
    not_before: datetime | None = None,
) -> int:
    """Schedule `kind` for `customer` (or the order's customer), optionally about `order`, once per
    `key` and channel. `at` is when it happened (default now); each flow's delay counts from it.
    `not_before` holds it until then (a reminder due weeks later: long delays live in the table).
    Returns how many messages were written (0 when the key was used before, or no flow is enabled).
    Runs in the caller's transaction."""
    if not registry.is_kind(kind):
        raise DomainError(f"No message kind {kind!r} is registered.", extra={"kind": kind})
    if not key or len(key) > MAX_KEY or not _KEY.match(key):
        raise DomainError(
            f"An idempotency key is 1 to {MAX_KEY} letters, digits and . : @ + - _ characters.", extra={"key": key}
        )
    if order is not None and order.store_id != store.pk:
        raise DomainError("The order belongs to another store.")
    customer = customer or (order.customer if order else None)
    if customer is None or customer.store_id != store.pk:
        raise DomainError("A customer message needs a customer of this store.")
    if order is not None and order.customer_id not in (None, customer.pk):
        raise DomainError("The order belongs to another customer.")
    messaging_for(store)  # a store's first message sets up its flows
    now = timezone.now()
    happened_at = min(at or now, now)
    locale = (order.locale if order else "") or customer.locale or store.default_locale
    rows = []
    for flow in _flows(store, kind, trigger):
        recipient = _recipient(flow.channel, customer, order)
        if not recipient:
            continue
        rows.append(
            Message(
                store=store,
                customer=customer,
                order=order,
                kind=kind,
                channel=flow.channel,
                recipient=recipient,
                locale=locale,
                transactional=flow.transactional,
                send_at=max(happened_at + timedelta(minutes=flow.delay_minutes), now, not_before or now),
                dedupe_key=f"{key}:{flow.channel}",
                data={**(data or {}), "key": key},
            )
        )
    known = set(
        Message.objects.filter(dedupe_key__in=[r.dedupe_key for r in rows]).values_list("dedupe_key", flat=True)
    )
    rows = [r for r in rows if r.dedupe_key not in known]
    Message.objects.bulk_create(rows, ignore_conflicts=True)
    if any(r.send_at <= now for r in rows):
        transaction.on_commit(nudge)
    return len(rows)
