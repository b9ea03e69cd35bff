"""`order_tracking`: where an order is, in three queries whatever its number of shipments,
items and checkpoints: the order with its store, customer and tracking settings; its shipments,
each with its checkpoints folded into one JSON column; its line items with their products, each
with its shipment quantities folded the same way. And `order_version`, a one-query fingerprint
of the same, for pages rendered before.
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import connections, router
from django.db.models import Aggregate, Count, JSONField, Max, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import JSONObject
from django.utils.dateparse import parse_datetime

from orders.models import LineItem, Order, Shipment, ShipmentStatus
from postpurchase.safe_urls import http_url
from tracking.estimates import order_estimate, settings_for, shipment_estimate
from tracking.models import TrackingSettings

from .data import STEP_OF_STATUS, Brand, Event, Item, OrderTracking, ShipmentTracking


class JSONArrayAgg(Aggregate):
    """The joined rows of a group as one JSON array: json_group_array on SQLite, jsonb_agg on
    PostgreSQL. It lets one query bring a shipment with all its checkpoints."""

    function = "JSON_GROUP_ARRAY"
    output_field = JSONField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="JSONB_AGG", **extra_context)


def _aware(value: str | None) -> datetime | None:
    """A timestamp from a JSON column: ISO with offset on PostgreSQL, naive UTC on SQLite."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _zone(*names: str) -> str:
    for name in names:
        if not name:
            continue
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
        return name
    return "UTC"


def order_load(order_id: int, store=None) -> Order | None:
    """The order with everything the page shows, in three queries."""
    orders = Order.objects.select_related("store", "customer", "store__tracking")
    if store is not None:
        orders = orders.for_store(store)
    shipments = Shipment.objects.annotate(
        event_rows=JSONArrayAgg(
            JSONObject(
                id="events__id",
                occurred_at="events__occurred_at",
                status="events__status",
                message="events__message",
                location="events__location",
            ),
            filter=Q(events__isnull=False),
        )
    )
    line_items = LineItem.objects.select_related("product").annotate(
        shipped_rows=JSONArrayAgg(
            JSONObject(shipment_id="shipment_items__shipment_id", quantity="shipment_items__quantity"),
            filter=Q(shipment_items__isnull=False),
        )
    )
    return (
        orders.prefetch_related(Prefetch("shipments", queryset=shipments), Prefetch("line_items", queryset=line_items))
        .filter(pk=order_id)
        .first()
    )


def tracking_from(order: Order) -> OrderTracking:
    """The plain data of an order that `order_load` read; reads nothing more."""
    store, customer = order.store, order.customer
    line_items = list(order.line_items.all())
    items = {
        li.pk: Item(
            line_item_id=li.pk,
            title=li.title,
            sku=li.sku,
            quantity=li.quantity,
            product_id=li.product_id,
            care_instructions=li.product.care_instructions if li.product else "",
        )
        for li in line_items
    }
    # Return parcels (the customer sending items back) are not the order's delivery: the page
    # leaves them out, but the version counts them, as order_version's query does.
    loaded = list(order.shipments.all())
    outbound = [s for s in loaded if not s.is_return]
    outbound_ids = {s.pk for s in outbound}
    carried: dict[int, list[Item]] = {}
    shipped_quantity: dict[int, int] = {}
    for li in line_items:
        for row in li.shipped_rows or []:
            if row and row.get("shipment_id") in outbound_ids:
                quantity = int(row["quantity"])
                carried.setdefault(row["shipment_id"], []).append(_with_quantity(items[li.pk], quantity))
                shipped_quantity[li.pk] = shipped_quantity.get(li.pk, 0) + quantity

    # Joined to the order by order_load, so neither this nor estimating reads anything more.
    estimate_settings = settings_for(store)
    shipments, events = [], []
    for parcel, s in enumerate(outbound, start=1):
        on_its_way = s.status != ShipmentStatus.DELIVERED and s.delivered_at is None
        shipment_events = sorted(
            (
                Event(
                    occurred_at=_aware(row["occurred_at"]),
                    status=row["status"],
                    message=row["message"] or "",
                    location=row["location"] or "",
                    shipment_id=s.pk,
                    parcel=parcel,
                )
                for row in s.event_rows or []
                if row and row.get("id")
            ),
            key=lambda e: e.occurred_at,
            reverse=True,
        )
        events.extend(shipment_events)
        shipments.append(
            ShipmentTracking(
                id=s.pk,
                parcel=parcel,
                carrier=s.carrier,
                tracking_number=s.tracking_number,
                tracking_url=http_url(s.tracking_url),
                status=s.status,
                delayed=s.delayed,
                delay_reason=s.delay_reason,
                possibly_lost=s.possibly_lost,
                estimated_delivery=s.estimated_delivery,
                estimate=shipment_estimate(s, order=order, settings=estimate_settings) if on_its_way else None,
                shipped_at=s.shipped_at,
                delivered_at=s.delivered_at,
                items=sorted(carried.get(s.pk, []), key=lambda i: i.line_item_id),
                events=shipment_events,
                promised=(s.promised_delivery_from, s.promised_delivery_to) if s.promised_delivery_from else None,
            )
        )
    events.sort(key=lambda e: (e.occurred_at, e.shipment_id), reverse=True)

    step = STEP_OF_STATUS.get(order.status)
    return OrderTracking(
        order_id=order.pk,
        store_id=store.pk,
        number=order.number,
        status=order.status,
        placed_at=order.placed_at,
        locale=order.locale or (customer.locale if customer else ""),
        timezone=_zone(customer.timezone if customer else "", store.timezone),
        currency=order.currency,
        customer_first_name=customer.first_name if customer else "",
        store=Brand(
            name=store.name,
            slug=store.slug,
            logo_url=http_url(store.logo_url),
            primary_color=store.primary_color,
            support_email=store.support_email,
        ),
        step=step,
        estimate=order_estimate(order, estimate_settings) if step is not None else None,
        shipments=shipments,
        events=events,
        items=list(items.values()),
        unshipped=[
            _with_quantity(item, item.quantity - shipped_quantity.get(item.line_item_id, 0))
            for item in items.values()
            if item.quantity > shipped_quantity.get(item.line_item_id, 0)
        ],
        promo_text=estimate_settings.promo_text,
        promo_url=http_url(estimate_settings.promo_url),
        version=_version(
            estimate_settings.content_version,
            order.updated_at,
            max((s.updated_at for s in loaded), default=None),
            len(loaded),
            max((event_id for s in loaded for event_id in _event_ids(s)), default=None),
            sum(len(_event_ids(s)) for s in loaded),
        ),
    )


