"""Refunds made on the store platform (Shopify's refunds/create): on the timeline, once each."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from orders import events
from orders.models import DomainEvent, Order
from postpurchase.exceptions import DomainError


@dataclass(frozen=True, kw_only=True)
class RefundLineInput:
    external_id: str  # the platform's line item id
    quantity: int
    subtotal: Decimal


@transaction.atomic
def order_refund_record(
    *,
    order: Order,
    refund_id: str,
    amount: Decimal,
    currency: str,
    lines: list[RefundLineInput],
    note: str = "",
    source: str,
    actor: str = "",
) -> DomainEvent | None:
    """Record `order.refunded` for a refund the platform made; None when it was recorded before.

    The payload names our line items (`line_item_id`) next to the platform's, so subscribers
    (returns closes the matching return) need not know the platform. A line the order does not
    have is refused: a refund for another order's item is a mistake, not something to guess at.
    """
    order = Order.objects.select_for_update(of=("self",)).select_related("store", "customer").get(pk=order.pk)
    if DomainEvent.objects.filter(order=order, kind=events.ORDER_REFUNDED, data__refund_id=refund_id).exists():
        return None  # the platform sent it again (a retried delivery under a new webhook id)
    by_external = {li.external_id: li for li in order.line_items.all() if li.external_id}
    data_lines = []
    for line in lines:
        li = by_external.get(line.external_id)
        if li is None:
            raise DomainError(f"Order {order.number} has no line item {line.external_id}.")
        if not 0 < line.quantity <= li.quantity:
            raise DomainError(f"A refund of {line.quantity} of {li.title} is more than was bought.")
        data_lines.append(
            {
                "line_item_id": li.pk,
                "external_id": li.external_id,
                "quantity": line.quantity,
                "subtotal": str(line.subtotal),
            }
        )
    return events.event_record(
        kind=events.ORDER_REFUNDED,
        store=order.store,
        order=order,
        customer=order.customer,
        data={
            "refund_id": refund_id,
            "amount": str(amount),
            "currency": currency,
            "lines": data_lines,
            "note": note[:500],
            "source": source,
        },
        actor=actor,
    )
