"""Choices when a parcel is late: offered, chosen, and closed when the parcel turns up.

1. A shipment becomes delayed (`shipment.delayed`, one per episode) or possibly lost: an offer is
   opened for its episode (`LateOffer`), opening once the delay passes the store's threshold —
   `CareSettings.late_after_business_days` (default 3) business days after the promised (else
   estimated) day — or at once when the parcel may be lost. The choices message is written now
   and held until the offer opens (claims.holds), and cancelled if the parcel arrives first.
2. On the signed page (views_claims.late_page) the customer keeps waiting (loyalty gives apology
   points once per episode, hearing `late_parcel.chosen`), asks for a reship or a refund (a
   "not received" claim, auto-approved under the store's amount), or contacts the store.
3. The parcel is delivered after all: the offer closes ("it arrived — nothing to do") and a
   reship that has not gone out yet is called off (its claim cancelled).
"""

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from notifications.services import message_schedule_for_customer
from orders import events as order_events
from orders.events import event_record
from orders.models import DomainEvent, Order, OrderSource, Shipment, ShipmentStatus, Store
from postpurchase.events import subscribe
from postpurchase.exceptions import DomainError
from returns import events
from returns.services.common import return_lock
from tracking.events import SHIPMENT_DELAYED, SHIPMENT_POSSIBLY_LOST

from .links import offer_url
from .messages import LATE_CHOICES
from .models import CareSettings, ClaimReship, LateChoice, LateOffer, Problem
from .services import ClaimItemInput, claim_facts, claim_record, claimable, reship_cancel_record

ACTOR = "customer:late-offer"
FINAL = frozenset({LateChoice.RESHIP, LateChoice.REFUND})


def care_settings(store: Store) -> CareSettings:
    return CareSettings.objects.filter(store=store).first() or CareSettings(store=store)


def business_days_after(day: date, n: int) -> date:
    """The n-th working day (Monday to Friday) after `day`; `day` itself for n = 0."""
    while n > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def opens_at(store: Store, promised: date, business_days: int) -> datetime:
    """The start of the day after the threshold's last day, in the store's zone."""
    last = business_days_after(promised, business_days)
    return datetime.combine(last + timedelta(days=1), time(0), tzinfo=store.zone)


def _offer(event: DomainEvent, *, lost: bool) -> None:
    order = event.order
    if order is None or order.customer is None or order.source == OrderSource.IMPORT:
        return
    settings = care_settings(order.store)
    shipment = Shipment.objects.filter(pk=event.data.get("shipment_id"), order=order).first()
    if not settings.late_choices or shipment is None or shipment.is_return:
        return
    now = timezone.now()
    episode = int(event.data.get("episode") or shipment.delay_episode or 1)
    promised = event.data.get("estimated_delivery_to")
    day = date.fromisoformat(promised) if isinstance(promised, str) else shipment.promised_delivery_to
    start = now if lost or day is None else max(now, opens_at(order.store, day, settings.late_after_business_days))
    offer, created = LateOffer.objects.select_for_update().get_or_create(
        shipment=shipment, episode=episode, defaults={"store": order.store, "order": order, "opens_at": start}
    )
    if not created and start < offer.opens_at:
        offer.opens_at = start  # lost after all: no need to wait for the threshold
        offer.save(update_fields=["opens_at"])
    if created:
        event_record(
            kind=events.LATE_OFFERED,
            store=order.store,
            order=order,
            customer=order.customer,
            data={
                "shipment_id": shipment.pk,
                "episode": episode,
                "offer_id": offer.pk,
                "opens_at": start.isoformat(),
                "tracking_number": shipment.tracking_number,
            },
            actor="delay check",
        )
    message_schedule_for_customer(
        store=order.store,
        kind=LATE_CHOICES,
        order=order,
        key=f"late:{shipment.pk}:{episode}",
        not_before=offer.opens_at,
        data={
            "offer_id": offer.pk,
            "choices_url": offer_url(offer.pk),
            "carrier": shipment.carrier,
            "tracking_number": shipment.tracking_number,
        },
    )


