"""The RMA workflow: request, approve or reject, receive, resolve, cancel.

Every entry point owns its transaction (durable), locks the order first and then the return
(the same order as every other writer of orders), checks the move against `RETURN_NEXT`, saves
the changed fields and records the `return.*` event of the new status in the same transaction.
"""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from orders.models import DiscountPurpose, DiscountValue, LineItem, Order, OrderStatus, Product
from orders.services import discount_code_issue, order_status_advance
from postpurchase.exceptions import DomainError, InvalidTransition
from postpurchase.money import ZERO
from returns.events import return_event_record
from returns.models import ITEMS_BACK, ItemCondition, Resolution, ReturnItem, ReturnRequest, ReturnStatus
from returns.policy import Terms, auto_approves, needs_review
from returns.refunds import RefundRequest, RefundResult, refund_provider
from returns.selectors import customer_recent_returns, order_return_facts, policy_refund_provider

from .common import return_lock, return_move
from .labels import return_label_issue_after_approval

_RMA_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud on the phone
MAX_COMMENT = 2000


@dataclass(frozen=True, kw_only=True)
class ReturnItemInput:
    line_item_id: int
    quantity: int
    reason: str
    comment: str = ""
    photo_count: int = 0  # photos the portal stored for this item
    exchange_for_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class ItemReceipt:
    line_item_id: int
    condition: str
    restock: bool


def _rma_number() -> str:
    return "RMA-" + "".join(secrets.choice(_RMA_ALPHABET) for _ in range(8))


def _check_items(
    order: Order, items: Sequence[ReturnItemInput], *, resolution: str, eligible: dict[int, int], terms: Terms
) -> tuple[dict[int, LineItem], dict[int, Product]]:
    """The order's lines and, for an exchange, the variant per line; DomainError for bad input."""
    if not items:
        raise DomainError("Pick at least one item to return.")
    lines = {li.pk: li for li in order.line_items.select_related("product")}
    variants: dict[int, Product] = {}
    seen: set[int] = set()
    for item in items:
        line = lines.get(item.line_item_id)
        if line is None:
            raise DomainError("That item is not part of this order.", extra={"line_item_id": item.line_item_id})
        if item.line_item_id in seen:
            raise DomainError("Each item once per return.", extra={"line_item_id": item.line_item_id})
        seen.add(item.line_item_id)
        if item.quantity < 1 or item.quantity > eligible.get(line.pk, 0):
            raise DomainError(
                f"At most {eligible.get(line.pk, 0)} of {line.title} can be returned.",
                extra={"line_item_id": line.pk, "returnable_quantity": eligible.get(line.pk, 0)},
            )
        reason = terms.reason(item.reason)
        if reason is None:
            raise DomainError("Pick one of the reasons offered.", extra={"reason": item.reason})
        if reason.requires_comment and not item.comment.strip():
            raise DomainError(f"Please tell us more about “{reason.label}”.", extra={"line_item_id": line.pk})
        if len(item.comment) > MAX_COMMENT:
            raise DomainError(f"A comment is at most {MAX_COMMENT} characters.", extra={"line_item_id": line.pk})
        if reason.requires_photo and item.photo_count < 1:
            raise DomainError(f"Please add a photo for “{reason.label}”.", extra={"line_item_id": line.pk})
        if resolution == Resolution.EXCHANGE:
            variants[line.pk] = _check_exchange(line, item.exchange_for_id, terms=terms)
        elif item.exchange_for_id is not None:
            raise DomainError("Only an exchange names a variant to exchange for.")
    return lines, variants


def _check_exchange(line: LineItem, exchange_for_id: int | None, *, terms: Terms) -> Product:
    """Another variant of the same product; at the same price unless the policy settles differences."""
    product = line.product
    if exchange_for_id is None or product is None:
        raise DomainError("Pick the variant you want instead.", extra={"line_item_id": line.pk})
    variant = product.variants().filter(pk=exchange_for_id).first()
    if variant is None:
        raise DomainError("That is not a variant of this product.", extra={"exchange_for_id": exchange_for_id})
    if variant.final_sale or not variant.returnable:
        # A replacement must itself be an item the customer could bring back.
        raise DomainError("That variant cannot be exchanged for.", extra={"exchange_for_id": exchange_for_id})
    if variant.price != line.unit_price and not terms.exchange_price_difference:
        raise DomainError("An exchange is for a variant at the same price.", extra={"exchange_for_id": exchange_for_id})
    return variant


