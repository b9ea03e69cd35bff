"""Checks at send time: is the message still true, allowed, and welcome right now?

Scheduling only decides what *might* be sent; the world changes until send_at (the parcel
arrives, the customer unsubscribes), so every rule is applied again when the message is due.

The rules read a `Due`: the few columns of a message, its order, shipment, customer and store they
need, from one `.values()` query per batch (`due_rows`), so the dispatcher builds no model
instance for a message it does not render. `facts_for` and `decide` also take Message instances
(the ops commands explain messages they already loaded), turned into a `Due` with `Due.of`.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import SHA256, Concat, Lower, Trim

from notifications import kinds, registry
from notifications.flows import messaging_for
from notifications.holds import holds_for
from notifications.models import (
    Channel,
    Consent,
    Frequency,
    Message,
    MessageState,
    MessagingSettings,
    Preference,
    ReasonCode,
    Suppression,
    suppresses,
)
from orders.models import OrderStatus, ShipmentStatus, Store

STALE_AFTER = timedelta(days=7)
DAY = timedelta(days=1)
WEEK = timedelta(days=7)
MONTH = timedelta(days=30)


@dataclass(frozen=True)
class Decision:
    action: str  # send | cancel | suppress | postpone
    reason: str = ""
    until: datetime | None = None
    code: str = ""  # ReasonCode (or hold:<check>): what the dashboard counts


SEND = Decision("send")
SHIPMENT_LABELS = {value: str(label) for value, label in ShipmentStatus.choices}


@dataclass(frozen=True, slots=True)
class Due:
    """What the checks (and the dispatcher's hand-over) read about one due message."""

    id: int
    store_id: int
    customer_id: int | None
    order_id: int | None
    shipment_id: int | None
    kind: str
    channel: str
    recipient: str
    transactional: bool
    send_at: datetime
    attempts: int
    provider_called_at: datetime | None
    order_status: str | None
    shipment_status: str | None
    shipment_delayed: bool | None
    customer_timezone: str | None
    store_timezone: str
    store_name: str
    store_support_email: str
    # Whether a suppression entry stops this message, when the query that read it said so (an
    # EXISTS column of the dispatcher's read); None: not read yet, `facts_for` looks it up.
    suppressed: bool | None = None

    @classmethod
    def of(cls, message: Message) -> "Due":
        order, shipment, customer, store = message.order, message.shipment, message.customer, message.store
        return cls(
            id=message.pk,
            store_id=message.store_id,
            customer_id=message.customer_id,
            order_id=message.order_id,
            shipment_id=message.shipment_id,
            kind=message.kind,
            channel=message.channel,
            recipient=message.recipient,
            transactional=message.transactional,
            send_at=message.send_at,
            attempts=message.attempts,
            provider_called_at=message.provider_called_at,
            order_status=order.status if order else None,
            shipment_status=shipment.status if shipment else None,
            shipment_delayed=shipment.delayed if shipment else None,
            customer_timezone=customer.timezone if customer else None,
            store_timezone=store.timezone,
            store_name=store.name,
            store_support_email=store.support_email,
        )


# Due's attributes -> the lookups that read them; the rest are the message's own columns.
_JOINED = {
    "order_status": "order__status",
    "shipment_status": "shipment__status",
    "shipment_delayed": "shipment__delayed",
    "customer_timezone": "customer__timezone",
    "store_timezone": "store__timezone",
    "store_name": "store__name",
    "store_support_email": "store__support_email",
}
_LOOKUPS = {name: _JOINED.get(name, name) for name in Due.__dataclass_fields__}


class _Sha256(SHA256):
    """Django's SHA256 needs pgcrypto on PostgreSQL; the built-in sha256(bytea) (PostgreSQL 11+) does not."""

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = "encode(sha256(convert_to(%(expressions)s, 'UTF8')), 'hex')"
        return self.as_sql(compiler, connection, template=template, **extra)


# By the address, or by its hash where an erasure kept only that (postpurchase.redact.address_hash).
_RECIPIENT_HASH = Concat(Value("sha256:"), _Sha256(Lower(Trim(OuterRef("recipient")))))
_SUPPRESSED = Exists(
    Suppression.objects.filter(
        Q(address=OuterRef("recipient")) | Q(address=_RECIPIENT_HASH), channel=OuterRef("channel")
    ).filter(Q(store=None) | Q(store_id=OuterRef("store_id")))
)


def due_rows(messages: QuerySet[Message]) -> list[Due]:
    """`messages` as Due rows, in their order, in one query (joins, no model instances), with
    whether a suppression applies to each as an EXISTS column of the same query."""
    return [Due(*row) for row in messages.annotate(suppressed=_SUPPRESSED).values_list(*_LOOKUPS.values())]


@dataclass
class Facts:
    """What the checks need about a batch of messages, read in a handful of queries."""

    suppressed: set[tuple[int | None, str, str]]
    consents: dict[tuple[int, str], Consent]
    frequency: dict[int, str]
    recent_optional: dict[int, list[datetime]] = field(default_factory=lambda: defaultdict(list))
    settings: dict[int, MessagingSettings] = field(default_factory=dict)
    # Other apps' holds (notifications.holds): message id -> their decision.
    holds: dict[int, Decision] = field(default_factory=dict)


def _due(message: Due | Message) -> Due:
    return message if isinstance(message, Due) else Due.of(message)


def facts_for(
    messages: Iterable[Due | Message], now: datetime, settings_cache: dict[int, MessagingSettings] | None = None
) -> Facts:
    """The facts about these messages, one query per kind of fact, skipping the kinds no
    message needs (a batch of order updates by email, read by `due_rows`, needs none but the
    settings). `settings_cache` keeps the stores' settings across the batches of one sweep."""
    rows = [_due(m) for m in messages]
    # Consent matters for SMS and optional messages; the frequency and cap for optional ones only.
    consenting = {r.customer_id for r in rows if r.customer_id and (r.channel == Channel.SMS or not r.transactional)}
    optional = {r.customer_id for r in rows if r.customer_id and not r.transactional}
    # An empty `__in` sends no query at all.
    facts = Facts(
        suppressed=Suppression.objects.keys_for(r.recipient for r in rows if r.suppressed is None),
        consents={(c.customer_id, c.channel): c for c in Consent.objects.filter(customer_id__in=consenting)},
        frequency=dict(Preference.objects.filter(customer_id__in=optional).values_list("customer_id", "frequency")),
        settings=_settings_for({r.store_id for r in rows}, settings_cache),
        holds={
            message_id: Decision("cancel", hold.reason, code=f"{ReasonCode.HOLD_PREFIX}{hold.check}")
            if hold.until is None
            else Decision("postpone", hold.reason, hold.until, code=f"{ReasonCode.HOLD_PREFIX}{hold.check}")
            for message_id, hold in holds_for(rows, now).items()
        },
    )
    # Optional messages already out, or in another batch on their way to a provider: a batch
    # marks its messages one at a time, so one not marked yet counts from now.
    recent = (
        Message.objects.filter(
            Q(state__in=[MessageState.SENT, MessageState.DELIVERED], sent_at__gte=now - MONTH)
            | Q(state=MessageState.SENDING),
            customer_id__in=optional,
            transactional=False,
        )
        .exclude(pk__in=[r.id for r in rows])
        .values_list("customer_id", "sent_at", "provider_called_at")
    )
    for customer_id, sent_at, called_at in recent:
        facts.recent_optional[customer_id].append(sent_at or called_at or now)
    return facts


def _settings_for(
    store_ids: set[int], cache: dict[int, MessagingSettings] | None = None
) -> dict[int, MessagingSettings]:
    """Every store's messaging settings in one query (none for the stores in `cache`, which
    keeps what it read); a store without them gets its defaults."""
    cache = {} if cache is None else cache
    if wanted := store_ids - cache.keys():
        found = {s.store_id: s for s in MessagingSettings.objects.filter(store_id__in=wanted)}
        if missing := wanted - found.keys():
            for store in Store.objects.filter(pk__in=missing):
                found[store.pk] = messaging_for(store)
        cache.update(found)
    return {pk: cache[pk] for pk in store_ids}


def _no_longer_true(message: Due, now: datetime) -> str:
    if message.order_status == OrderStatus.CANCELLED:
        return "the order was cancelled"
    if registry.is_follow_up(message.kind) and message.order_status == OrderStatus.RETURNED:
        return "the order was returned"
    if now - message.send_at > STALE_AFTER:
        return "it was due more than 7 days ago"
    if message.shipment_id is None:
        return ""
    status = message.shipment_status
    still_true = {
        kinds.SHIPPED: status in (ShipmentStatus.PENDING, ShipmentStatus.INFO_RECEIVED, ShipmentStatus.IN_TRANSIT),
        kinds.OUT_FOR_DELIVERY: status == ShipmentStatus.OUT_FOR_DELIVERY,
        kinds.DELIVERED: status == ShipmentStatus.DELIVERED,
        kinds.EXCEPTION: status == ShipmentStatus.EXCEPTION,
        kinds.DELAYED: message.shipment_delayed and status != ShipmentStatus.DELIVERED,
    }.get(message.kind, True)
    return "" if still_true else f"the shipment is now {SHIPMENT_LABELS.get(status, status).lower()}"


def _not_allowed(message: Due, facts: Facts, settings: MessagingSettings) -> tuple[str, str]:
    """(reason code, reason) when the message may not go out; ("", "") when it may."""
    if message.suppressed or (
        message.suppressed is None
        and suppresses(facts.suppressed, store_id=message.store_id, channel=message.channel, address=message.recipient)
    ):
        return ReasonCode.SUPPRESSION_LIST, f"{message.recipient} is on the suppression list"
    consent = facts.consents.get((message.customer_id, message.channel))
    if message.channel == Channel.SMS and not (consent and consent.opted_in):
        return ReasonCode.NO_SMS_CONSENT, "the customer has not opted in to SMS"
    if message.transactional:
        return "", ""
    if consent and not (consent.opted_in and consent.optional_messages):
        return ReasonCode.UNSUBSCRIBED, f"the customer unsubscribed from optional {message.channel}"
    if consent is None and message.channel == Channel.EMAIL and settings.optional_email_requires_consent:
        return (
            ReasonCode.NO_OPTIONAL_CONSENT,
            "the customer has not agreed to optional email (the store sends it only with consent)",
        )
    if facts.frequency.get(message.customer_id) == Frequency.ESSENTIAL:
        return ReasonCode.ESSENTIAL_ONLY, "the customer wants only updates about their orders"
    return "", ""


def _zone(message: Due) -> ZoneInfo:
    """The recipient's time zone: the customer's, else the store's, else UTC."""
    for name in (message.customer_timezone or "", message.store_timezone):
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


def _capped(message: Due, facts: Facts, settings: MessagingSettings, now: datetime) -> Decision | None:
    sent = sorted(t for t in facts.recent_optional[message.customer_id] if t)
    in_month = [t for t in sent if t > now - MONTH]
    if len(in_month) >= settings.cap_per_month:
        return Decision(
            "suppress", f"frequency cap: {len(in_month)} optional messages in 30 days", code=ReasonCode.FREQUENCY_CAP
        )
    windows = [(DAY, settings.cap_per_day, "24 hours")]
    if facts.frequency.get(message.customer_id) == Frequency.WEEKLY:
        windows.append((WEEK, 1, "a week, as the customer asked"))
    for span, cap, label in windows:
        inside = [t for t in sent if t > now - span]
        if len(inside) >= cap:
            return Decision(
                "postpone",
                f"frequency cap: {cap} optional message(s) per {label}",
                inside[0] + span,
                code=ReasonCode.FREQUENCY_CAP,
            )
    return None


def decide(message: Due | Message, facts: Facts, now: datetime) -> Decision:
    """The send-time verdict for one due message. An optional message that passes is counted
    at once, so the next one in the same batch sees it."""
    message = _due(message)
    if reason := _no_longer_true(message, now):
        return Decision("cancel", reason, code=ReasonCode.NO_LONGER_RELEVANT)
    if held := facts.holds.get(message.id):
        return held
    settings = facts.settings[message.store_id]
    code, reason = _not_allowed(message, facts, settings)
    if code:
        return Decision("suppress", reason, code=code)
    if message.channel == Channel.SMS:
        zone = _zone(message)
        until = quiet_until(now, zone, settings.quiet_hours_start, settings.quiet_hours_end)
        if until:
            return Decision(
                "postpone",
                f"quiet hours {settings.quiet_hours_start:%H:%M}-{settings.quiet_hours_end:%H:%M} in {zone.key}",
                until,
                code=ReasonCode.QUIET_HOURS,
            )
    if not message.transactional and message.customer_id:
        if capped := _capped(message, facts, settings, now):
            return capped
        facts.recent_optional[message.customer_id].append(now)
    return SEND
