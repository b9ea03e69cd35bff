"""Writing the rollup tables (insights.models) from every app's rows.

A day is a day of the store's own time zone: [local midnight, next local midnight). Each day's
row is recomputed whole (an upsert), so running a day twice is harmless and a late change (a
return cancelled, a survey answered) is picked up the next time its day is computed:
- every few minutes for today and yesterday (`insights_rollup_recent`, Celery beat);
- nightly for a trailing window (settings.INSIGHTS_ROLLUP_DAYS, default 45 days) and the cohorts.
Each day costs a fixed handful of indexed queries over that day's rows only, so the rollup keeps
pace whatever the store's history; the cohort table reads the store's orders once a night.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from feedback.models import Review, ReviewStatus, SurveyAnswer, SurveyType
from loyalty.models import Account, EntryKind, PointsEntry
from notifications.models import Message, MessageState
from orders.models import LineItem, Order, OrderStatus, Shipment, ShipmentDirection, Store
from postpurchase.money import ZERO
from returns.models import INACTIVE, RESOLVED, Resolution, ReturnItem, ReturnRequest

from .models import Breakdown, CohortCell, DailyCount, DailyStats

RETAINED = (Resolution.EXCHANGE, Resolution.STORE_CREDIT)
# Points the programme gives (a positive entry of these kinds); redemptions are `redeem` entries.
ISSUING = (EntryKind.EARN, EntryKind.BONUS, EntryKind.REFERRAL, EntryKind.APOLOGY)


def day_bounds(store: Store, day: date) -> tuple[datetime, datetime]:
    """The instants where `day` starts and ends in the store's zone (23 or 25 hours across DST)."""
    zone = store.zone
    return datetime.combine(day, time.min, tzinfo=zone), datetime.combine(
        day + timedelta(days=1), time.min, tzinfo=zone
    )


def _money(value: Decimal | None) -> Decimal:
    return value if value is not None else ZERO


