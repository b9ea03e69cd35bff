"""Every write of a claim: report, approve (and resolve at once), reject, and call off a reship.

A claim goes `requested -> approved -> refunded | credited | reshipped`, or `rejected` /
`cancelled` (CLAIM_NEXT): nothing comes back, so approving it resolves it in the same transaction
through the returns services (`resolve_record` issues the store-credit code or records the refund).
Entry points own their transaction (durable) and lock the order first, then the claim, like every
other writer of returns.
"""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from orders.models import Order, Shipment, ShipmentDirection, ShipmentItem, ShipmentStatus
from postpurchase.exceptions import DomainError
from postpurchase.money import ZERO
from returns.events import return_event_record
from returns.models import INACTIVE, Resolution, ReturnItem, ReturnKind, ReturnRequest, ReturnStatus
from returns.policy import auto_approves, needs_review
from returns.selectors import OrderReturnFacts, order_return_facts
from returns.services.common import return_lock, return_move
from returns.services.requests import MAX_COMMENT, resolve_record

from .models import ClaimReship, Problem
from .policy import CLAIM_RESOLUTIONS, claim_lines, claim_refund, claim_terms, not_received_allowed

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud on the phone


@dataclass(frozen=True, kw_only=True)
class ClaimItemInput:
    line_item_id: int
    quantity: int
    comment: str = ""
    photo_count: int = 0  # photos the page stored for this item


def claim_facts(order: Order) -> OrderReturnFacts:
    """The order's return facts as a claim sees them (claims.policy)."""
    facts = order_return_facts(order)
    return replace(facts, terms=claim_terms(facts.terms), lines=claim_lines(facts.lines))


def claimed_lines(order: Order) -> set[int]:
    """Lines of the order in a claim that still stands: a second claim for them is refused."""
    return set(
        ReturnItem.objects.filter(request__order=order, request__kind=ReturnKind.CLAIM)
        .exclude(request__status__in=INACTIVE)
        .values_list("line_item_id", flat=True)
    )


def claimable(order: Order, facts: OrderReturnFacts) -> dict[int, int]:
    """Per line: how many units can be claimed now (0 when already claimed, window closed, …)."""
    taken = claimed_lines(order)
    return {
        e.line_id: 0 if e.line_id in taken else e.returnable_quantity
        for e in facts.eligibility(now=timezone.now(), zone=order.store.zone)
    }


def not_received_open(order: Order) -> bool:
    """Whether "not received" may be reported: a parcel the carrier says was delivered, or the
    latest promised (else estimated) day of a parcel on its way has passed in the store's zone."""
    shipments = list(Shipment.objects.outbound().filter(order=order).exclude(shipped_at=None, delivered_at=None))
    delivered = any(s.delivered_at is not None or s.status == ShipmentStatus.DELIVERED for s in shipments)
    days = [s.promised_delivery_to or s.estimated_delivery for s in shipments]
    promised_by = max((d for d in days if d is not None), default=None)
    today = timezone.now().astimezone(order.store.zone).date()
    return not_received_allowed(delivered=delivered, promised_by=promised_by, today=today)


def recent_claims(order: Order) -> int:
    since = timezone.now() - timedelta(days=365)
    claims = ReturnRequest.objects.filter(store_id=order.store_id, kind=ReturnKind.CLAIM, created_at__gte=since)
    claims = claims.active()
    if order.customer_id is not None:
        return claims.filter(customer_id=order.customer_id).count()
    return claims.filter(order__email=order.email).count()


def _number() -> str:
    return "CLM-" + "".join(secrets.choice(_ALPHABET) for _ in range(8))


