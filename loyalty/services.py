"""Every write that moves points: earning with the order's life, redeeming, bonuses, adjustments.

Entry points own their transaction; subscribers run inside the event's. Each fact has an
idempotency key (`order:<id>:earn`, `return:<id>:reverse`, …), so a replayed event writes nothing.
"""

import uuid
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from notifications.services import message_schedule_for_customer
from orders.models import Customer, DiscountCode, DiscountPurpose, Order, OrderSource
from orders.services import discount_code_issue
from postpurchase.exceptions import DomainError

from . import events
from .kinds import AVAILABLE_MESSAGE
from .ledger import Deltas, account_lock, account_lock_or_open, entry_post, gain, loss, order_points
from .models import Account, EntryKind, EntrySource, PointsEntry, Reward
from .programme import earning_amount, points_for, programme_for, programme_with_tiers, tier_multiplier
from .tiers import tier_recompute


@transaction.atomic(savepoint=False)  # runs in order.placed's transaction, and fails with it
def order_earn(*, order: Order, actor: str = "") -> PointsEntry | None:
    """Pending points for a placed order (the tier's multiplier applies); once per order."""
    if order.customer is None or order.status == "cancelled":
        return None
    # The tiers once, for the multiplier here and the recomputation below (ordered by threshold).
    programme = programme_with_tiers(order.store)
    if not programme.enabled:
        return None
    account, opened = account_lock_or_open(order.customer)
    amount = earning_amount(programme, order)
    points = points_for(programme, amount, tier_multiplier(programme, account.tier))
    reason = f"Order {order.number}: {amount} {order.currency}"
    if programme.first_order_points and (
        opened or not PointsEntry.objects.filter(account=account, kind=EntryKind.EARN).exists()
    ):
        # The first-order bonus rides on the order's own points: pending until its window closes,
        # gone if it is cancelled.
        points += programme.first_order_points
        reason += f" + {programme.first_order_points} for a first order"
    if points <= 0:
        return None
    entry = entry_post(
        account=account,
        kind=EntryKind.EARN,
        points=points,
        deltas=Deltas(pending=points),
        key=f"order:{order.pk}:earn",
        source=EntrySource.ORDER,
        order=order,
        reason=reason,
    )
    if entry is not None:
        tier_recompute(account=account, actor=actor, programme=programme)
    return entry


@transaction.atomic
def order_release(*, order: Order) -> PointsEntry | None:
    """The return window closed: the order's pending points (less reversals) become available."""
    if order.customer is None:
        return None
    account = account_lock(order.customer)
    standing = order_points(account, order)
    if standing.earned == 0 or standing.released or standing.cancelled:
        return None
    points = standing.still_pending
    d = gain(account, points)
    entry = entry_post(
        account=account,
        kind=EntryKind.RELEASE,
        points=points,
        deltas=Deltas(pending=-points, available=d.available, debt=d.debt),
        key=f"order:{order.pk}:release",
        source=EntrySource.ORDER,
        order=order,
        reason=f"Return window of {order.number} closed",
    )
    if entry is not None and d.available > 0 and order.source != OrderSource.IMPORT:
        # The optional "your points are ready" nudge (not for a backfilled history).
        message_schedule_for_customer(
            store=order.store,
            kind=AVAILABLE_MESSAGE,
            customer=order.customer,
            key=f"loyalty:available:{order.pk}",
            data={"points": d.available, "available": account.available, "member": order.customer_id},
        )
    return entry


@transaction.atomic
def order_cancel_points(*, order: Order) -> PointsEntry | None:
    """A cancelled order earns nothing: its pending points go; after release, nothing changes here
    (a refund reverses them instead)."""
    if order.customer is None:
        return None
    account = account_lock(order.customer)
    standing = order_points(account, order)
    if standing.earned == 0 or standing.released or standing.cancelled:
        return None
    points = standing.still_pending
    return entry_post(
        account=account,
        kind=EntryKind.REVERSE,
        points=-points,
        deltas=Deltas(pending=-points),
        key=f"order:{order.pk}:cancel",
        source=EntrySource.ORDER,
        order=order,
        reason=f"Order {order.number} cancelled",
    )


@transaction.atomic
def order_refund_points(
    *, order: Order, refunded: Decimal, key: str, source: str = EntrySource.ORDER, source_ref: str = ""
) -> PointsEntry | None:
    """Reverse the order's points in proportion to `refunded` of what earned them, never more than
    the order earned in all. From pending while the window is open; after, from the available
    balance, the shortfall recorded as debt."""
    if order.customer is None or refunded <= 0:
        return None
    programme = programme_for(order.store)
    account = account_lock(order.customer)
    standing = order_points(account, order)
    left = standing.earned - standing.reversed
    if left <= 0 or standing.cancelled:
        return None
    base = earning_amount(programme, order)
    share = min(Decimal(1), refunded / base) if base > 0 else Decimal(1)
    points = min(left, int((standing.earned * share).to_integral_value(rounding=ROUND_HALF_UP)))
    if points <= 0:
        return None
    deltas = loss(account, points) if standing.released else Deltas(pending=-points)
    entry = entry_post(
        account=account,
        kind=EntryKind.REVERSE,
        points=-points,
        deltas=deltas,
        key=key,
        source=source,
        order=order,
        source_ref=source_ref,
        reason=f"Refund of {refunded} {order.currency} on {order.number}",
    )
    if entry is not None:
        tier_recompute(account=account)
    return entry


