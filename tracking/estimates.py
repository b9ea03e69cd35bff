"""Estimated delivery: when a shipment, or a whole order, should arrive, as a range of dates.

The rules, in order:

1. A shipment whose carrier gave a date (`Shipment.estimated_delivery`) arrives that day: the
   carrier knows best, and a newer carrier date simply replaces the old one.
2. Otherwise a shipment arrives `transit` business days after the day it shipped (`shipped_at`);
   processing is over once it has shipped.
3. Items not shipped yet ship `processing_days` business days after the day the order was placed,
   then take `transit` business days.
4. `transit` is the (min, max) of the first `TrackingSettings.transit_rules` entry that matches the
   order's destination (`shipping_address["country"]`) and `shipping_method`, else the store's
   `transit_days_min`/`transit_days_max`. A rule without `country` or `method` matches any; matching
   ignores case, and either key may also be a list (`{"country": ["DE", "AT"], "min": 2, "max": 3}`).
   A rule without `min` or `max` takes the store's.
5. Business days skip Saturdays, Sundays and the store's `holidays` (ISO dates). Counting starts the
   day after the start day: an order placed on Friday with 1 processing day ships on Monday.
6. Days are the store's calendar days: `placed_at` and `shipped_at` are read in `Store.timezone`.
7. An order's estimate spans what is still on its way to the customer (return parcels never count): its shipments not delivered yet and, while
   the order is placed or partially shipped, its unshipped items (earliest of the earliest dates,
   latest of the latest). A delivered, returned or cancelled order has no estimate.

Cost: `order_estimate` reads `order.shipments.all()` (prefetch them and it reads nothing) and the
store's settings (one query; pass `settings`, or `select_related("store__tracking")`, for none).
A store without a `TrackingSettings` row gets the defaults, and reading never creates the row.
"""

from datetime import date, datetime, timedelta

from orders.models import Order, OrderStatus, Shipment, ShipmentStatus, Store
from tracking.models import TrackingSettings

Estimate = tuple[date, date]

# While an order is in one of these, some of its items have not shipped yet.
_UNSHIPPED = (OrderStatus.PLACED, OrderStatus.PARTIALLY_SHIPPED)


def add_business_days(start: date, days: int, holidays: frozenset[date] = frozenset()) -> date:
    """The day `days` business days after `start` (`start` itself when days is 0)."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in holidays:
            days -= 1
    return current


def local_date(moment: datetime, store: Store) -> date:
    """The store's calendar day at `moment`."""
    return moment.astimezone(store.zone).date()


def settings_for(store: Store) -> TrackingSettings:
    """The store's tracking settings, or unsaved defaults; no query when `store.tracking` is loaded."""
    if Store.tracking.is_cached(store):
        try:
            return store.tracking
        except TrackingSettings.DoesNotExist:
            return TrackingSettings(store=store)
    return TrackingSettings.objects.filter(store=store).first() or TrackingSettings(store=store)


def holidays_of(settings: TrackingSettings) -> frozenset[date]:
    """The store's holidays; an entry that is not an ISO date is ignored rather than fatal."""
    days = set()
    for value in settings.holidays or ():
        try:
            days.add(date.fromisoformat(str(value)))
        except ValueError:
            continue
    return frozenset(days)


def _matches(expected, actual: str) -> bool:
    if not expected:
        return True
    options = expected if isinstance(expected, list) else [expected]
    return actual.casefold() in {str(option).strip().casefold() for option in options}


def _days(value, default: int) -> int:
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return default


def transit_days(settings: TrackingSettings, *, country: str, method: str) -> tuple[int, int]:
    """(min, max) business days in transit to `country` by `method`: the first matching rule wins."""
    for rule in settings.transit_rules or ():
        if not isinstance(rule, dict):
            continue
        if _matches(rule.get("country"), country.strip()) and _matches(rule.get("method"), method.strip()):
            low = _days(rule.get("min"), settings.transit_days_min)
            return low, max(_days(rule.get("max"), settings.transit_days_max), low)
    return settings.transit_days_min, max(settings.transit_days_max, settings.transit_days_min)


def _order_transit(order: Order, settings: TrackingSettings) -> tuple[int, int]:
    address = order.shipping_address if isinstance(order.shipping_address, dict) else {}
    return transit_days(settings, country=str(address.get("country") or ""), method=order.shipping_method or "")


def _from(start: date, transit: tuple[int, int], holidays: frozenset[date]) -> Estimate:
    return add_business_days(start, transit[0], holidays), add_business_days(start, transit[1], holidays)


def _unshipped_estimate(order: Order, settings: TrackingSettings) -> Estimate:
    holidays = holidays_of(settings)
    shipped_by = add_business_days(local_date(order.placed_at, order.store), settings.processing_days, holidays)
    return _from(shipped_by, _order_transit(order, settings), holidays)


def shipment_estimate(
    shipment: Shipment, *, order: Order | None = None, settings: TrackingSettings | None = None
) -> Estimate:
    """(earliest, latest) delivery of one shipment. Pass its `order` (and `settings`) to save queries."""
    if shipment.estimated_delivery:
        return shipment.estimated_delivery, shipment.estimated_delivery
    order = order or shipment.order
    settings = settings or settings_for(order.store)
    if shipment.shipped_at is None:
        return _unshipped_estimate(order, settings)
    return _from(local_date(shipment.shipped_at, order.store), _order_transit(order, settings), holidays_of(settings))


def order_estimate(order: Order, settings: TrackingSettings | None = None) -> Estimate | None:
    """(earliest, latest) delivery of what an order still has on its way, in the store's days;
    None when nothing is (delivered, returned or cancelled)."""
    on_the_way = [
        s
        for s in order.shipments.all()
        if not s.is_return and s.status != ShipmentStatus.DELIVERED and s.delivered_at is None
    ]
    unshipped = order.status in _UNSHIPPED
    if not on_the_way and not unshipped:
        return None
    if settings is None and (unshipped or any(not s.estimated_delivery for s in on_the_way)):
        settings = settings_for(order.store)
    estimates = [shipment_estimate(s, order=order, settings=settings) for s in on_the_way]
    if unshipped:
        estimates.append(_unshipped_estimate(order, settings))
    return min(e[0] for e in estimates), max(e[1] for e in estimates)
