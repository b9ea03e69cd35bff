"""Late, silent and lost shipments: the check the beat runs every 15 minutes (tracking.tasks).

Every shipment still on its way (not delivered, not expired) of a live order (imported history is
never checked) is

- **delayed** when the carrier reported a problem (status exception), when the latest estimated day
  (tracking.estimates) has passed with no scan since, or when no scan came for the store's
  `no_scan_days` (0 turns this rule off), counted from the last checkpoint, else from shipping. The
  first of these that holds is the `delay_reason` customers read;
- **possibly lost** after 7 days without a checkpoint while in transit or out for delivery;
- **expired** after 30 days without a checkpoint (forward-only, like every status change).

A parcel waiting at a pickup point waits for the customer, not the carrier: it is never late or silent.

Episodes. A shipment that *becomes* delayed starts a new episode (`delay_episode` + 1) and records
`shipment.delayed`, from which notifications schedules one notice per episode. While it stays
delayed nothing new is recorded (the reason is updated if another one now holds). When none holds
any more — a scan after the promised day or after the silence, a later carrier estimate, the problem
resolved, delivery — the flag is cleared with `shipment.delay_cleared`, so the next delay is a new
episode with a new notice. Delivery clears it at once, in the delivery's own transaction
(`_delivered`), not at the next run: the tracking page stops saying "Delayed" and what waits for
the delay to end (feedback's requests) need not wait for the beat. "Late" ends at the first scan after the promised day on purpose: from then
on the carrier is moving the parcel, the customer has been told, and the silence rule watches it.

The verdict depends only on the rows and `now`, so a second run changes nothing. Shipments are
checked in batches, each in its own short transaction that locks the order rows, then the shipment
rows (the order every writer uses); orders another transaction holds (a webhook mid-flight) are
skipped and checked on the next run.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from orders import events
from orders.models import Order, OrderSource, Shipment, ShipmentStatus, Store, TrackingEvent
from orders.services import shipment_status_expire
from postpurchase.events import subscribe
from tracking.estimates import Estimate, local_date, shipment_estimate
from tracking.events import (
    SHIPMENT_DELAY_CLEARED,
    SHIPMENT_DELAYED,
    SHIPMENT_POSSIBLY_LOST,
    shipment_delay_cleared_data,
    shipment_delayed_data,
    shipment_possibly_lost_data,
)
from tracking.models import TrackingSettings
from tracking.selectors.data import OrderTracking

logger = logging.getLogger(__name__)

BATCH = 200
LOST_AFTER = timedelta(days=7)
EXPIRE_AFTER = timedelta(days=30)
ACTOR = "delay check"

REASON_LATE = "The estimated delivery date has passed."
REASON_PROBLEM = "The carrier reported a problem"
REASON_MAX = Shipment._meta.get_field("delay_reason").max_length

# Statuses in which the carrier holds the parcel and should keep scanning it.
_LOST_WATCH = (ShipmentStatus.IN_TRANSIT, ShipmentStatus.OUT_FOR_DELIVERY)


@dataclass(frozen=True)
class Verdict:
    """What a shipment should look like now."""

    reason: str = ""  # why it is delayed, as customers read it; "" when it is not
    cause: str = ""  # exception | late | no_scan
    lost: bool = False
    expire: bool = False
    latest: date | None = None  # the estimate's last day


def shipments_check_delays(
    *,
    now: datetime | None = None,
    batch_size: int = BATCH,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Flag delayed and possibly lost shipments, clear recovered ones, expire silent ones.
    Returns how many shipments changed (0 when run again at once). A dry run does each batch's
    work (events, notices) and rolls it back, so its count is what a real run would change;
    `progress(done, total)` follows the batches (`check_delays`)."""
    now = now or timezone.now()
    settings: dict[int, TrackingSettings] = {}
    changed, after, done = 0, 0, 0
    total = _candidates().count() if progress else 0
    while True:
        batch = list(_candidates().filter(pk__gt=after).order_by("pk").values_list("pk", "order_id")[:batch_size])
        if not batch:
            break
        after = batch[-1][0]
        changed += _batch_check(batch, now=now, settings=settings, dry_run=dry_run)
        done += len(batch)
        if progress:
            progress(min(done, total), total)
    if changed:
        logger.info("delay check changed %d shipments", changed)
    return changed


