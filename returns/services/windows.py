"""Closing return windows: `return_window.closed` once per order when its window (with grace and
the customer's tag rules) has ended. Loyalty makes pending points available on it.

1. Per store, one query finds candidates: orders not cancelled, not imported (history is never
   acted on), without a closed window, whose latest outbound parcel started a window before
   `now - (shortest window + grace)`. That bound is loose on purpose; step 2 is exact.
2. Per batch, in its own durable transaction: lock the orders (`SKIP LOCKED`, so two runs at
   once share the work instead of waiting), re-check that no window row exists, compute each
   window exactly (the customer's tags may lengthen it), and for each ended one insert the
   `ClosedReturnWindow` row (the order is its primary key: a second row cannot exist) and record
   the event in the same transaction. A second run finds nothing to do.
"""

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import DateTimeField, Exists, ExpressionWrapper, F, Max, OuterRef, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from orders.models import Order, OrderSource, OrderStatus, Shipment, Store
from returns.events import return_window_closed_record
from returns.models import ClosedReturnWindow
from returns.policy import Parcel, Terms, return_window
from returns.selectors import customer_tags, policy_terms

BATCH_SIZE = 500


def _candidate_ids(store: Store, terms: Terms, *, now: datetime) -> list[int]:
    allowance = timedelta(days=terms.unscanned_allowance_days)
    outbound = Q(shipments__direction="outbound")
    start = Max(
        Coalesce(
            "shipments__delivered_at",
            ExpressionWrapper(F("shipments__shipped_at") + Value(allowance), output_field=DateTimeField()),
        ),
        filter=outbound,
    )
    latest_start = now - timedelta(days=terms.shortest_window_days + terms.grace_days)
    return list(
        Order.objects.filter(store=store)
        .exclude(status=OrderStatus.CANCELLED)
        .exclude(source=OrderSource.IMPORT)
        .filter(~Exists(ClosedReturnWindow.objects.filter(order_id=OuterRef("pk"))))
        .annotate(window_start=start)
        .filter(window_start__lte=latest_start)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _ended(orders: list[Order], terms: Terms, *, now: datetime) -> list[tuple[Order, datetime]]:
    parcels: dict[int, list[Parcel]] = defaultdict(list)
    for order_id, shipped_at, delivered_at in (
        Shipment.objects.outbound().filter(order__in=orders).values_list("order_id", "shipped_at", "delivered_at")
    ):
        parcels[order_id].append(Parcel(shipped_at, delivered_at))
    ended = []
    for order in orders:
        window = return_window(terms, parcels=parcels[order.pk], tags=customer_tags(order))
        if window is not None and not window.is_open(now):
            ended.append((order, window.ends_at))
    return ended


@transaction.atomic(durable=True)
def _close_batch(order_ids: list[int], terms: Terms, *, now: datetime, actor: str) -> list[int]:
    orders = list(
        Order.objects.select_for_update(of=("self",), skip_locked=True)
        .select_related("store", "customer")
        .filter(pk__in=order_ids)
        .filter(~Exists(ClosedReturnWindow.objects.filter(order_id=OuterRef("pk"))))
        .order_by("pk")
    )
    ended = _ended(orders, terms, now=now)
    ClosedReturnWindow.objects.bulk_create(
        ClosedReturnWindow(order=order, store_id=order.store_id, ended_at=ended_at) for order, ended_at in ended
    )
    for order, ended_at in ended:
        return_window_closed_record(order=order, ended_at=ended_at, actor=actor)
    return [order.pk for order, _ended_at in ended]


def returns_close_windows(
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    actor: str = "",
    progress: Callable[[int, int], None] | None = None,
) -> list[int]:
    """Close every ended return window; the ids of the orders closed (or, dry run, that would be).
    `progress(done, total)` follows the candidate orders, batch by batch (`close_return_windows`)."""
    now = now or timezone.now()
    closed: list[int] = []
    stores = [(store, policy_terms(store)) for store in Store.objects.order_by("pk")]
    candidates = [(store, terms, _candidate_ids(store, terms, now=now)) for store, terms in stores]
    total, done = sum(len(ids) for _, _, ids in candidates), 0
    for _store, terms, ids in candidates:
        for start in range(0, len(ids), BATCH_SIZE):
            batch = ids[start : start + BATCH_SIZE]
            if dry_run:
                orders = list(Order.objects.select_related("customer").filter(pk__in=batch).order_by("pk"))
                closed += [order.pk for order, _ended_at in _ended(orders, terms, now=now)]
            else:
                closed += _close_batch(batch, terms, now=now, actor=actor)
            done += len(batch)
            if progress:
                progress(done, total)
    return closed
