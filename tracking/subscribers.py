"""Tracking's reactions to other apps' events. Registered in TrackingConfig.ready()."""

from orders import events
from orders.models import DomainEvent
from postpurchase.events import subscribe
from tracking.models import TrackingSettings


@subscribe(events.STORE_CREATED)
def store_created(event: DomainEvent) -> None:
    """A new store starts with its delivery promises (processing and transit days) in the admin."""
    TrackingSettings.for_store(event.store)
