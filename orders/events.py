"""The event kinds `orders` records, and the one function every app records events with."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from orders.carriers import carrier_name
from postpurchase.events import publish, subscribed

from .inputs import MarketingConsent
from .models import Customer, DomainEvent, Order, Store

STORE_CREATED = "store.created"
ORDER_PLACED = "order.placed"
ORDER_IMPORTED = "order.imported"
ORDER_UPDATED = "order.updated"
ORDER_CANCELLED = "order.cancelled"
ORDER_STATUS_CHANGED = "order.status_changed"
ORDER_REFUNDED = "order.refunded"  # the store platform refunded money (and maybe lines) of the order
SHIPMENT_CREATED = "shipment.created"
SHIPMENT_UPDATED = "shipment.updated"
SHIPMENT_STATUS_CHANGED = "shipment.status_changed"
# A parcel coming back (ShipmentDirection.RETURN) has kinds of its own, so nothing that follows
# deliveries (customer messages, delay notices, the order's status) ever reacts to it.
RETURN_SHIPMENT_CREATED = "return_shipment.created"
RETURN_SHIPMENT_STATUS_CHANGED = "return_shipment.status_changed"
RETURN_SHIPMENT_RECEIVED = "return_shipment.received"  # the carrier delivered it to the merchant
DISCOUNT_CODE_ISSUED = "discount_code.issued"
DISCOUNT_CODE_REDEEMED = "discount_code.redeemed"
# Published, not stored: what checkouts said about marketing. The subscriber that keeps
# consent (notifications) records a `consent.changed` event for each statement that changed it.
CONSENT_STATED = "customer.consent_stated"


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


def event_record_many(events: list[DomainEvent]) -> list[DomainEvent]:
    """Write many unsaved events in one query, then run their subscribers (a batch of outcomes)."""
    created = DomainEvent.objects.bulk_create(events)
    for event in created:
        publish(event)
    return created


def events_unpublished_ok(kinds: list[str] | set[str] | tuple[str, ...]) -> bool:
    """Whether events of these kinds may be written without publishing them: no subscriber
    listens to any of them. Only then may a statement write them itself (`EVENTS_INSERT`)."""
    return not any(subscribed(kind) for kind in kinds)


# The head of an INSERT of event rows that a statement builds from its own rows (INSERT … SELECT
# FROM an UPDATE's RETURNING): one statement for a change and its timeline, no model instance.
# Such rows are not published: only for kinds `events_unpublished_ok` allows.
EVENTS_INSERT = (
    f"INSERT INTO {DomainEvent._meta.db_table} (store_id, order_id, customer_id, kind, data, actor, created_at)"
)


@dataclass(frozen=True, slots=True)
class ConsentStatement:
    customer_id: int
    channel: str  # "email" or "sms", as notifications names its channels
    given: bool
    at: datetime
    source: str


@dataclass(frozen=True)
class ConsentStatements:
    """A batch of checkout statements about marketing consent, for one store."""

    store: Store
    statements: list[ConsentStatement]
    actor: str = ""
    kind: str = CONSENT_STATED


def consent_statements(
    *, customer_id: int | None, consent: MarketingConsent, placed_at: datetime | None, source: str
) -> list[ConsentStatement]:
    """The statements one order's checkout made; none without a customer or anything said."""
    if customer_id is None or not consent.stated:
        return []
    now = timezone.now()
    said = (("email", consent.email, consent.email_at), ("sms", consent.sms, consent.sms_at))
    # A statement cannot come from the future: a platform clock ahead of ours must not let
    # it outrank what the customer says on our preference page right now.
    return [
        ConsentStatement(customer_id, channel, given, min(at or placed_at or now, now), f"checkout ({source})")
        for channel, given, at in said
        if given is not None
    ]


def consent_statements_publish(*, store: Store, statements: list[ConsentStatement], actor: str = "") -> None:
    """Hand checkout consent to its keeper, inside the caller's transaction. Orders cannot
    write consent themselves: it lives in notifications, to the right of orders."""
    if statements:
        publish(ConsentStatements(store=store, statements=statements, actor=actor))


def _redeemed(d: dict) -> str:
    text = f"Discount code {d.get('code')} used: {d.get('currency', '')} {d.get('amount', '')} off"
    if d.get("external"):
        return text + " (not issued here)"
    if d.get("balance") is not None:
        text += f", {d.get('currency', '')} {d['balance']} of credit left"
    if d.get("problems"):
        text += " — " + ", ".join(d["problems"])
    return text


def shipment_label(data: dict) -> str:
    """A shipment as the timeline names it, from an event payload: `DHL JD014600006281230`."""
    return (
        " ".join(filter(None, [carrier_name(data.get("carrier", "")), data.get("tracking_number", "")])) or "a shipment"
    )


# How the timeline tells each kind of event to a merchant. Other apps add theirs with
# `describes`; a kind nobody described is shown by its name.
_DESCRIBE = {
    STORE_CREATED: lambda d: f"Store {d.get('slug', '')} created",
    ORDER_PLACED: lambda d: f"Order placed ({d.get('currency', '')} {d.get('total', '')}, via {d.get('source', '')})",
    ORDER_IMPORTED: lambda d: f"Order imported ({d.get('currency', '')} {d.get('total', '')})",
    ORDER_UPDATED: lambda d: "Order updated: " + ", ".join(d.get("changed", [])),
    ORDER_CANCELLED: lambda d: "Order cancelled" + (f": {d['reason']}" if d.get("reason") else ""),
    ORDER_STATUS_CHANGED: lambda d: f"Status {d.get('from')} → {d.get('to')}",
    ORDER_REFUNDED: lambda d: f"Refunded {d.get('currency', '')} {d.get('amount', '')} in {d.get('source', '')}",
    SHIPMENT_CREATED: lambda d: f"Shipment created: {shipment_label(d)}",
    SHIPMENT_UPDATED: lambda d: "Shipment updated: " + ", ".join(d.get("changed", {})),
    SHIPMENT_STATUS_CHANGED: lambda d: f"Shipment {d.get('from')} → {d.get('to')}",
    RETURN_SHIPMENT_CREATED: lambda d: f"Return parcel on its way back: {shipment_label(d)}",
    RETURN_SHIPMENT_STATUS_CHANGED: lambda d: f"Return parcel {d.get('from')} → {d.get('to')}",
    RETURN_SHIPMENT_RECEIVED: lambda d: f"Return parcel received by the merchant: {shipment_label(d)}",
    DISCOUNT_CODE_ISSUED: lambda d: f"Discount code {d.get('code')} issued ({d.get('purpose')}, {d.get('value')})",
    DISCOUNT_CODE_REDEEMED: lambda d: _redeemed(d),
}


# The app whose catalogue words each kind (the package `describes` was called from).
_OWNER = dict.fromkeys(_DESCRIBE, "orders")


def describes(*kinds: str):
    """Register how the timeline words these event kinds: `fn(data) -> str`."""

    def register(fn):
        for kind in kinds:
            _DESCRIBE[kind] = fn
            _OWNER[kind] = fn.__module__.split(".", 1)[0]
        return fn

    return register


def kind_app(kind: str) -> str:
    """The app that records and words events of `kind` (`loyalty` for `loyalty.points_pending`);
    the kind's first word for a kind nobody described."""
    return _OWNER.get(kind) or kind.split(".", 1)[0]


def describe(event: DomainEvent) -> str:
    describe_kind = _DESCRIBE.get(event.kind)
    return describe_kind(event.data) if describe_kind else event.kind
