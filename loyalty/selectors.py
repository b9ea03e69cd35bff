"""Reads: what the programme owes and how much of it customers use (for the merchant), and an
order's points on its tracking page (for the customer)."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext, ngettext

from orders.models import Order, OrderStatus, Store
from tracking.page_lines import PageLine

from .ledger import order_points
from .links import loyalty_url
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
    return window is open, what it earned after, and the member's signed page."""
    order = Order.objects.select_related("customer").filter(pk=order_id).first()
    if order is None or order.customer is None or order.status == OrderStatus.CANCELLED:
        return None
    programme = Programme.objects.filter(store_id=order.store_id).first()  # a read never makes one
    account = Account.objects.filter(customer=order.customer).first()
    if programme is None or not programme.enabled or account is None:
        return None
    standing = order_points(account, order)
    points = standing.earned - standing.reversed
    if points <= 0:
        return None
    if standing.released:
        text = ngettext(
            "This order earned you %(points)s point.", "This order earned you %(points)s points.", points
        ) % {"points": points}
    else:
        text = ngettext(
            "You'll earn %(points)s point with this order.", "You'll earn %(points)s points with this order.", points
        ) % {"points": points}
    return PageLine(text=text, link_url=loyalty_url(order.customer), link_text=gettext("See your points"))
