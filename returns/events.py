"""The `return.*` and `return_window.*` event kinds, their payloads, and their timeline wording.

One owner for each: services record events only through `return_event_record` and
`return_window_closed_record`, so every subscriber (messages, loyalty, feedback) reads the same payload.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from orders.events import describes, event_record
from orders.models import DomainEvent, Order
from postpurchase.audit import audit_record

from .models import ReturnKind, ReturnRequest, ReturnStatus

# One kind per status a return reaches: return.requested, return.approved, …, return.refunded.
RETURN_KINDS: dict[str, str] = {status: f"return.{status}" for status in ReturnStatus.values}
RETURN_REQUESTED = RETURN_KINDS[ReturnStatus.REQUESTED]
RETURN_APPROVED = RETURN_KINDS[ReturnStatus.APPROVED]
RETURN_REJECTED = RETURN_KINDS[ReturnStatus.REJECTED]
RETURN_LABEL_ISSUED = RETURN_KINDS[ReturnStatus.LABEL_ISSUED]
RETURN_IN_TRANSIT = RETURN_KINDS[ReturnStatus.IN_TRANSIT]
RETURN_RECEIVED = RETURN_KINDS[ReturnStatus.RECEIVED]
RETURN_REFUNDED = RETURN_KINDS[ReturnStatus.REFUNDED]
RETURN_EXCHANGED = RETURN_KINDS[ReturnStatus.EXCHANGED]
RETURN_CREDITED = RETURN_KINDS[ReturnStatus.CREDITED]
RETURN_KEPT = RETURN_KINDS[ReturnStatus.KEPT]
RETURN_CANCELLED = RETURN_KINDS[ReturnStatus.CANCELLED]
# Claims (returns.claims: a delivery problem, nothing goes back) record `claim.<status>` with the
# same payload, so return subscribers never mistake one for a return.
CLAIM_KINDS: dict[str, str] = {status: f"claim.{status}" for status in ReturnStatus.values}
CLAIM_FAMILY = "claim.*"
CLAIM_REQUESTED = CLAIM_KINDS[ReturnStatus.REQUESTED]
CLAIM_APPROVED = CLAIM_KINDS[ReturnStatus.APPROVED]
CLAIM_REJECTED = CLAIM_KINDS[ReturnStatus.REJECTED]
CLAIM_REFUNDED = CLAIM_KINDS[ReturnStatus.REFUNDED]
CLAIM_CREDITED = CLAIM_KINDS[ReturnStatus.CREDITED]
CLAIM_RESHIPPED = CLAIM_KINDS[ReturnStatus.RESHIPPED]
CLAIM_CANCELLED = CLAIM_KINDS[ReturnStatus.CANCELLED]
# A late parcel's choices (returns.claims.late): offered, chosen (payload `choice`: wait | reship |
# refund | contact; loyalty gives apology points for `wait`, by this name), closed when it arrived.
LATE_OFFERED = "late_parcel.offered"
LATE_CHOSEN = "late_parcel.chosen"
LATE_CLOSED = "late_parcel.closed"
# The order's return window ended (with grace and tag rules): loyalty releases pending points,
# feedback may ask for a review. Recorded once per order.
RETURN_WINDOW_CLOSED = "return_window.closed"


def return_payload(rr: ReturnRequest) -> dict[str, Any]:
    """A return as every `return.*` event carries it: ids, status and amounts as strings."""
    return {
        "return_id": rr.pk,
        "number": rr.number,
        "status": rr.status,
        "resolution": rr.resolution,
        "currency": rr.currency,
        "items_amount": str(rr.items_amount),
        "restocking_fee": str(rr.restocking_fee),
        "shipping_fee": str(rr.shipping_fee),
        "refund_amount": str(rr.refund_amount),
        "refund_reference": rr.refund_reference,  # the payment provider's or the platform's refund id
        "refund_provider": rr.refund_provider,  # returns/refunds.py: record_only, shopify, …
        "refund_method": rr.refund_method,  # original_payment (through the provider) or platform
        "bonus_amount": str(rr.bonus_amount),
        "amount_due": str(rr.amount_due),
        "credit_amount": str(rr.credit_amount),
        "keep_items": rr.keep_items,
        "kind": rr.kind,
        "problem": rr.problem,
        "items": [
            {
                "line_item_id": item.line_item_id,
                "title": item.line_item.title,
                "quantity": item.quantity,
                "amount": str(item.amount),
                "reason": item.reason,
            }
            for item in rr.items.select_related("line_item")
        ],
    }


def return_event_record(*, rr: ReturnRequest, actor: str = "", **extra: Any) -> DomainEvent:
    """Record the event of the status `rr` just reached, inside the caller's transaction, and put
    the move on the audit log (who: the request's staff user, API key, webhook or task)."""
    audit_record(
        target=rr,
        action=RETURN_KINDS[rr.status],
        changes={"status": rr.status, **({"by": actor} if actor else {}), **{k: v for k, v in extra.items() if v}},
    )
    return event_record(
        kind=(CLAIM_KINDS if rr.kind == ReturnKind.CLAIM else RETURN_KINDS)[rr.status],
        store=rr.store,
        order=rr.order,
        customer=rr.customer,
        data={**return_payload(rr), **extra},
        actor=actor,
    )


def return_window_closed_record(*, order: Order, ended_at: datetime, actor: str = "") -> DomainEvent:
    return event_record(
        kind=RETURN_WINDOW_CLOSED,
        store=order.store,
        order=order,
        data={"order_id": order.pk, "ended_at": ended_at.isoformat()},
        actor=actor,
    )


def _amount(d: dict[str, Any], key: str) -> str:
    return f"{d.get('currency', '')} {d.get(key, '')}"


_WORDS: dict[str, Callable[[dict[str, Any]], str]] = {
    ReturnStatus.REQUESTED: lambda d: (
        f"Return {d.get('number')} requested ({d.get('resolution')}, items worth {_amount(d, 'items_amount')})"
    ),
    ReturnStatus.APPROVED: lambda d: f"Return {d.get('number')} approved" + (" automatically" if d.get("auto") else ""),
    ReturnStatus.REJECTED: lambda d: f"Return {d.get('number')} rejected: {d.get('reason', '')}",
    ReturnStatus.LABEL_ISSUED: lambda d: f"Return label issued for {d.get('number')}",
    ReturnStatus.IN_TRANSIT: lambda d: f"Return {d.get('number')} on its way back",
    ReturnStatus.RECEIVED: lambda d: f"Return {d.get('number')} received",
    ReturnStatus.REFUNDED: lambda d: f"Return {d.get('number')} refunded: {_amount(d, 'refund_amount')}",
    ReturnStatus.EXCHANGED: lambda d: f"Return {d.get('number')} exchanged",
    ReturnStatus.CREDITED: lambda d: (
        f"Return {d.get('number')} credited: {_amount(d, 'refund_amount')} "
        f"+ {_amount(d, 'bonus_amount')} bonus as {d.get('code', 'store credit')}"
    ),
    ReturnStatus.KEPT: lambda d: (
        f"Return {d.get('number')} resolved without the items coming back: {_amount(d, 'refund_amount')}"
    ),
    ReturnStatus.RESHIPPED: lambda d: f"Return {d.get('number')}: items sent again",
    ReturnStatus.CANCELLED: lambda d: (
        f"Return {d.get('number')} cancelled" + (f": {d['reason']}" if d.get("reason") else "")
    ),
}
for _status, _word in _WORDS.items():
    describes(RETURN_KINDS[_status])(_word)
describes(RETURN_WINDOW_CLOSED)(lambda d: "Return window closed")
