"""How returns follow their parcels: a return label's parcel, scanned by a carrier, moves the return.

The parcel is tracking's (`Shipment.direction = return`), so its checkpoints arrive through the
carrier webhooks as `return_shipment.*` events — never as "shipped"/"delivered" news for the
customer. Here, inside the webhook's transaction: the carrier has it → `in_transit`; delivered to
the merchant → `received` (by the carrier: condition and restock wait for the merchant's look).
A scan that comes late (the return already received, resolved or cancelled) changes nothing.
"""

from orders import events as order_events
from orders.models import DomainEvent, ShipmentStatus
from postpurchase.events import subscribe
from returns.models import INACTIVE, RESOLVED, Resolution, ReturnLabel, ReturnRequest, ReturnStatus
from returns.refunds import platform_refund
from returns.services.common import return_lock
from returns.services.labels import in_transit_record
from returns.services.requests import receive_record, resolve_record

CARRIER_HAS_IT = frozenset(
    {
        ShipmentStatus.IN_TRANSIT,
        ShipmentStatus.OUT_FOR_DELIVERY,
        ShipmentStatus.ATTEMPT_FAIL,
        ShipmentStatus.AVAILABLE_FOR_PICKUP,
        ShipmentStatus.EXCEPTION,
    }
)


def _return_id(event: DomainEvent) -> int | None:
    return (
        ReturnLabel.objects.filter(shipment_id=event.data.get("shipment_id"))
        .order_by("-issued_at", "-id")
        .values_list("request_id", flat=True)
        .first()
    )


@subscribe(order_events.RETURN_SHIPMENT_STATUS_CHANGED)
def return_parcel_moved(event: DomainEvent) -> None:
    return_id = _return_id(event)
    if return_id is None or event.data.get("to") not in CARRIER_HAS_IT:
        return
    rr = return_lock(return_id)
    if rr.can_move_to(ReturnStatus.IN_TRANSIT):
        in_transit_record(rr, actor=f"carrier {event.data.get('carrier') or 'scan'}".strip())


@subscribe(order_events.RETURN_SHIPMENT_RECEIVED)
def return_parcel_received(event: DomainEvent) -> None:
    return_id = _return_id(event)
    if return_id is None:
        return
    rr = return_lock(return_id)
    if rr.status == ReturnStatus.LABEL_ISSUED:
        # Delivered without an in-transit scan before: it travelled all the same.
        in_transit_record(rr, actor="carrier")
    if rr.can_move_to(ReturnStatus.RECEIVED):
        receive_record(rr, actor="carrier", inspected=False)


# A refund can settle a return once the merchant agreed to it; a request nobody decided stays
# with the merchant (the refund is on the timeline for them to see).
SETTLED_BY_REFUND = frozenset(
    {ReturnStatus.APPROVED, ReturnStatus.LABEL_ISSUED, ReturnStatus.IN_TRANSIT, ReturnStatus.RECEIVED}
)


@subscribe(order_events.ORDER_REFUNDED)
def order_refunded(event: DomainEvent) -> None:
    """A refund made on the store platform resolves the refund returns whose every item it covers.

    Oldest return first; each takes its quantities out of the refund, so one refund of two tees
    settles two returns of one tee each, but never one return twice. A return not yet received
    is received first (uninspected): the merchant refunded, so the items count as back.
    """
    if event.order_id is None:
        return
    left: dict[int, int] = {}
    for line in event.data.get("lines") or []:
        left[line["line_item_id"]] = left.get(line["line_item_id"], 0) + int(line["quantity"])
    candidates = (
        ReturnRequest.objects.filter(order_id=event.order_id, resolution=Resolution.REFUND)
        .exclude(status__in=INACTIVE | RESOLVED)
        .prefetch_related("items")
        .order_by("created_at", "id")
    )
    reference = f"{event.data.get('source', 'platform')}:{event.data.get('refund_id', '')}"
    for candidate in candidates:
        wanted = {item.line_item_id: item.quantity for item in candidate.items.all()}
        if not wanted or any(left.get(line_id, 0) < quantity for line_id, quantity in wanted.items()):
            continue
        rr = return_lock(candidate.pk)
        if rr.status not in SETTLED_BY_REFUND:
            continue
        for line_id, quantity in wanted.items():
            left[line_id] -= quantity
        actor = str(event.data.get("source") or "platform")
        keeps_them = rr.status == ReturnStatus.APPROVED and rr.keep_items
        if not keeps_them and rr.status != ReturnStatus.RECEIVED:
            receive_record(rr, actor=actor, inspected=False)
        resolve_record(
            rr,
            actor=actor,
            platform_refund=platform_refund(source=actor, reference=reference),
            refunded_amount=str(event.data.get("amount", "")),
        )
