"""Reads for the merchant: what the programme owes and how much of it customers use."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce

from orders.models import Store

from .models import Account, EntryKind, PointsEntry, Programme


@dataclass(frozen=True)
class Liability:
    available: int
    pending: int
    value: Decimal  # (available + pending) at the redemption value, in the store's currency
    earned: int
    redeemed: int

    @property
    def redemption_rate(self) -> Decimal:
        """Share of the points ever earned that were spent on rewards."""
        return (Decimal(self.redeemed) / self.earned).quantize(Decimal("0.001")) if self.earned else Decimal(0)


def programme_liability(programme: Programme) -> Liability:
    store: Store = programme.store
    sums = Account.objects.filter(store=store).aggregate(a=Coalesce(Sum("available"), 0), p=Coalesce(Sum("pending"), 0))
    flows = PointsEntry.objects.filter(store=store).aggregate(
        earned=Coalesce(Sum("points", filter=Q(kind=EntryKind.EARN)), 0),
        redeemed=Coalesce(Sum("points", filter=Q(kind=EntryKind.REDEEM)), 0),
    )
    points = sums["a"] + sums["p"]
    value = (
        (Decimal(points) * programme.redeem_value / programme.redeem_points) if programme.redeem_points else Decimal(0)
    )
    return Liability(
        available=sums["a"],
        pending=sums["p"],
        value=value.quantize(Decimal("0.01")),
        earned=flows["earned"],
        redeemed=-flows["redeemed"],
    )
