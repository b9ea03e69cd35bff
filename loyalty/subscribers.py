"""Loyalty follows the order's life through domain events only, inside each event's transaction."""

from decimal import Decimal, InvalidOperation
from typing import Any

from orders.events import DISCOUNT_CODE_REDEEMED, ORDER_CANCELLED, ORDER_PLACED, ORDER_REFUNDED
from orders.models import DiscountPurpose, DomainEvent, OrderSource
from postpurchase.events import subscribe
from tracking.events import SHIPMENT_DELAYED

from . import events
from .models import EntryKind, EntrySource
from .programme import programme_for
from .referrals import referral_order, referral_reward
from .services import bonus_give, order_cancel_points, order_earn, order_refund_points, order_release


def _amount(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal(0)


@subscribe(ORDER_PLACED)
def on_order_placed(event: DomainEvent) -> None:
    # History never earns by itself (an import records order.imported; this guards a mislabelled one).
    if event.order is not None and event.order.source != OrderSource.IMPORT:
        order_earn(order=event.order, actor=event.actor)


@subscribe(events.RETURN_WINDOW_CLOSED)
def on_return_window_closed(event: DomainEvent) -> None:
    if event.order is not None:
        order_release(order=event.order)
        referral_reward(order=event.order)


@subscribe(ORDER_CANCELLED)
def on_order_cancelled(event: DomainEvent) -> None:
    if event.order is not None:
        order_cancel_points(order=event.order)


@subscribe(events.RETURN_FAMILY)
def on_return_resolved(event: DomainEvent) -> None:
    """A return resolved with money back (refund, credit, keep-it, an exchange's difference)."""
    data = getattr(event, "data", None) or {}
    if data.get("status") not in events.RETURN_RESOLVED_STATUSES or event.order is None:
        return
    # A refund the platform reported (order.refunded) may be what resolved this return: both then
    # name the same refund, and the one key makes the second reversal a no-op.
    reference = data.get("refund_reference")
    order_refund_points(
        order=event.order,
        refunded=_amount(event.data.get("refund_amount")),
        key=f"refund:{reference}" if reference else f"return:{event.data.get('return_id')}:reverse",
        source=EntrySource.RETURN,
        source_ref=str(event.data.get("number", "")),
    )


@subscribe(ORDER_REFUNDED)
def on_order_refunded(event: DomainEvent) -> None:
    """A refund the platform made (Shopify's refunds/create), keyed by its refund id."""
    if event.order is None:
        return
    # Spelled as returns records it on the return this refund may resolve (`<source>:<refund id>`).
    refund_id = event.data.get("refund_id")
    ref = f"{event.data.get('source', 'platform')}:{refund_id}" if refund_id else f"event-{event.pk}"
    order_refund_points(
        order=event.order,
        refunded=_amount(event.data.get("amount", event.data.get("refund_amount"))),
        key=f"refund:{ref}",
        source_ref=str(ref),
    )


@subscribe(SHIPMENT_DELAYED)
def on_shipment_delayed(event: DomainEvent) -> None:
    """Apology points once per shipment and delay episode."""
    order = event.order
    if order is None or order.source == OrderSource.IMPORT:
        return
    _apologise(event, f"Sorry: a parcel of {order.number} is late")


def _apologise(event: DomainEvent, reason: str) -> None:
    """The programme's apology points for a shipment's delay episode, once per shipment and episode.

    The delay itself and the customer's choice to keep waiting both apologise for the same episode,
    so they share one key: whichever comes first credits the points, the other writes nothing.
    """
    order = event.order
    if order is None or order.customer is None:
        return
    programme = programme_for(event.store)
    if not programme.enabled:
        return
    shipment_id, episode = event.data.get("shipment_id"), event.data.get("episode", 1)
    bonus_give(
        customer=order.customer,
        kind=EntryKind.APOLOGY,
        points=programme.apology_points,
        key=f"apology:shipment:{shipment_id}:{episode}",
        reason=reason,
        source=EntrySource.SHIPMENT,
        source_ref=str(shipment_id),
        order=order,
    )


# returns.events.LATE_CHOSEN, spelled here: loyalty never imports returns.
LATE_PARCEL_CHOSEN = "late_parcel.chosen"


@subscribe(LATE_PARCEL_CHOSEN)
def on_late_parcel_waited(event: DomainEvent) -> None:
    """Keeping waiting on a late parcel: the episode's apology, unless its delay gave it already."""
    if event.data.get("choice") != "wait" or event.order is None:
        return
    _apologise(event, f"Thank you for waiting for a late parcel of {event.order.number}")


@subscribe(events.REVIEW_PUBLISHED)
def on_review_published(event: DomainEvent) -> None:
    """Points for a published review, once per review (feedback records the event)."""
    customer = event.customer or (event.order.customer if event.order else None)
    review_id = event.data.get("review_id")
    if customer is None or review_id is None:
        return
    programme = programme_for(event.store)
    if not programme.enabled:
        return
    bonus_give(
        customer=customer,
        kind=EntryKind.BONUS,
        points=programme.review_points,
        key=f"review:{review_id}",
        reason="Thank you for your review",
        source=EntrySource.REVIEW,
        source_ref=str(review_id),
    )


@subscribe(DISCOUNT_CODE_REDEEMED)
def on_discount_code_redeemed(event: DomainEvent) -> None:
    """A referred friend used their code: their first order decides the referral."""
    data = event.data or {}
    if data.get("purpose") == DiscountPurpose.REFERRAL and data.get("discount_code_id") and event.order:
        referral_order(order=event.order, discount_code_id=int(data["discount_code_id"]))
