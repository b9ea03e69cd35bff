"""Checks at send time: is the message still true, allowed, and welcome right now?

Scheduling only decides what *might* be sent; the world changes until send_at (the parcel
arrives, the customer unsubscribes), so every rule is applied again when the message is due.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Q

from notifications.flows import messaging_for
from notifications.models import (
    Channel,
    Consent,
    Frequency,
    Message,
    MessageKind,
    MessageState,
    MessagingSettings,
    Preference,
    Suppression,
)
from orders.models import OrderStatus, ShipmentStatus

STALE_AFTER = timedelta(days=7)
DAY = timedelta(days=1)
WEEK = timedelta(days=7)
MONTH = timedelta(days=30)
FOLLOW_UPS = {MessageKind.THANK_YOU, MessageKind.RECOMMENDATIONS, MessageKind.COUPON}


@dataclass(frozen=True)
class Decision:
    action: str  # send | cancel | suppress | postpone
    reason: str = ""
    until: datetime | None = None


SEND = Decision("send")


@dataclass
class Facts:
    """What the checks need about a batch of messages, read in a handful of queries."""

    suppressed: set[tuple[str, str]]
    consents: dict[tuple[int, str], Consent]
    frequency: dict[int, str]
    recent_optional: dict[int, list[datetime]] = field(default_factory=lambda: defaultdict(list))
    settings: dict[int, MessagingSettings] = field(default_factory=dict)


def facts_for(messages: list[Message], now: datetime) -> Facts:
    customer_ids = {m.customer_id for m in messages if m.customer_id}
    facts = Facts(
        suppressed=set(
            Suppression.objects.filter(address__in={m.recipient for m in messages}).values_list("channel", "address")
        ),
        consents={(c.customer_id, c.channel): c for c in Consent.objects.filter(customer_id__in=customer_ids)},
        frequency=dict(Preference.objects.filter(customer_id__in=customer_ids).values_list("customer_id", "frequency")),
    )
    # Optional messages already out, or being handed to a provider right now by another batch.
    recent = Message.objects.filter(
        Q(state__in=[MessageState.SENT, MessageState.DELIVERED], sent_at__gte=now - MONTH)
        | Q(state=MessageState.SENDING, provider_called_at__isnull=False),
        customer_id__in={m.customer_id for m in messages if not m.transactional and m.customer_id},
        transactional=False,
    ).values_list("customer_id", "sent_at", "provider_called_at")
    for customer_id, sent_at, called_at in recent:
        facts.recent_optional[customer_id].append(sent_at or called_at)
    for store in {m.store_id: m.store for m in messages}.values():
        facts.settings[store.pk] = messaging_for(store)
    return facts


def _no_longer_true(message: Message, now: datetime) -> str:
    order, shipment = message.order, message.shipment
    if order and order.status == OrderStatus.CANCELLED:
        return "the order was cancelled"
    if message.kind in FOLLOW_UPS and order and order.status == OrderStatus.RETURNED:
        return "the order was returned"
    if now - message.send_at > STALE_AFTER:
        return "it was due more than 7 days ago"
    if shipment is None:
        return ""
    status = shipment.status
    still_true = {
        MessageKind.SHIPPED: status
        in (ShipmentStatus.PENDING, ShipmentStatus.INFO_RECEIVED, ShipmentStatus.IN_TRANSIT),
        MessageKind.OUT_FOR_DELIVERY: status == ShipmentStatus.OUT_FOR_DELIVERY,
        MessageKind.DELIVERED: status == ShipmentStatus.DELIVERED,
        MessageKind.EXCEPTION: status == ShipmentStatus.EXCEPTION,
        MessageKind.DELAYED: shipment.delayed and status != ShipmentStatus.DELIVERED,
    }.get(message.kind, True)
    return "" if still_true else f"the shipment is now {shipment.get_status_display().lower()}"


def _not_allowed(message: Message, facts: Facts) -> str:
    if (message.channel, message.recipient) in facts.suppressed:
        return f"{message.recipient} is on the suppression list"
    consent = facts.consents.get((message.customer_id, message.channel))
    if message.channel == Channel.SMS and not (consent and consent.opted_in):
        return "the customer has not opted in to SMS"
    if message.transactional:
        return ""
    if consent and not (consent.opted_in and consent.optional_messages):
        return f"the customer unsubscribed from optional {message.channel}"
    if facts.frequency.get(message.customer_id) == Frequency.ESSENTIAL:
        return "the customer wants only updates about their orders"
    return ""


def _zone(message: Message) -> ZoneInfo:
    """The recipient's time zone: the customer's, else the store's, else UTC."""
    for name in (message.customer.timezone if message.customer else "", message.store.timezone):
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def quiet_until(now: datetime, zone: ZoneInfo, start: time, end: time) -> datetime | None:
    """When quiet hours end, if `now` falls inside them in `zone`; None otherwise."""
    local = now.astimezone(zone)
    clock = local.time()
    inside = (start <= clock or clock < end) if start > end else (start <= clock < end)
    if not inside:
        return None
    end_day = local.date() if clock < end else local.date() + timedelta(days=1)
    return datetime.combine(end_day, end, tzinfo=zone)


def _capped(message: Message, facts: Facts, settings: MessagingSettings, now: datetime) -> Decision | None:
    sent = sorted(t for t in facts.recent_optional[message.customer_id] if t)
    in_month = [t for t in sent if t > now - MONTH]
    if len(in_month) >= settings.cap_per_month:
        return Decision("suppress", f"frequency cap: {len(in_month)} optional messages in 30 days")
    windows = [(DAY, settings.cap_per_day, "24 hours")]
    if facts.frequency.get(message.customer_id) == Frequency.WEEKLY:
        windows.append((WEEK, 1, "a week, as the customer asked"))
    for span, cap, label in windows:
        inside = [t for t in sent if t > now - span]
        if len(inside) >= cap:
            return Decision("postpone", f"frequency cap: {cap} optional message(s) per {label}", inside[0] + span)
    return None


def decide(message: Message, facts: Facts, now: datetime) -> Decision:
    """The send-time verdict for one due message. An optional message that passes is counted
    at once, so the next one in the same batch sees it."""
    if reason := _no_longer_true(message, now):
        return Decision("cancel", reason)
    if reason := _not_allowed(message, facts):
        return Decision("suppress", reason)
    settings = facts.settings[message.store_id]
    if message.channel == Channel.SMS:
        zone = _zone(message)
        until = quiet_until(now, zone, settings.quiet_hours_start, settings.quiet_hours_end)
        if until:
            return Decision(
                "postpone",
                f"quiet hours {settings.quiet_hours_start:%H:%M}-{settings.quiet_hours_end:%H:%M} in {zone.key}",
                until,
            )
    if not message.transactional and message.customer_id:
        if capped := _capped(message, facts, settings, now):
            return capped
        facts.recent_optional[message.customer_id].append(now)
    return SEND
