"""Write what a carrier webhook says onto the store's shipment, through the orders services."""

from django.db import transaction

from orders.models import Shipment, Store, event_fingerprint
from orders.services import shipment_upsert, tracking_event_add

from .base import TrackingUpdate, carriers_match, tracking_key


def shipment_for_tracking(*, store: Store, tracking_number: str, carrier: str = "") -> Shipment:
    """The store's shipment with this tracking number (and a carrier that could be the same).

    Carriers recycle tracking numbers, so when several shipments share one the newest wins.
    Raises LookupError when there is none: the webhook may have overtaken the shipment, and the
    stored row is retried later.
    """
    shipments = Shipment.objects.for_store(store).select_related("order")
    wanted = tracking_key(tracking_number)
    # An exact match uses the (store, tracking_number) index; the case-insensitive one is the
    # fallback for numbers typed in lower case.
    candidates = list(shipments.filter(tracking_number__in={tracking_number, wanted}).order_by("-pk"))
    if not candidates:
        candidates = list(shipments.filter(tracking_number__iexact=tracking_number).order_by("-pk"))
    candidates = [s for s in candidates if tracking_key(s.tracking_number) == wanted]
    if not candidates:
        raise LookupError(f"no shipment with tracking number {tracking_number} (yet) in store {store.slug}")
    for shipment in candidates:
        if carriers_match(shipment.carrier, carrier):
            return shipment
    known = ", ".join(sorted({s.carrier for s in candidates}))
    raise LookupError(f"tracking number {tracking_number} in store {store.slug} is {known}'s, not {carrier}'s")


@transaction.atomic
def tracking_update_apply(*, store: Store, update: TrackingUpdate, actor: str) -> tuple[Shipment, int]:
    """Add every checkpoint of `update` to its shipment and keep the carrier's delivery estimate.

    Checkpoints go oldest first through `tracking_event_add`, which stores each once and only
    moves the shipment (and order) forward, so a replay or a late, older checkpoint changes
    nothing. Returns the shipment and how many checkpoints were new.
    """
    shipment = shipment_for_tracking(store=store, tracking_number=update.tracking_number, carrier=update.carrier)
    # Providers resend every scan so far with each update; the ones already stored are skipped
    # here with one query instead of one locking call each (tracking_event_add would skip them too).
    known = set(shipment.events.order_by().values_list("fingerprint", flat=True))
    added = 0
    for checkpoint in sorted(update.checkpoints, key=lambda c: c.occurred_at):
        if event_fingerprint(checkpoint.occurred_at, checkpoint.status, checkpoint.message) in known:
            continue
        _event, created = tracking_event_add(
            shipment=shipment,
            occurred_at=checkpoint.occurred_at,
            status=checkpoint.status,
            substatus=checkpoint.substatus,
            message=checkpoint.message,
            location=checkpoint.location,
            actor=actor,
        )
        added += created
    shipment.refresh_from_db()
    if update.estimated_delivery and update.estimated_delivery != shipment.estimated_delivery:
        # The shipment's own carrier, number, direction and status, so shipment_upsert finds it
        # and changes nothing but the estimate (recorded as shipment.updated on the timeline).
        shipment, _created = shipment_upsert(
            order=shipment.order,
            carrier=shipment.carrier,
            tracking_number=shipment.tracking_number,
            direction=shipment.direction,
            status=shipment.status,
            estimated_delivery=update.estimated_delivery,
            actor=actor,
        )
    return shipment, added