def _candidates():
    """Shipments on their way, and delivered ones still flagged (delivery clears the flags itself;
    this catches rows flagged before it did)."""
    delivered = Q(status=ShipmentStatus.DELIVERED) | Q(delivered_at__isnull=False)
    on_the_way = ~delivered & ~Q(status=ShipmentStatus.EXPIRED)
    flagged = Q(delayed=True) | Q(possibly_lost=True)
    # Return parcels are the merchant's to wait for: a late one must not send the customer a
    # delay notice.
    return (
        Shipment.objects.outbound().exclude(order__source=OrderSource.IMPORT).filter(on_the_way | (delivered & flagged))
    )


@transaction.atomic(durable=True)
def _batch_check(
    batch: list[tuple[int, int]], *, now: datetime, settings: dict[int, TrackingSettings], dry_run: bool = False
) -> int:
    orders = {
        order.pk: order
        for order in Order.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("store", "customer")
        .filter(pk__in={order_id for _, order_id in batch})
        .order_by("pk")
    }
    shipments = list(
        Shipment.objects.select_for_update()
        .filter(pk__in=[pk for pk, _ in batch], order_id__in=list(orders))
        .order_by("pk")
    )
    _settings_load(settings, {order.store_id: order.store for order in orders.values()})
    problems = _last_problems([s.pk for s in shipments if s.status == ShipmentStatus.EXCEPTION])
    changed = 0
    for shipment in shipments:
        order = orders[shipment.order_id]
        shipment.order = order
        verdict = _assess(shipment, order, settings[order.store_id], problems, now)
        if verdict is not None and _apply(shipment, order, verdict, now):
            changed += 1
    if dry_run:
        transaction.set_rollback(True)
    return changed


def _settings_load(cache: dict[int, TrackingSettings], stores: dict[int, Store]) -> None:
    """Every store's settings in one query per run; a store without them gets the defaults."""
    missing = stores.keys() - cache.keys()
    if not missing:
        return
    found = {s.store_id: s for s in TrackingSettings.objects.filter(store_id__in=missing)}
    for store_id in missing:
        cache[store_id] = found.get(store_id) or TrackingSettings(store=stores[store_id])


def _last_problems(shipment_ids: list[int]) -> dict[int, str]:
    """The carrier's words for the latest exception checkpoint of each shipment."""
    problems: dict[int, str] = {}
    if not shipment_ids:
        return problems
    rows = (
        TrackingEvent.objects.filter(shipment_id__in=shipment_ids, status=ShipmentStatus.EXCEPTION)
        .order_by("shipment_id", "-occurred_at", "-id")
        .values_list("shipment_id", "message")
    )
    for shipment_id, message in rows:
        problems.setdefault(shipment_id, message.strip())
    return problems


def _clip(text: str) -> str:
    return text if len(text) <= REASON_MAX else text[: REASON_MAX - 1] + "…"


def _plural_days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def _assess(
    shipment: Shipment, order: Order, settings: TrackingSettings, problems: dict[int, str], now: datetime
) -> Verdict | None:
    """The verdict for one shipment, or None to leave it alone (already expired)."""
    if shipment.status == ShipmentStatus.EXPIRED:
        return None
    if shipment.status == ShipmentStatus.DELIVERED or shipment.delivered_at is not None:
        return Verdict()
    heard = shipment.last_event_at or shipment.shipped_at or shipment.created_at
    silence = now - heard
    latest = shipment_estimate(shipment, order=order, settings=settings)[1]
    last_scan = local_date(shipment.last_event_at, order.store) if shipment.last_event_at else None
    cause, reason = "", ""
    if shipment.status == ShipmentStatus.EXCEPTION:
        problem = problems.get(shipment.pk, "")
        cause, reason = "exception", _clip(f"{REASON_PROBLEM}: {problem}" if problem else f"{REASON_PROBLEM}.")
    elif shipment.status == ShipmentStatus.AVAILABLE_FOR_PICKUP:
        pass
    elif local_date(now, order.store) > latest and (last_scan is None or last_scan <= latest):
        cause, reason = "late", REASON_LATE
    elif settings.no_scan_days and silence >= timedelta(days=settings.no_scan_days):
        cause, reason = "no_scan", f"No scan from the carrier for {_plural_days(settings.no_scan_days)}."
    return Verdict(
        reason=reason,
        cause=cause,
        lost=shipment.status in _LOST_WATCH and silence >= LOST_AFTER,
        expire=silence >= EXPIRE_AFTER and shipment.can_move_to(ShipmentStatus.EXPIRED),
        latest=latest,
    )