@transaction.atomic(durable=True)
def return_request_create(
    *,
    order: Order,
    items: Sequence[ReturnItemInput],
    resolution: str,
    customer_note: str = "",
    actor: str = "",
) -> ReturnRequest:
    """Open a return of some of the order's items, priced by the store's policy.

    1. Lock the order, so two requests for the same order are decided one after the other.
    2. Check every item against the eligibility of the moment (window, final sale, quantities
       left after earlier returns that still stand), the reason's rules and the resolution.
    3. Price it (`returns.policy.return_quote`), save it under a fresh RMA number, record
       `return.requested`; approve it at once when the auto-approval rules say so.
    """
    if len(customer_note) > MAX_COMMENT:
        raise DomainError(f"A note is at most {MAX_COMMENT} characters.")
    order = Order.objects.select_for_update(of=("self",)).select_related("store", "customer").get(pk=order.pk)
    facts = order_return_facts(order)
    terms = facts.terms
    if resolution not in terms.resolutions:
        raise DomainError("This store does not offer that resolution.", extra={"resolution": resolution})
    now = timezone.now()
    eligibility = facts.eligibility(now=now, zone=order.store.zone)
    eligible = {e.line_id: e.returnable_quantity for e in eligibility}
    lines, variants = _check_items(order, items, resolution=resolution, eligible=eligible, terms=terms)
    difference = sum(
        (
            (variants[i.line_item_id].price - lines[i.line_item_id].unit_price) * i.quantity
            for i in items
            if i.line_item_id in variants
        ),
        ZERO,
    )
    quote = facts.quote(
        taking={item.line_item_id: item.quantity for item in items},
        resolution=resolution,
        price_difference=difference,
    )
    recent = customer_recent_returns(order, now=now)
    rr = ReturnRequest(
        store=order.store,
        order=order,
        customer=order.customer,
        resolution=resolution,
        currency=order.currency,
        items_amount=quote.items_amount,
        restocking_fee=quote.restocking_fee,
        shipping_fee=quote.shipping_fee,
        refund_amount=quote.refund_amount,
        bonus_amount=quote.bonus_amount,
        amount_due=quote.due_amount,
        keep_items=quote.keep_items,
        needs_review=needs_review(terms, recent_returns=recent),
        customer_note=customer_note.strip(),
    )
    for _attempt in range(5):
        rr.number = _rma_number()
        try:
            with transaction.atomic():
                rr.save()
            break
        except IntegrityError:
            rr.pk = None
    else:
        raise DomainError("Could not number the return; please try again.")
    labels = {reason.code: reason.label for reason in terms.reasons}
    ReturnItem.objects.bulk_create(
        ReturnItem(
            request=rr,
            line_item=lines[item.line_item_id],
            quantity=item.quantity,
            amount=quote.line_amounts[item.line_item_id],
            reason=item.reason,
            reason_label=labels[item.reason],
            comment=item.comment.strip(),
            exchange_for=variants.get(item.line_item_id),
        )
        for item in items
    )
    return_event_record(rr=rr, actor=actor)
    if auto_approves(terms, items_amount=quote.items_amount, reasons=[i.reason for i in items], recent_returns=recent):
        rr.decided_at = now
        return_move(rr, ReturnStatus.APPROVED, fields=["decided_at"])
        return_event_record(rr=rr, actor="auto-approval", auto=True)
        return_label_issue_after_approval(rr, actor="auto-approval")
    return rr


@transaction.atomic(durable=True)
def return_approve(*, return_id: int, actor: str, note: str = "") -> ReturnRequest:
    rr = return_lock(return_id)
    rr.decided_at = timezone.now()
    if note:
        rr.merchant_note = note.strip()
    return_move(rr, ReturnStatus.APPROVED, fields=["decided_at", "merchant_note"])
    return_event_record(rr=rr, actor=actor, note=note)
    return_label_issue_after_approval(rr, actor=actor)
    return rr


