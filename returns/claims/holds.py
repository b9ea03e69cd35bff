"""Claims' holds: no marketing while a claim is open, and a late parcel's choices only while late.

Registered in ReturnsConfig.ready(). One query per batch each.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from django.db.models import Q

from notifications.holds import HeldMessage, Hold, register_hold
from returns.models import ReturnKind, ReturnRequest, ReturnStatus

from .messages import LATE_CHOICES
from .models import LateOffer

OPEN = (ReturnStatus.REQUESTED, ReturnStatus.APPROVED)
WAIT = timedelta(hours=6)


def open_claims(messages: Sequence[HeldMessage], now: datetime) -> Mapping[int, Hold | None]:
    """Optional messages wait while the customer (or the order) has a claim nobody decided yet."""
    customers = {m.customer_id for m in messages if m.customer_id is not None}
    orders = {m.order_id for m in messages if m.order_id is not None}
    rows = ReturnRequest.objects.filter(kind=ReturnKind.CLAIM, status__in=OPEN).filter(
        Q(customer_id__in=customers) | Q(order_id__in=orders)
    )
    open_customers, open_orders = set(), set()
    for customer_id, order_id in rows.values_list("customer_id", "order_id"):
        open_customers.add(customer_id)
        open_orders.add(order_id)
    return {
        m.id: Hold.postpone("waits: a problem report is open", now + WAIT)
        for m in messages
        if m.customer_id in open_customers or m.order_id in open_orders
    }


def late_offer_open(messages: Sequence[HeldMessage], now: datetime) -> Mapping[int, Hold | None]:
    """The choices go out once the offer opens; not at all if the parcel arrived (offer closed)."""
    offers: dict[int, LateOffer] = {}
    for row in LateOffer.objects.filter(order_id__in={m.order_id for m in messages}).select_related("shipment"):
        offers.setdefault(row.order_id, row)  # newest first (Meta.ordering)
    answers: dict[int, Hold | None] = {}
    for message in messages:
        offer = offers.get(message.order_id) if message.order_id is not None else None
        if offer is None:
            continue
        if offer.closed_at is not None or offer.shipment.delivered_at is not None:
            answers[message.id] = Hold.cancel("the parcel arrived")
        elif offer.choice:
            answers[message.id] = Hold.cancel("the customer already chose")
        elif offer.opens_at > now:
            answers[message.id] = Hold.postpone("waits: the delay has not passed the threshold", offer.opens_at)
    return answers


def holds_register() -> None:
    register_hold(name="returns.open_claims", kinds=(), check=open_claims, optional=True)
    register_hold(name="returns.late_offer_open", kinds=[LATE_CHOICES], check=late_offer_open)
