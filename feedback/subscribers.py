"""Which events feedback listens to. Registered in FeedbackConfig.ready().

Returns' events are heard by family (`return.*`) and read by payload keys: feedback never imports
returns. Tracking's kinds come from its catalogue, orders' from theirs.
"""

from orders import events
from orders.models import DomainEvent, OrderStatus
from postpurchase.events import subscribe
from tracking.events import SHIPMENT_DELAY_CLEARED, SHIPMENT_DELAYED, SHIPMENT_POSSIBLY_LOST

from . import projection
from .services import feedback_requests_schedule

RETURN_FAMILY = "return.*"
# Claims (returns.claims: a delivery problem) carry the same payload: an open one holds requests too.
CLAIM_FAMILY = "claim.*"


@subscribe(events.ORDER_STATUS_CHANGED)
def order_status_changed(event: DomainEvent) -> None:
    to = event.data.get("to")
    if to == OrderStatus.DELIVERED and event.order is not None:
        feedback_requests_schedule(order=event.order, at=event.created_at)
    elif to == OrderStatus.RETURNED:
        projection.order_returned(event)


@subscribe(RETURN_FAMILY, CLAIM_FAMILY)
def return_changed(event: DomainEvent) -> None:
    projection.return_changed(event)


@subscribe(SHIPMENT_DELAYED)
def shipment_delayed(event: DomainEvent) -> None:
    projection.shipment_delayed(event)


@subscribe(SHIPMENT_DELAY_CLEARED)
def shipment_delay_cleared(event: DomainEvent) -> None:
    projection.shipment_delay_cleared(event)


@subscribe(SHIPMENT_POSSIBLY_LOST)
def shipment_possibly_lost(event: DomainEvent) -> None:
    projection.shipment_possibly_lost(event)


@subscribe(events.SHIPMENT_STATUS_CHANGED)
def shipment_status_changed(event: DomainEvent) -> None:
    projection.shipment_status_changed(event)