def _apply(shipment: Shipment, order: Order, verdict: Verdict, now: datetime, actor: str = ACTOR) -> bool:
    """Make the shipment match its verdict; record what customers or merchants must hear of."""
    fields: list[str] = []
    record: list[tuple[str, dict]] = []
    if verdict.reason and not shipment.delayed:
        shipment.delayed, shipment.delay_reason = True, verdict.reason
        shipment.delay_episode += 1
        fields += ["delayed", "delay_reason", "delay_episode"]
        data = shipment_delayed_data(
            shipment=shipment, reason=verdict.reason, cause=verdict.cause, at=now, latest=verdict.latest
        )
        record.append((SHIPMENT_DELAYED, data))
    elif verdict.reason and verdict.reason != shipment.delay_reason:
        shipment.delay_reason = verdict.reason  # the same episode, a truer reason: no new notice
        fields.append("delay_reason")
    elif not verdict.reason and shipment.delayed:
        delivered = shipment.status == ShipmentStatus.DELIVERED or shipment.delivered_at is not None
        data = shipment_delay_cleared_data(shipment=shipment, reason=shipment.delay_reason, delivered=delivered, at=now)
        shipment.delayed, shipment.delay_reason = False, ""
        fields += ["delayed", "delay_reason"]
        record.append((SHIPMENT_DELAY_CLEARED, data))
    if verdict.lost != shipment.possibly_lost:
        shipment.possibly_lost = verdict.lost
        fields.append("possibly_lost")
        if verdict.lost:
            record.append((SHIPMENT_POSSIBLY_LOST, shipment_possibly_lost_data(shipment=shipment, at=now)))
    if fields:
        shipment.save(update_fields=[*fields, "updated_at"])
    for kind, data in record:
        events.event_record(kind=kind, store=order.store, order=order, data=data, actor=actor)
    if verdict.expire:
        shipment_status_expire(shipment=shipment, at=now, actor=ACTOR)  # re-locks rows this transaction holds
    return bool(fields) or verdict.expire


@subscribe(events.SHIPMENT_STATUS_CHANGED)
def _delivered(event) -> None:
    """A delivered parcel is no longer late or lost: clear its flags now, as the check would.

    Runs inside the delivery's transaction (tracking_event_add holds the order's and the shipment's
    locks), so the cleared flags and `shipment.delay_cleared` commit with the delivered status."""
    if event.data.get("to") != ShipmentStatus.DELIVERED or event.order is None:
        return
    shipment = Shipment.objects.select_for_update().filter(pk=event.data.get("shipment_id")).first()
    if shipment is None or not (shipment.delayed or shipment.possibly_lost):
        return
    shipment.order = event.order
    _apply(shipment, event.order, Verdict(), timezone.now(), actor=event.actor or ACTOR)


def shipment_promise_record(*, shipment_id: int, estimate: Estimate) -> bool:
    """Keep `estimate` as the shipment's delivery promise, unless one is kept already: the first
    estimate shown is the promise, whatever the carrier says later. One UPDATE that only writes
    an empty promise, so two writers racing cannot overwrite each other. `updated_at` is left
    alone on purpose: nothing a customer sees changed. Returns whether it was recorded."""
    earliest, latest = estimate
    return bool(
        Shipment.objects.filter(pk=shipment_id, promised_delivery_from__isnull=True).update(
            promised_delivery_from=earliest, promised_delivery_to=latest, promised_at=timezone.now()
        )
    )


@subscribe(events.SHIPMENT_CREATED)
def _promise_on_creation(event) -> None:
    """A new shipment's estimate is what the shipped notice and the tracking page show first.
    (Return parcels record other events: nothing is promised about them.)"""
    shipment = Shipment.objects.select_related("order__store").get(pk=event.data["shipment_id"])
    if shipment.status == ShipmentStatus.DELIVERED or shipment.delivered_at is not None:
        return  # arrived before anyone could promise anything
    shipment_promise_record(shipment_id=shipment.pk, estimate=shipment_estimate(shipment, order=shipment.order))


def shipment_promises_fill(tracking: OrderTracking) -> int:
    """Record, for shipments that have none (older than promises), the estimate a customer is
    being shown right now. Costs nothing when every shown shipment has its promise."""
    return sum(
        shipment_promise_record(shipment_id=s.id, estimate=s.estimate)
        for s in tracking.shipments
        if s.estimate is not None and s.promised is None
    )