@transaction.atomic
def bonus_give(
    *,
    customer: Customer,
    kind: str,
    points: int,
    key: str,
    reason: str,
    source: str = EntrySource.SYSTEM,
    source_ref: str = "",
    order: Order | None = None,
    staff_user_id: int | None = None,
) -> PointsEntry | None:
    """Points that are available at once (bonus, apology, referral): they pay off debt first."""
    if points <= 0:
        return None
    account = account_lock(customer)
    d = gain(account, points)
    entry = entry_post(
        account=account,
        kind=kind,
        points=points,
        deltas=d,
        key=key,
        source=source,
        source_ref=source_ref,
        order=order,
        reason=reason,
        staff_user_id=staff_user_id,
    )
    if entry is not None:
        tier_recompute(account=account)
    return entry


@transaction.atomic
def points_adjust(*, customer: Customer, points: int, reason: str, staff_user_id: int) -> PointsEntry:
    """A staff correction, up or down, with a required reason; down never below zero (the rest is debt)."""
    if not reason.strip():
        raise DomainError("An adjustment needs a reason.")
    if points == 0:
        raise DomainError("An adjustment needs a number of points other than zero.")
    account = account_lock(customer)
    deltas = gain(account, points) if points > 0 else loss(account, -points)
    entry = entry_post(
        account=account,
        kind=EntryKind.ADJUST,
        points=points,
        deltas=deltas,
        key=f"adjust:{uuid.uuid4().hex}",
        source=EntrySource.STAFF,
        reason=reason.strip(),
        staff_user_id=staff_user_id,
    )
    assert entry is not None
    tier_recompute(account=account)
    return entry


@transaction.atomic
def reward_redeem(*, customer: Customer, reward: Reward, actor: str = "") -> DiscountCode:
    """Spend points on a reward: the code is issued and the points debited in one transaction.

    1. Refuse at once, without a lock, what the balance cannot cover now (a balance only grows
       under a lock we would wait for, and a refusal writes nothing).
    2. Issue the code before taking the lock, so concurrent redemptions queue on the account row
       only for the debit itself, not for the code's writes.
    3. Lock the account and check again: of two redemptions at once the second sees the first's
       debit, and a balance that no longer covers the reward is refused — raising rolls the code
       back with everything else, so nothing is written.
    """
    programme = reward.programme
    if programme.store_id != customer.store_id or not reward.active or not programme.enabled:
        raise DomainError("This reward is not available.", extra={"reward": reward.pk})
    if reward.points < programme.min_redeem_points:
        raise DomainError(f"Rewards start at {programme.min_redeem_points} points.")
    current = Account.objects.filter(customer=customer).values_list("available", flat=True).first() or 0
    if current < reward.points:
        raise _short(reward, current)
    store = programme.store
    code = discount_code_issue(
        store=store,
        purpose=DiscountPurpose.LOYALTY_REWARD,
        value_type=reward.value_type,
        amount=reward.amount,
        percent=reward.percent,
        currency=store.currency,
        customer=customer,
        expires_at=timezone.now() + timedelta(days=reward.valid_days),
        prefix="REWARD-",
        actor=actor,
    )
    account = account_lock(customer)
    if account.available < reward.points:
        raise _short(reward, account.available)
    entry_post(
        account=account,
        kind=EntryKind.REDEEM,
        points=-reward.points,
        deltas=Deltas(available=-reward.points),
        key=f"redeem:{code.pk}",
        source=EntrySource.REWARD,
        source_ref=code.code,
        reason=f"{reward.name}: {code.code}",
    )
    from orders.events import event_record

    event_record(
        kind=events.REWARD_REDEEMED,
        store=store,
        customer=customer,
        data={
            "reward": reward.name,
            "points": reward.points,
            "code": code.code,
            "expires_on": code.expires_at.date().isoformat() if code.expires_at else "",
            "available": account.available,
            "member": customer.pk,
        },
        actor=actor,
    )
    return code


def _short(reward: Reward, available: int) -> DomainError:
    return DomainError(
        f"{reward.points} points are needed; {available} are available.",
        extra={"available": available, "needed": reward.points},
    )


def earning_orders(*, store_id: int, since: object = None) -> "list[Order]":
    """Imported orders that could earn (for the backfill): not cancelled, with a customer."""
    qs = Order.objects.filter(store_id=store_id, source=OrderSource.IMPORT, customer__isnull=False).exclude(
        status="cancelled"
    )
    if since is not None:
        qs = qs.filter(placed_at__gte=since)
    return list(qs.select_related("store", "customer").order_by("placed_at", "pk"))


def balance(customer: Customer) -> Account | None:
    """The customer's account as stored: one row, whatever the length of the history."""
    return Account.objects.filter(customer=customer).first()