def _orders(store: Store, start: datetime, end: datetime) -> dict[str, object]:
    placed = Order.objects.filter(store=store, placed_at__gte=start, placed_at__lt=end).exclude(
        status=OrderStatus.CANCELLED
    )
    totals = placed.aggregate(n=Count("id"), revenue=Sum("total"))
    items = LineItem.objects.filter(order__in=placed).aggregate(q=Sum("quantity"))["q"] or 0
    # How many orders each of the day's customers had placed before this one (0, 1 or more):
    # a customer's first order counts in first_orders, their second in second_orders.
    earlier = (
        Order.objects.filter(customer_id=OuterRef("customer_id"))
        .exclude(status=OrderStatus.CANCELLED)
        .filter(Q(placed_at__lt=OuterRef("placed_at")) | Q(placed_at=OuterRef("placed_at"), id__lt=OuterRef("id")))
        .values("customer_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    ranks = placed.filter(customer__isnull=False).annotate(before=Coalesce(Subquery(earlier), 0))
    ranked = ranks.aggregate(first=Count("id", filter=Q(before=0)), second=Count("id", filter=Q(before=1)))
    return {
        "orders": totals["n"],
        "revenue": _money(totals["revenue"]),
        "items_sold": items,
        "first_orders": ranked["first"],
        "second_orders": ranked["second"],
    }


def _returns(store: Store, start: datetime, end: datetime) -> tuple[dict[str, object], list[DailyCount]]:
    asked = ReturnRequest.objects.filter(store=store, created_at__gte=start, created_at__lt=end).exclude(
        status__in=INACTIVE
    )
    sums = asked.aggregate(
        n=Count("id"),
        value=Sum("items_amount"),
        retained=Count("id", filter=Q(resolution__in=RETAINED)),
        retained_value=Sum("items_amount", filter=Q(resolution__in=RETAINED)),
    )
    items = ReturnItem.objects.filter(request__in=asked)
    counts = [
        DailyCount(breakdown=Breakdown.RETURN_REASON, key=row["reason"][:100], label=row["label"], value=row["q"])
        for row in items.values("reason").annotate(q=Sum("quantity"), label=F("reason_label")).order_by()
    ]
    by_product: dict[str, list] = defaultdict(lambda: ["", 0])
    for sku, title, quantity in items.values_list("line_item__sku", "line_item__title", "quantity"):
        entry = by_product[(sku or title)[:100]]
        entry[0], entry[1] = title, entry[1] + quantity
    counts += [
        DailyCount(breakdown=Breakdown.RETURNED_PRODUCT, key=key, label=label[:255], value=quantity)
        for key, (label, quantity) in by_product.items()
    ]
    values = {
        "returns": sums["n"],
        "items_returned": sum(c.value for c in counts if c.breakdown == Breakdown.RETURN_REASON),
        "value_returned": _money(sums["value"]),
        "returns_retained": sums["retained"],
        "value_retained": _money(sums["retained_value"]),
    }
    return values, counts


def _deliveries(store: Store, start: datetime, end: datetime) -> dict[str, object]:
    """Outbound shipments delivered that day against their promise (the first estimate shown)."""
    rows = Shipment.objects.filter(
        store=store,
        direction=ShipmentDirection.OUTBOUND,
        delivered_at__gte=start,
        delivered_at__lt=end,
        promised_delivery_to__isnull=False,
    ).values_list("delivered_at", "promised_delivery_to")
    on_time = late_days = total = 0
    for delivered_at, promised in rows:
        assert delivered_at is not None  # the filter asked for both
        assert promised is not None
        total += 1
        late = (delivered_at.astimezone(store.zone).date() - promised).days
        if late <= 0:
            on_time += 1
        else:
            late_days += late
    return {"delivered": total, "delivered_on_time": on_time, "days_late": late_days}


def _messages(store: Store, start: datetime, end: datetime) -> tuple[dict[str, object], list[DailyCount]]:
    """Messages due that day, by what became of them; held-back ones by their reason code."""
    rows = (
        Message.objects.filter(store=store, send_at__gte=start, send_at__lt=end)
        .values("state", "reason_code")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_state: dict[str, int] = defaultdict(int)
    held: dict[str, int] = defaultdict(int)
    for row in rows:
        by_state[row["state"]] += row["n"]
        if row["state"] in (MessageState.SUPPRESSED, MessageState.CANCELLED):
            held[row["reason_code"] or "other"] += row["n"]
    reached = by_state[MessageState.SENT] + by_state[MessageState.DELIVERED] + by_state[MessageState.BOUNCED]
    values: dict[str, object] = {
        "messages_sent": reached,
        "messages_delivered": by_state[MessageState.DELIVERED],
        "messages_bounced": by_state[MessageState.BOUNCED],
        "messages_suppressed": by_state[MessageState.SUPPRESSED],
    }
    counts = [DailyCount(breakdown=Breakdown.SUPPRESSED, key=code[:100], value=n) for code, n in held.items()]
    return values, counts


def _feedback(store: Store, start: datetime, end: datetime) -> dict[str, object]:
    answers = SurveyAnswer.objects.filter(store=store, created_at__gte=start, created_at__lt=end).aggregate(
        promoters=Count("id", filter=Q(survey=SurveyType.NPS, score__gte=9)),
        passives=Count("id", filter=Q(survey=SurveyType.NPS, score__in=(7, 8))),
        detractors=Count("id", filter=Q(survey=SurveyType.NPS, score__lte=6)),
        csat=Count("id", filter=Q(survey=SurveyType.CSAT)),
        satisfied=Count("id", filter=Q(survey=SurveyType.CSAT, score__gte=4)),
    )
    reviews = Review.objects.filter(
        store=store, status=ReviewStatus.PUBLISHED, created_at__gte=start, created_at__lt=end
    ).aggregate(n=Count("id"), stars=Sum("rating"))
    return {
        "nps_promoters": answers["promoters"],
        "nps_passives": answers["passives"],
        "nps_detractors": answers["detractors"],
        "csat_answers": answers["csat"],
        "csat_satisfied": answers["satisfied"],
        "reviews": reviews["n"],
        "rating_sum": reviews["stars"] or 0,
    }


def _loyalty(store: Store, start: datetime, end: datetime) -> dict[str, object]:
    entries = PointsEntry.objects.filter(store=store, created_at__gte=start, created_at__lt=end).aggregate(
        issued=Sum("points", filter=Q(kind__in=ISSUING, points__gt=0)),
        redeemed=Sum("points", filter=Q(kind=EntryKind.REDEEM)),
    )
    joined = Account.objects.filter(store=store, created_at__gte=start, created_at__lt=end).count()
    return {
        "members_joined": joined,
        "points_issued": entries["issued"] or 0,
        "points_redeemed": -(entries["redeemed"] or 0),
    }


def _owed_now(store: Store) -> dict[str, object]:
    """What the store owes customers as of now: unspent points, and returns not yet settled
    (refund plus any credit bonus). Kept on today's row only: a past day keeps its last snapshot."""
    points = Account.objects.filter(store=store).aggregate(p=Sum(F("available") + F("pending")))["p"] or 0
    open_returns = (
        ReturnRequest.objects.filter(store=store)
        .exclude(status__in=[*INACTIVE, *RESOLVED])
        .aggregate(n=Count("id"), value=Sum(F("refund_amount") + F("bonus_amount")))
    )
    return {
        "points_outstanding": points,
        "open_returns": open_returns["n"],
        "open_returns_value": _money(open_returns["value"]),
    }


def rollup_day(*, store: Store, day: date) -> DailyStats:
    """Recompute one store's row (and its breakdowns) for one local day."""
    start, end = day_bounds(store, day)
    values: dict[str, object] = {**_orders(store, start, end)}
    if day >= local_today(store):
        values.update(_owed_now(store))
    returns, counts = _returns(store, start, end)
    messages, held = _messages(store, start, end)
    values.update(returns)
    values.update(_deliveries(store, start, end))
    values.update(messages)
    values.update(_feedback(store, start, end))
    values.update(_loyalty(store, start, end))
    values["computed_at"] = timezone.now()
    with transaction.atomic():
        stats, _ = DailyStats.objects.update_or_create(store=store, day=day, defaults=values)
        DailyCount.objects.filter(store=store, day=day).delete()
        DailyCount.objects.bulk_create(
            [
                DailyCount(store=store, day=day, breakdown=c.breakdown, key=c.key, label=c.label, value=c.value)
                for c in [*counts, *held]
            ]
        )
    return stats


def local_today(store: Store) -> date:
    return timezone.now().astimezone(store.zone).date()


def rollup_days(*, store: Store, days: Iterable[date]) -> int:
    n = 0
    for day in days:
        rollup_day(store=store, day=day)
        n += 1
    return n


def rollup_recent(*, store: Store, days: int) -> int:
    """The last `days` local days of a store, today included."""
    today = local_today(store)
    return rollup_days(store=store, days=(today - timedelta(days=k) for k in range(days)))


def rollup_history(*, store: Store) -> int:
    """Every day since the store's first order (a backfill: `rollup_insights --all`)."""
    first = Order.objects.filter(store=store).order_by("placed_at").values_list("placed_at", flat=True).first()
    if first is None:
        return 0
    today, start = local_today(store), first.astimezone(store.zone).date()
    return rollup_days(store=store, days=(start + timedelta(days=k) for k in range((today - start).days + 1)))


def _month(value: date) -> date:
    return value.replace(day=1)


def _months_between(a: date, b: date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


def cohorts_rebuild(*, store: Store) -> int:
    """Rebuild the store's cohort table from its orders (one pass, streamed): for every customer,
    their first order's month is their cohort; each later month they ordered in counts them once."""
    cells: dict[tuple[date, int], int] = defaultdict(int)
    zone = store.zone
    current: int | None = None
    cohort: date | None = None
    seen: set[int] = set()
    orders = (
        Order.objects.filter(store=store, customer__isnull=False)
        .exclude(status=OrderStatus.CANCELLED)
        .order_by("customer_id", "placed_at", "id")
        .values_list("customer_id", "placed_at")
    )
    for customer_id, placed_at in orders.iterator(chunk_size=5000):
        month = _month(placed_at.astimezone(zone).date())
        if customer_id != current:
            current, cohort, seen = customer_id, month, set()
            continue
        assert cohort is not None
        offset = _months_between(cohort, month)
        if offset not in seen:
            seen.add(offset)
            cells[(cohort, offset)] += 1
    with transaction.atomic():
        CohortCell.objects.filter(store=store).delete()
        CohortCell.objects.bulk_create(
            CohortCell(store=store, cohort=c, offset=o, customers=n) for (c, o), n in sorted(cells.items())
        )
    return len(cells)
