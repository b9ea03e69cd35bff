"""A store's programme, made with the defaults on first use, and what an order earns under it."""

from decimal import ROUND_FLOOR, Decimal

from django.db import IntegrityError, transaction
from django.db.models import prefetch_related_objects

from orders.models import Order, Store

from .models import Programme, Reward, RewardValue, Tier

DEFAULT_TIERS = (
    ("bronze", 0, Decimal("1.0"), "Points on every order."),
    ("silver", 5000, Decimal("1.5"), "1.5 points per unit spent."),
    ("gold", 15000, Decimal("2.0"), "Double points and a longer return window."),
)
DEFAULT_WARNING_DAYS = [30, 7]
MAX_POINTS = 10**15


def programme_for(store: Store) -> Programme:
    """The store's programme; the first call gives it the default tiers and one reward."""
    programme = Programme.objects.filter(store=store).first()
    if programme is not None:
        return programme
    try:
        with transaction.atomic():
            programme = Programme.objects.create(store=store, expiry_warning_days=list(DEFAULT_WARNING_DAYS))
            Tier.objects.bulk_create(
                Tier(programme=programme, name=name, threshold=threshold, multiplier=multiplier, perks=perks)
                for name, threshold, multiplier, perks in DEFAULT_TIERS
            )
            Reward.objects.create(
                programme=programme,
                name=f"{programme.redeem_value} off",
                points=programme.redeem_points,
                value_type=RewardValue.AMOUNT,
                amount=programme.redeem_value,
            )
    except IntegrityError:  # another request made it first
        programme = Programme.objects.get(store=store)
    return programme


def programme_with_tiers(store: Store) -> Programme:
    """The store's programme with its tiers loaded (ordered by threshold): one query, the tiers
    joined to their programme, once the programme has any (a first call makes the defaults)."""
    tiers = list(Tier.objects.filter(programme__store=store).select_related("programme"))
    if not tiers:
        programme = programme_for(store)
        prefetch_related_objects([programme], "tiers")
        return programme
    programme = tiers[0].programme
    for tier in tiers:
        tier.programme = programme
    loaded = programme.tiers.all()
    # What prefetch_related("tiers") leaves, from the rows at hand (Django's private names).
    loaded._result_cache, loaded._prefetch_done = tiers, True  # type: ignore[attr-defined]
    programme._prefetched_objects_cache = {"tiers": loaded}  # type: ignore[attr-defined]
    return programme


def earning_amount(programme: Programme, order: Order) -> Decimal:
    """The amount that earns: what the customer paid after discounts, without shipping and tax unless set."""
    amount = Decimal(order.total)
    if not programme.earn_on_shipping:
        amount -= Decimal(order.shipping_total)
    if not programme.earn_on_tax:
        amount -= Decimal(order.tax_total)
    return max(amount, Decimal(0))


def points_for(programme: Programme, amount: Decimal, multiplier: Decimal = Decimal(1)) -> int:
    """Whole points, rounded down: 5 points per unit on 69.90 at 1.5x is 524. Capped, so an
    absurd order (the API accepts totals up to 10^12) cannot overflow the ledger's columns."""
    return min(
        MAX_POINTS, int((amount * programme.points_per_unit * multiplier).to_integral_value(rounding=ROUND_FLOOR))
    )


def tier_multiplier(programme: Programme, tier: str) -> Decimal:
    for t in programme.tiers.all():
        if t.name == tier:
            return t.multiplier
    return Decimal(1)
