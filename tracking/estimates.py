"""Estimated delivery: the carrier's date when it gave one, else processing + transit days.

Business days skip weekends. Store-specific processing days, transit by country and method,
and holidays come with the tracking pages; these defaults keep every order estimable meanwhile.
"""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

PROCESSING_DAYS = 1
TRANSIT_DAYS = (2, 4)


def add_business_days(start: date, days: int, holidays: frozenset[date] = frozenset()) -> date:
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in holidays:
            days -= 1
    return current


def order_estimate(order) -> tuple[date, date] | None:
    """The (earliest, latest) delivery dates of an order not yet delivered, in the store's zone."""
    carrier_dates = [s.estimated_delivery for s in order.shipments.all() if s.estimated_delivery]
    if carrier_dates:
        return min(carrier_dates), max(carrier_dates)
    placed = order.placed_at.astimezone(ZoneInfo(order.store.timezone or "UTC")).date()
    shipped_by = add_business_days(placed, PROCESSING_DAYS)
    return add_business_days(shipped_by, TRANSIT_DAYS[0]), add_business_days(shipped_by, TRANSIT_DAYS[1])