def _event_ids(shipment) -> list[int]:
    return [row["id"] for row in shipment.event_rows or [] if row and row.get("id")]


def _stamp(moment: datetime | str | None) -> str:
    """A timestamp as the same text whichever way it was read (the ORM, or raw SQLite text)."""
    if not moment:
        return ""
    if isinstance(moment, str):
        moment = parse_datetime(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def _version(
    content_version: str | None, order_updated, shipments_updated, shipments: int, last_event: int | None, events: int
):
    return (
        content_version or "",  # None: the store has no settings row
        _stamp(order_updated),
        _stamp(shipments_updated),
        shipments,
        last_event or 0,
        events,
    )


# Compiling the version query costs several times what running it does, and it runs on every
# view of a cached page: it is compiled once per database and reused with the order's id.
_VERSION_SQL: dict[str, str] = {}
_ANY_ID = -424242  # marks where the order's id goes among the compiled query's parameters


def _version_sql(using: str) -> str:
    if using not in _VERSION_SQL:
        query = (
            Order.objects.using(using)
            .filter(pk=_ANY_ID)
            .annotate(
                shipments_updated=Max("shipments__updated_at"),
                shipment_count=Count("shipments", distinct=True),
                last_event=Max("shipments__events__id"),
                event_count=Count("shipments__events"),
            )
            .annotate(
                content_version=Subquery(
                    TrackingSettings.objects.filter(store_id=OuterRef("store_id")).values("content_version")[:1]
                )
            )
            .order_by()
            .values_list(
                "content_version", "updated_at", "shipments_updated", "shipment_count", "last_event", "event_count"
            )
            .query
        )
        sql, params = query.get_compiler(using).as_sql()
        if list(params) != [_ANY_ID]:
            raise RuntimeError(f"unexpected parameters in the version query: {params!r}")
        _VERSION_SQL[using] = sql
    return _VERSION_SQL[using]


def order_version(order_id: int) -> tuple | None:
    """A cheap fingerprint (one query) of what changes where an order is: the order row, its
    shipments, their checkpoints, and the store's FAQ and settings (`store_content_changed`).
    Equal to `OrderTracking.version` while none of them changed; None if the order is gone.
    Services bump `updated_at` on every change, and a checkpoint, even a late one, is a new row
    with a higher id.
    """
    using = router.db_for_read(Order)
    with connections[using].cursor() as cursor:
        cursor.execute(_version_sql(using), [order_id])
        row = cursor.fetchone()
    return _version(*row) if row else None


def _with_quantity(item: Item, quantity: int) -> Item:
    return Item(
        line_item_id=item.line_item_id,
        title=item.title,
        sku=item.sku,
        quantity=quantity,
        product_id=item.product_id,
        care_instructions=item.care_instructions,
    )


def order_tracking(order_id: int, *, store=None) -> OrderTracking | None:
    """Where an order is, as plain data; None if it does not exist (or not in `store`, when given).

    Three queries, whatever the number of shipments, items and checkpoints.
    """
    order = order_load(order_id, store)
    return tracking_from(order) if order is not None else None
