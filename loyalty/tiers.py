"""Tiers follow the trailing 12 months: recomputed on every ledger change (and nightly).

A change writes the customer tag `tier:<name>` (the returns policy reads tags, never loyalty),
records `loyalty.tier_changed` and schedules the tier message to the customer.
"""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from orders.events import event_record
from orders.models import Customer, Order, OrderStatus

from .events import TIER_CHANGED
from .kinds import TIER_MESSAGE
from .models import Account, EntryKind, PointsEntry, Programme, TierBasis
from .programme import programme_for

TIER_TAG = "tier:"
__all__ = ["TIER_MESSAGE", "tier_recompute", "tiers_recompute_all"]
TRAILING = timedelta(days=365)
_EARNING = (EntryKind.EARN, EntryKind.REVERSE, EntryKind.BONUS, EntryKind.APOLOGY, EntryKind.REFERRAL)


def qualifying(programme: Programme, account: Account) -> Decimal:
    """Spend (after discounts, without shipping and tax) or points earned in the last 12 months."""
    since = timezone.now() - TRAILING
    if programme.tier_basis == TierBasis.POINTS:
        total = PointsEntry.objects.filter(account=account, kind__in=_EARNING, created_at__gte=since).aggregate(
            n=Coalesce(Sum("points"), 0)
        )["n"]
        return Decimal(max(total, 0))
    spent = Order.objects.filter(
        Q(customer_id=account.customer_id, placed_at__gte=since) & ~Q(status=OrderStatus.CANCELLED)
    ).aggregate(
        total=Coalesce(Sum("total"), Decimal(0)),
        shipping=Coalesce(Sum("shipping_total"), Decimal(0)),
        tax=Coalesce(Sum("tax_total"), Decimal(0)),
    )
    amount = spent["total"]
    if not programme.earn_on_shipping:
        amount -= spent["shipping"]
    if not programme.earn_on_tax:
        amount -= spent["tax"]
    return max(amount, Decimal(0))


def tier_for(programme: Programme, value: Decimal) -> str:
    name = ""
    for tier in programme.tiers.all():  # ordered by threshold
        if value >= tier.threshold:
            name = tier.name
    return name


def tags_with_tier(tags: list[str], tier: str) -> list[str]:
    kept = [t for t in tags if not (isinstance(t, str) and t.startswith(TIER_TAG))]
    return [*kept, f"{TIER_TAG}{tier}"] if tier else kept


def tier_recompute(*, account: Account, actor: str = "", programme: Programme | None = None) -> str:
    """Set the account's tier from the trailing window; on a change, tag, record and message.
    `programme` is the account's store's, when the caller has it already (with its tiers)."""
    if programme is None:
        programme = programme_for(account.store)
    tier = tier_for(programme, qualifying(programme, account))
    if tier == account.tier:
        return tier
    previous = account.tier
    Account.objects.filter(pk=account.pk).update(tier=tier)
    account.tier = tier
    customer = Customer.objects.select_for_update().get(pk=account.customer_id)
    customer.tags = tags_with_tier(list(customer.tags or []), tier)
    customer.save(update_fields=["tags", "updated_at"])
    perks = next((t.perks for t in programme.tiers.all() if t.name == tier), "")
    # Joining the entry tier with a first order is no news; any other change is recorded, and the
    # event schedules the tier message to the customer (the kind's trigger, keyed by the event).
    if previous or _rank(programme, tier) > 0:
        event_record(
            kind=TIER_CHANGED,
            store=account.store,
            customer=customer,
            data={
                "from": previous,
                "to": tier,
                "tier": tier,
                "previous": previous,
                "perks": perks,
                "up": _rank(programme, tier) > _rank(programme, previous),
                "member": customer.pk,
            },
            actor=actor,
        )
    return tier


def _rank(programme: Programme, name: str) -> int:
    names = [t.name for t in programme.tiers.all()]
    return names.index(name) if name in names else -1


def tiers_recompute_all() -> int:
    """The nightly sweep: points (or spend) older than 12 months stop counting even for members
    with no new activity; returns how many tiers changed."""
    changed = 0
    for account in Account.objects.exclude(tier="").select_related("store").iterator(chunk_size=500):
        with transaction.atomic():
            locked = Account.objects.select_for_update(skip_locked=True).filter(pk=account.pk).first()
            if locked is None:  # being written: its own change recomputes it
                continue
            before = locked.tier
            changed += tier_recompute(account=locked, actor="nightly") != before
    return changed
