"""Reads: what the programme owes and how much of it customers use (for the merchant), and an
order's points on its tracking page (for the customer)."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext, ngettext

from orders.models import Store
from tracking.page_lines import PageLine

from .links import loyalty_url_for_id
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


def tracking_line(order_id: int) -> PageLine | None:
    """The order's points on its tracking page (tracking.page_lines): what it will earn while its
    return window is open, what it earned after, and the member's signed page.

    One query (the tracking page pins its count): the order's own earn, reverse and release lines
    in its customer's account, while the store's programme is on. A cancelled order's points were
    reversed, an imported one earned nothing: neither has a line."""
    rows = (
        PointsEntry.objects.filter(
            order_id=order_id,
            account__customer=F("order__customer"),
            account__store__loyalty_programme__enabled=True,
            kind__in=(EntryKind.EARN, EntryKind.REVERSE, EntryKind.RELEASE),
        )
        .values("kind", "account__customer_id")
        .annotate(total=Sum("points"))
        .values_list("kind", "account__customer_id", "total")
    )
    totals = {kind: total for kind, _member, total in rows}
    member = next((m for _kind, m, _total in rows), None)
    points = totals.get(EntryKind.EARN, 0) + totals.get(EntryKind.REVERSE, 0)
    if member is None or points <= 0:
        return None
    if EntryKind.RELEASE in totals:
        text = ngettext(
            "This order earned you %(points)s point.", "This order earned you %(points)s points.", points
        ) % {"points": points}
    else:
        text = ngettext(
            "You'll earn %(points)s point with this order.", "You'll earn %(points)s points with this order.", points
        ) % {"points": points}
    return PageLine(text=text, link_url=loyalty_url_for_id(member), link_text=gettext("See your points"))