def _check(
    order: Order, problem: str, items: Sequence[ClaimItemInput], resolution: str, left: dict[int, int], *, late: bool
) -> None:
    if problem not in Problem.values:
        raise DomainError("Pick what went wrong.", extra={"problem": problem})
    if resolution not in CLAIM_RESOLUTIONS:
        raise DomainError("Pick a reship, a refund or store credit.", extra={"resolution": resolution})
    # A late parcel's offer is itself the proof that the parcel is overdue.
    if problem == Problem.NOT_RECEIVED and not late and not not_received_open(order):
        raise DomainError(
            "“Not received” can be reported once the carrier says delivered or the promised day has passed."
        )
    if not items:
        raise DomainError("Pick at least one item.")
    taken = claimed_lines(order)
    lines = set(order.line_items.values_list("pk", flat=True))
    seen: set[int] = set()
    for item in items:
        if item.line_item_id not in lines:
            raise DomainError("That item is not part of this order.", extra={"line_item_id": item.line_item_id})
        if item.line_item_id in taken:
            raise DomainError(
                "A problem with this item was already reported.", extra={"line_item_id": item.line_item_id}
            )
        if item.line_item_id in seen:
            raise DomainError("Each item once per report.", extra={"line_item_id": item.line_item_id})
        seen.add(item.line_item_id)
        if item.quantity < 1 or item.quantity > left.get(item.line_item_id, 0):
            raise DomainError(
                f"At most {left.get(item.line_item_id, 0)} of this item can be reported.",
                extra={"line_item_id": item.line_item_id},
            )
        if len(item.comment) > MAX_COMMENT:
            raise DomainError(f"A comment is at most {MAX_COMMENT} characters.")
        if problem == Problem.DAMAGED and item.photo_count < 1:
            raise DomainError("Please add a photo of the damage.", extra={"line_item_id": item.line_item_id})


@transaction.atomic(durable=True)
def claim_create(
    *,
    order: Order,
    problem: str,
    items: Sequence[ClaimItemInput],
    resolution: str,
    customer_note: str = "",
    actor: str = "",
) -> ReturnRequest:
    """Open a claim (`claim_record`) in a transaction of its own."""
    return claim_record(
        order=order, problem=problem, items=items, resolution=resolution, customer_note=customer_note, actor=actor
    )


def claim_record(
    *,
    order: Order,
    problem: str,
    items: Sequence[ClaimItemInput],
    resolution: str,
    customer_note: str = "",
    actor: str = "",
    late_shipment: Shipment | None = None,
) -> ReturnRequest:
    """Open a claim for some of the order's items (inside the caller's transaction); approve and resolve it at once when the store's
    auto-approval rules say so.

    1. Lock the order: two reports for one order are decided one after the other.
    2. Check the problem ("not received" only once delivered or past the promised day), each item
       (not claimed before, at most the units left after returns and claims that still stand).
    3. Price it like a return without fees, capped by what is left of what the order paid.
    4. Save it under a fresh CLM number, record `claim.requested`, then auto-approve.
    """
    if len(customer_note) > MAX_COMMENT:
        raise DomainError(f"A note is at most {MAX_COMMENT} characters.")
    order = Order.objects.select_for_update(of=("self",)).select_related("store", "customer").get(pk=order.pk)
    facts = claim_facts(order)
    _check(order, problem, items, resolution, claimable(order, facts), late=late_shipment is not None)
    taking = {item.line_item_id: item.quantity for item in items}
    quote = facts.quote(taking=taking, resolution=Resolution.REFUND)
    left = facts.paid_total - facts.refunded
    recent = recent_claims(order)
    rr = ReturnRequest(
        store=order.store,
        order=order,
        customer=order.customer,
        kind=ReturnKind.CLAIM,
        problem=problem,
        resolution=resolution,
        currency=order.currency,
        items_amount=quote.items_amount,
        refund_amount=claim_refund(items_amount=quote.items_amount, resolution=resolution, left_to_refund=left),
        needs_review=needs_review(facts.terms, recent_returns=recent),
        customer_note=customer_note.strip(),
    )
    for _attempt in range(5):
        rr.number = _number()
        try:
            with transaction.atomic():
                rr.save()
            break
        except IntegrityError:
            rr.pk = None
    else:
        raise DomainError("Could not number the claim; please try again.")
    ReturnItem.objects.bulk_create(
        ReturnItem(
            request=rr,
            line_item_id=item.line_item_id,
            quantity=item.quantity,
            amount=quote.line_amounts[item.line_item_id],
            reason=problem,
            reason_label=Problem(problem).label,
            comment=item.comment.strip(),
        )
        for item in items
    )
    return_event_record(rr=rr, actor=actor)
    if auto_approves(facts.terms, items_amount=quote.items_amount, reasons=(), recent_returns=recent):
        _approve_record(rr, resolution=resolution, actor="auto-approval", auto=True, late_shipment=late_shipment)
    elif late_shipment is not None and resolution == Resolution.RESHIP:
        ClaimReship.objects.create(claim=rr, late_shipment=late_shipment)
    return rr