@transaction.atomic(durable=True)
def return_reject(*, return_id: int, actor: str, reason: str) -> ReturnRequest:
    """Refuse the return; the customer reads `reason`, so one is required."""
    if not reason.strip():
        raise DomainError("Say why the return is rejected; the customer reads it.")
    rr = return_lock(return_id)
    rr.decided_at = timezone.now()
    rr.rejection_reason = reason.strip()
    return_move(rr, ReturnStatus.REJECTED, fields=["decided_at", "rejection_reason"])
    return_event_record(rr=rr, actor=actor, reason=rr.rejection_reason)
    return rr


@transaction.atomic(durable=True)
def return_cancel(*, return_id: int, actor: str, reason: str = "") -> ReturnRequest:
    """Call the return off before its items arrive; its quantities become returnable again."""
    rr = return_lock(return_id)
    return_move(rr, ReturnStatus.CANCELLED)
    return_event_record(rr=rr, actor=actor, reason=reason.strip())
    return rr


def _order_returned_advance(rr: ReturnRequest, *, actor: str) -> None:
    """Partially returned, or returned once every unit bought is back (or kept) across its returns."""
    order = rr.order
    back = (
        ReturnItem.objects.filter(request__order=order, request__status__in=ITEMS_BACK).aggregate(q=Sum("quantity"))[
            "q"
        ]
        or 0
    )
    bought = order.line_items.aggregate(q=Sum("quantity"))["q"] or 0
    status = OrderStatus.RETURNED if back >= bought else OrderStatus.PARTIALLY_RETURNED
    order_status_advance(order=order, status=status, actor=actor)


def _receipts_check(items: Sequence[ReturnItem], receipts: Sequence[ItemReceipt]) -> dict[int, ItemReceipt]:
    by_line = {receipt.line_item_id: receipt for receipt in receipts}
    unknown = set(by_line) - {item.line_item_id for item in items}
    if unknown:
        raise DomainError("That item is not part of this return.", extra={"line_item_ids": sorted(unknown)})
    for receipt in receipts:
        if receipt.condition not in ItemCondition.values:
            raise DomainError("Unknown condition.", extra={"condition": receipt.condition})
    return by_line


def receive_record(
    rr: ReturnRequest, *, actor: str, receipts: Sequence[ItemReceipt] = (), inspected: bool = True
) -> None:
    """The items arrived (inside the caller's transaction; `rr` locked).

    Said by the merchant: condition and restock per item, unnamed items as new and restocked.
    Not `inspected` (the carrier delivered the parcel to the merchant, or the platform refunded
    it): nobody has looked yet, so condition and restock stay empty until `return_inspect`.
    """
    items = list(rr.items.all())
    by_line = _receipts_check(items, receipts)
    rr.received_at = timezone.now()
    return_move(rr, ReturnStatus.RECEIVED, fields=["received_at"])
    for item in items:
        said = by_line.get(item.line_item_id)
        if said:
            item.condition, item.restock = said.condition, said.restock
        elif inspected:
            item.condition, item.restock = ItemCondition.AS_NEW, True
    ReturnItem.objects.bulk_update(items, ["condition", "restock"])
    return_event_record(
        rr=rr,
        actor=actor,
        inspected=inspected,
        received=[{"line_item_id": i.line_item_id, "condition": i.condition, "restock": i.restock} for i in items],
    )
    _order_returned_advance(rr, actor=actor)


@transaction.atomic(durable=True)
def return_receive(*, return_id: int, actor: str, receipts: Sequence[ItemReceipt] = ()) -> ReturnRequest:
    """The items arrived: record condition and restock per item (unnamed items: as new, restocked)."""
    rr = return_lock(return_id)
    receive_record(rr, actor=actor, receipts=receipts)
    return rr


