"""The one way points move: `entry_post` locks the account, writes an entry, updates the mirror.

Every balance a customer or merchant sees is read from `Account`'s columns (one row, whatever the
history), and those columns change only here, in the same transaction as the entry that explains
the change, so they are always the sums of the ledger's deltas.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from orders.events import event_record_many
from orders.models import Customer, DomainEvent, Order
from postpurchase.audit import audit_record, current_actor
from postpurchase.db import create_unless_exists
from postpurchase.models import ActorKind

from .events import points_event_kind
from .models import Account, EntryKind, EntrySource, PointsEntry


@dataclass(frozen=True)
class Deltas:
    pending: int = 0
    available: int = 0
    debt: int = 0


def account_for(customer: Customer) -> Account:
    """The customer's account, made on first use (guests included: every order has a customer)."""
    try:
        with transaction.atomic():
            account, _ = Account.objects.get_or_create(customer=customer, defaults={"store_id": customer.store_id})
    except IntegrityError:  # made by a concurrent writer between our read and insert
        account = Account.objects.get(customer=customer)
    return account


def account_lock(customer: Customer) -> Account:
    """The customer's account, locked until the caller's transaction ends (made first if need be)."""
    return account_lock_or_open(customer)[0]


def account_lock_or_open(customer: Customer) -> tuple[Account, bool]:
    """(the customer's locked account, whether it was opened just now: then it has no entries).

    One statement when the account exists: the lock is what concurrent writers queue on, so
    nothing before it should cost a round trip it does not need. A new account is inserted with
    ON CONFLICT DO NOTHING: the row we insert is ours until commit; one a concurrent writer
    inserted first is then read and locked."""
    account = Account.objects.select_for_update().filter(customer=customer).first()
    opened = False
    if account is None:
        account = Account(customer=customer, store_id=customer.store_id)
        opened = create_unless_exists(account)
        if not opened:
            account = Account.objects.select_for_update().get(customer=customer)
    account.customer = customer  # what the audit log names it by, without a read
    return account, opened


def gain(account: Account, points: int) -> Deltas:
    """Points becoming available pay off any debt first."""
    paid = min(points, account.debt)
    return Deltas(available=points - paid, debt=-paid)


def loss(account: Account, points: int) -> Deltas:
    """Points taken from the available balance; what it cannot cover becomes debt, never a negative balance."""
    taken = min(points, account.available)
    return Deltas(available=-taken, debt=points - taken)


def entry_post(
    *,
    account: Account,
    kind: str,
    points: int,
    deltas: Deltas,
    key: str,
    source: str = EntrySource.SYSTEM,
    order: Order | None = None,
    source_ref: str = "",
    reason: str = "",
    staff_user_id: int | None = None,
    activity: bool = True,
    at: datetime | None = None,
) -> PointsEntry | None:
    """Append one entry to a locked `account` and mirror it; None when `key` was written before.

    The caller holds the lock (`account_lock`) inside its transaction. `activity` False for lines
    that are not the customer's doing (expiry), so they do not restart the expiry clock.
    """
    now = at or timezone.now()
    entry = PointsEntry(
        store_id=account.store_id,
        account=account,
        kind=kind,
        points=points,
        pending_delta=deltas.pending,
        available_delta=deltas.available,
        debt_delta=deltas.debt,
        source=source,
        order=order,
        source_ref=source_ref,
        reason=reason,
        staff_user_id=staff_user_id,
        key=key,
        created_at=now,
    )
    if not create_unless_exists(entry):  # the key was written before: nothing more to do
        return None
    audit_record(
        target=account,
        action=f"points.{kind}",
        changes={"points": points, "key": key, **({"reason": reason} if reason else {})},
    )
    account.pending += deltas.pending
    account.available += deltas.available
    account.debt += deltas.debt
    fields = ["pending", "available", "debt"]
    if activity:
        account.last_activity_at = now
        fields.append("last_activity_at")
    account.save(update_fields=fields)
    _timeline_record(account=account, entry=entry)
    return entry


def _timeline_record(*, account: Account, entry: PointsEntry) -> None:
    """The entry's line on the order's timeline (or the customer's, for an entry of no order):
    one INSERT from what is at hand, no read. A redemption has its own line (`reward_redeem`)."""
    kind = points_event_kind(entry.kind)
    if kind is None:
        return
    actor = current_actor()
    event = DomainEvent(
        store_id=account.store_id,
        order_id=entry.order_id,
        customer_id=account.customer_id,
        kind=kind,
        data={
            "points": entry.points,
            "entry": entry.kind,
            "reason": entry.reason,
            "source": entry.source,
            "pending": account.pending,
            "available": account.available,
        },
        actor="" if actor.kind == ActorKind.SYSTEM else str(actor),
        created_at=entry.created_at,
    )
    event_record_many([event])


@dataclass(frozen=True)
class OrderPoints:
    """What one order did to an account: earned (pending at first), released, reversed."""

    earned: int
    reversed: int
    released: bool
    cancelled: bool

    @property
    def still_pending(self) -> int:
        return 0 if self.released or self.cancelled else self.earned - self.reversed


def order_points(account: Account, order: Order) -> OrderPoints:
    rows = PointsEntry.objects.filter(account=account, order=order).values_list("kind").annotate(total=Sum("points"))
    totals = dict(rows)
    return OrderPoints(
        earned=totals.get(EntryKind.EARN, 0),
        reversed=-totals.get(EntryKind.REVERSE, 0),
        released=EntryKind.RELEASE in totals,
        cancelled=PointsEntry.objects.filter(account=account, order=order, key=f"order:{order.pk}:cancel").exists(),
    )