def _reship_create(rr: ReturnRequest, *, late_shipment: Shipment | None) -> Shipment:
    """A new outbound shipment of the claimed items, pending until the merchant sends it."""
    shipment = Shipment.objects.create(
        store=rr.store, order=rr.order, status=ShipmentStatus.PENDING, direction=ShipmentDirection.OUTBOUND
    )
    ShipmentItem.objects.bulk_create(
        ShipmentItem(shipment=shipment, line_item_id=item.line_item_id, quantity=item.quantity)
        for item in rr.items.all()
    )
    reship, _ = ClaimReship.objects.get_or_create(claim=rr, defaults={"late_shipment": late_shipment})
    reship.shipment = shipment
    reship.save(update_fields=["shipment"])
    return shipment


def _approve_record(
    rr: ReturnRequest,
    *,
    resolution: str,
    actor: str,
    note: str = "",
    auto: bool = False,
    late_shipment: Shipment | None = None,
) -> None:
    """Approve the locked claim `rr` as `resolution` and resolve it, inside the caller's transaction."""
    if resolution not in CLAIM_RESOLUTIONS:
        raise DomainError("Pick a reship, a refund or store credit.", extra={"resolution": resolution})
    if resolution != rr.resolution:
        others = (
            ReturnRequest.objects.filter(order_id=rr.order_id)
            .active()
            .exclude(pk=rr.pk)
            .aggregate(s=Sum("refund_amount"))
        )["s"] or ZERO
        rr.refund_amount = claim_refund(
            items_amount=rr.items_amount, resolution=resolution, left_to_refund=rr.order.total - others
        )
        rr.resolution = resolution
    rr.decided_at = timezone.now()
    if note:
        rr.merchant_note = note.strip()
    return_move(rr, ReturnStatus.APPROVED, fields=["decided_at", "merchant_note", "resolution", "refund_amount"])
    return_event_record(rr=rr, actor=actor, note=note, **({"auto": True} if auto else {}))
    if resolution == Resolution.RESHIP:
        resolve_record(rr, actor=actor, shipment_id=_reship_create(rr, late_shipment=late_shipment).pk)
    else:
        resolve_record(rr, actor=actor)


@transaction.atomic(durable=True)
def claim_approve(*, claim_id: int, actor: str, resolution: str = "", note: str = "") -> ReturnRequest:
    """Approve a claim as `resolution` (default: what the customer asked for) and resolve it:
    the refund recorded, the store-credit code issued, or the reship shipment created."""
    rr = return_lock(claim_id)
    if rr.kind != ReturnKind.CLAIM:
        raise DomainError("That is a return, not a claim.")
    late = ClaimReship.objects.filter(claim=rr).values_list("late_shipment_id", flat=True).first()
    late_shipment = Shipment.objects.filter(pk=late).first() if late else None
    _approve_record(rr, resolution=resolution or rr.resolution, actor=actor, note=note, late_shipment=late_shipment)
    return rr


def reship_cancel_record(rr: ReturnRequest, *, actor: str, reason: str) -> bool:
    """Call off the locked claim's reship while its shipment has not gone out (inside the caller's
    transaction); the pending shipment is removed. False when there is nothing to call off."""
    reship = ClaimReship.objects.select_for_update().filter(claim=rr, cancelled_at=None).first()
    if reship is None:
        return False
    shipment = reship.shipment
    if shipment is not None and (shipment.shipped_at or shipment.tracking_number or shipment.status != "pending"):
        return False  # already on its way: the merchant sorts it out with the customer
    reship.cancelled_at = timezone.now()
    reship.shipment = None
    reship.save(update_fields=["cancelled_at", "shipment"])
    if shipment is not None:
        shipment.delete()
    if rr.can_move_to(ReturnStatus.CANCELLED):
        return_move(rr, ReturnStatus.CANCELLED)
        return_event_record(rr=rr, actor=actor, reason=reason)
    return True