@subscribe(SHIPMENT_DELAYED)
def shipment_delayed(event: DomainEvent) -> None:
    _offer(event, lost=False)


@subscribe(SHIPMENT_POSSIBLY_LOST)
def shipment_possibly_lost(event: DomainEvent) -> None:
    _offer(event, lost=True)


def arrived(shipment: Shipment) -> bool:
    return shipment.delivered_at is not None or shipment.status == ShipmentStatus.DELIVERED


def _close(offer: LateOffer, *, actor: str) -> None:
    offer.closed_at = timezone.now()
    offer.save(update_fields=["closed_at"])
    event_record(
        kind=events.LATE_CLOSED,
        store=offer.store,
        order=offer.order,
        data={"shipment_id": offer.shipment_id, "episode": offer.episode, "offer_id": offer.pk},
        actor=actor,
    )


@subscribe(order_events.SHIPMENT_STATUS_CHANGED)
def shipment_arrived(event: DomainEvent) -> None:
    """Delivered after all: close its offers and call off a reship that has not gone out."""
    if event.data.get("to") != ShipmentStatus.DELIVERED:
        return
    shipment_id = event.data.get("shipment_id")
    for offer in LateOffer.objects.select_for_update().filter(shipment_id=shipment_id, closed_at=None):
        _close(offer, actor="carrier")
    for claim_id in ClaimReship.objects.filter(late_shipment_id=shipment_id, cancelled_at=None).values_list(
        "claim_id", flat=True
    ):
        reship_cancel_record(return_lock(claim_id), actor="carrier", reason="the late parcel arrived")


def _items(offer: LateOffer, order: Order) -> list[ClaimItemInput]:
    left = claimable(order, claim_facts(order))
    carried = {item.line_item_id: item.quantity for item in offer.shipment.items.all()}
    wanted = carried or left
    return [
        ClaimItemInput(line_item_id=line_id, quantity=min(quantity, left.get(line_id, 0)))
        for line_id, quantity in wanted.items()
        if left.get(line_id, 0) > 0
    ]


@transaction.atomic(durable=True)
def late_choose(*, offer_id: int, choice: str, actor: str = ACTOR) -> LateOffer:
    """Record the customer's choice for a late parcel; a reship or refund opens a claim.

    Keep waiting may be followed by a reship or refund later; those two are final. A parcel that
    arrived meanwhile closes the offer instead: there is nothing to do.
    """
    if choice not in LateChoice.values:
        raise DomainError("Pick one of the choices.", extra={"choice": choice})
    order_id = LateOffer.objects.values_list("order_id", flat=True).get(pk=offer_id)
    order = Order.objects.select_for_update(of=("self",)).select_related("store", "customer").get(pk=order_id)
    offer = LateOffer.objects.select_for_update(of=("self",)).select_related("shipment").get(pk=offer_id)
    offer.order, offer.store = order, order.store
    if offer.closed_at is not None:
        return offer
    if arrived(offer.shipment):
        _close(offer, actor=actor)
        return offer
    if offer.choice in FINAL:
        raise DomainError("You already made your choice for this parcel.")
    claim = None
    if choice in FINAL:
        claim = claim_record(
            order=order,
            problem=Problem.NOT_RECEIVED,
            items=_items(offer, order),
            resolution=choice,
            actor=actor,
            late_shipment=offer.shipment,
        )
    offer.choice, offer.chosen_at, offer.claim = choice, timezone.now(), claim
    offer.save(update_fields=["choice", "chosen_at", "claim"])
    event_record(
        kind=events.LATE_CHOSEN,
        store=order.store,
        order=order,
        customer=order.customer,
        data={
            "shipment_id": offer.shipment_id,
            "episode": offer.episode,
            "offer_id": offer.pk,
            "choice": choice,
            "number": claim.number if claim else "",
            "claim_status": claim.status if claim else "",
        },
        actor=actor,
    )
    return offer