@transaction.atomic(durable=True)
def return_inspect(*, return_id: int, actor: str, receipts: Sequence[ItemReceipt]) -> ReturnRequest:
    """Record condition and restock of items already received (e.g. the carrier said they arrived)."""
    rr = return_lock(return_id)
    if rr.status not in ITEMS_BACK or rr.status == ReturnStatus.KEPT:
        raise DomainError("Only items that came back can be inspected.", extra={"status": rr.status})
    items = list(rr.items.all())
    by_line = _receipts_check(items, receipts)
    changed = [item for item in items if item.line_item_id in by_line]
    for item in changed:
        item.condition, item.restock = by_line[item.line_item_id].condition, by_line[item.line_item_id].restock
    ReturnItem.objects.bulk_update(changed, ["condition", "restock"])
    return rr


_OUTCOME = {
    Resolution.REFUND: ReturnStatus.REFUNDED,
    Resolution.EXCHANGE: ReturnStatus.EXCHANGED,
    Resolution.STORE_CREDIT: ReturnStatus.CREDITED,
    Resolution.RESHIP: ReturnStatus.RESHIPPED,  # claims only
}


def _refund(rr: ReturnRequest, *, reference: str, platform: RefundResult | None) -> RefundResult | None:
    """Money back through the store's refund provider (`returns.refunds`), or as the platform made it."""
    if rr.refund_amount <= ZERO or rr.resolution == Resolution.STORE_CREDIT:
        return None
    if platform is not None:
        return platform
    provider = refund_provider(policy_refund_provider(rr.store))
    return provider.refund(
        RefundRequest(
            store_id=rr.store_id,
            order_id=rr.order_id,
            rma=rr.number,
            amount=rr.refund_amount,
            currency=rr.currency,
            lines=list(rr.items.values_list("line_item_id", "quantity")),
            reference=reference.strip()[:200],
        )
    )


def resolve_record(
    rr: ReturnRequest,
    *,
    actor: str,
    refund_reference: str = "",
    platform_refund: RefundResult | None = None,
    **extra: object,
) -> None:
    """Issue the resolution of the locked return `rr`, inside the caller's transaction.

    Money back goes through the store's refund provider, unless `platform_refund` says the store
    platform made the refund already; a provider's refusal (DomainError) changes nothing.
    """
    kept = rr.status == ReturnStatus.APPROVED and rr.keep_items
    status = ReturnStatus.KEPT if kept else _OUTCOME[Resolution(rr.resolution)]
    if not rr.can_move_to(status):
        raise InvalidTransition(rr.status, status)
    refund = _refund(rr, reference=refund_reference, platform=platform_refund)
    if refund is not None:
        rr.refund_provider, rr.refund_method = refund.provider, refund.method
        rr.refund_reference = refund.reference[:200]
    else:
        rr.refund_reference = refund_reference.strip()[:200]
    if rr.resolution == Resolution.STORE_CREDIT and rr.credit_amount > 0:
        code = discount_code_issue(
            store=rr.store,
            purpose=DiscountPurpose.STORE_CREDIT,
            value_type=DiscountValue.AMOUNT,
            amount=rr.credit_amount,
            currency=rr.currency,
            customer=rr.customer,
            prefix="CREDIT-",
            issued_for_order=rr.order,
            actor=actor,
        )
        rr.credit_code = code
        extra = {**extra, "code": code.code, "credit_amount": str(rr.credit_amount)}
    rr.resolved_at = timezone.now()
    return_move(
        rr, status, fields=["resolved_at", "refund_reference", "refund_provider", "refund_method", "credit_code"]
    )
    return_event_record(rr=rr, actor=actor, **extra)
    if kept:
        _order_returned_advance(rr, actor=actor)


@transaction.atomic(durable=True)
def return_resolve(*, return_id: int, actor: str, refund_reference: str = "") -> ReturnRequest:
    """Issue the resolution: record the refund, issue the store credit, or mark the exchange.

    An approved "keep it" return resolves as `kept` without the items; any other return only
    once received. Store credit is a `DiscountCode` worth the refund plus the bonus.
    """
    rr = return_lock(return_id)
    resolve_record(rr, actor=actor, refund_reference=refund_reference)
    return rr
