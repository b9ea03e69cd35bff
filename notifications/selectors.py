"""Non-trivial reads of the outbox, for the ops commands and the admin."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from notifications.models import Message, MessageState
from notifications.services.checks import Decision, decide, facts_for
from orders.models import Customer, Order, Store
from orders.models.customers import normalize_email
from orders.models.stores import UTC

FAILURE_WINDOW = timedelta(hours=24)
TOP = 10


def recipient_masked(address: str) -> str:
    """Enough of an address to tell two apart in a terminal or a log, not enough to write to it."""
    if "@" in address:
        local, _, domain = address.rpartition("@")
        return f"{local[:1]}***@{domain}"
    if len(address) <= 6:
        return "*" * len(address)
    return address[:3] + "*" * (len(address) - 6) + address[-3:]


def store_zone(store: Store | None) -> ZoneInfo:
    """The store's time zone, for showing times to its people; UTC when looking at all stores."""
    return store.zone if store else UTC


@dataclass
class OutboxStatus:
    now: datetime
    counts: dict[tuple[str, str], int]  # (kind, state) -> messages
    oldest_due: Message | None  # scheduled and due, longest waiting
    stuck: list[Message]  # in `sending` past their lease, oldest first (at most TOP)
    stuck_count: int
    failures: list[tuple[str, int]]  # (reason, count) of the last 24 h, most frequent first
    failures_count: int
    in_doubt: list[Message]  # handed over, outcome unknown (Message.objects.in_doubt), at most TOP
    in_doubt_count: int


def outbox_status(*, store: Store | None = None, now: datetime | None = None) -> OutboxStatus:
    """What the queue looks like right now, in seven queries (the counts scan the table)."""
    now = now or timezone.now()
    messages = Message.objects.all() if store is None else Message.objects.for_store(store)
    counts = {
        (row["kind"], row["state"]): row["n"]
        for row in messages.order_by().values("kind", "state").annotate(n=Count("id"))
    }
    oldest_due = (
        messages.filter(state=MessageState.SCHEDULED, send_at__lte=now)
        .select_related("order")
        .order_by("send_at", "id")
        .first()
    )
    stuck = messages.filter(state=MessageState.SENDING, lease_expires_at__lt=now).order_by("lease_expires_at", "id")
    failed = messages.filter(state=MessageState.FAILED, updated_at__gte=now - FAILURE_WINDOW)
    failures = [
        (row["reason"], row["n"])
        for row in failed.order_by().values("reason").annotate(n=Count("id")).order_by("-n", "reason")[:TOP]
    ]
    return OutboxStatus(
        now=now,
        counts=counts,
        oldest_due=oldest_due,
        stuck=list(stuck.select_related("order")[:TOP]),
        stuck_count=stuck.count(),
        failures=failures,
        failures_count=failed.count(),
        in_doubt=list(messages.in_doubt(now).select_related("order").order_by("provider_called_at", "id")[:TOP]),
        in_doubt_count=messages.in_doubt(now).count(),
    )


@dataclass
class Explained:
    message: Message
    verdict: Decision | None  # the send-time checks as of now; None unless scheduled


def _verdict(message: Message, decision: Decision, now: datetime) -> Decision:
    """The checks assume a due message; one not due yet waits at least until its send_at."""
    if decision.action == "send" and message.send_at > now:
        return Decision("postpone", "not due yet", message.send_at)
    if decision.action == "postpone" and decision.until and message.send_at > decision.until:
        return Decision("postpone", decision.reason, message.send_at, decision.code)
    return decision


def customer_find(*, store: Store, email: str) -> Customer | None:
    """The store's customer by the email a person types (any case, spaces around it)."""
    return Customer.objects.filter(store=store, email=normalize_email(email)).first()


def messages_explained(
    *, order: Order | None = None, customer: Customer | None = None, now: datetime | None = None
) -> list[Explained]:
    """Every message of `order` (or of `customer`, about any order or none), oldest first, and for the scheduled ones what the dispatcher
    would decide if they were picked up now.

    The verdicts come from the dispatcher's own checks (facts_for + decide), without applying
    them. Reading the facts may create the store's default messaging settings on first use, so
    it all happens in a transaction that is rolled back: nothing is written, nothing is sent.
    """
    now = now or timezone.now()
    if order is not None:
        found = order.messages.all()
    elif customer is not None:
        found = Message.objects.filter(customer=customer)
    else:
        raise ValueError("explain the messages of an order or of a customer")
    messages = list(found.select_related("store", "customer", "order", "shipment").order_by("send_at", "id"))
    scheduled = [m for m in messages if m.state == MessageState.SCHEDULED]
    verdicts: dict[int, Decision] = {}
    if scheduled:
        with transaction.atomic():
            facts = facts_for(scheduled, now)
            for message in scheduled:
                verdicts[message.pk] = _verdict(message, decide(message, facts, now), now)
            transaction.set_rollback(True)
    return [Explained(message=m, verdict=verdicts.get(m.pk)) for m in messages]
