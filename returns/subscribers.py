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
from returns.models import ReturnLabel, ReturnStatus
from returns.services.common import return_lock
from returns.services.labels import in_transit_record
from returns.services.requests import receive_record

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
        receive_record(rr, actor="carrier", by_carrier=True)
