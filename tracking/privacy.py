"""What erasure and export do to tracking's tables: checkpoint locations can name the customer's town."""

from typing import Any

from orders.models import TrackingEvent
from orders.privacy import CUSTOMER_ERASED, Erasure, Person, exporter
from postpurchase.events import subscribe


@subscribe(CUSTOMER_ERASED)
def tracking_erase(erasure: Erasure) -> None:
    """A delivery scan's location is where the customer lives: every checkpoint of their orders'
    parcels loses its location (status and time stay, for the on-time figures)."""
    changed = (
        TrackingEvent.objects.filter(shipment__order__in=erasure.person.order_ids)
        .exclude(location="")
        .update(location="")
    )
    erasure.count("orders.TrackingEvent", changed)


@exporter("tracking")
def tracking_export(person: Person) -> list[Any]:
    return list(
        TrackingEvent.objects.filter(shipment__order__in=person.order_ids)
        .order_by("occurred_at", "pk")
        .values("shipment__order__number", "shipment__tracking_number", "occurred_at", "status", "message", "location")
    )
