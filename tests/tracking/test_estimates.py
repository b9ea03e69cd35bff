from datetime import UTC, date, datetime

import pytest

from orders import services
from orders.inputs import ShipmentItemInput
from orders.models import Order
from tests.orders.factories import StoreFactory, place_order
from tracking.estimates import add_business_days, order_estimate, shipment_estimate
from tracking.models import TrackingSettings

pytestmark = pytest.mark.django_db

MONDAY = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
FRIDAY = datetime(2025, 3, 7, 10, 0, tzinfo=UTC)


def settings_of(store, **values) -> TrackingSettings:
    settings = TrackingSettings.for_store(store)
    for name, value in values.items():
        setattr(settings, name, value)
    settings.save()
    return settings


def ship(order, **kwargs):
    shipment, _ = services.shipment_upsert(order=order, carrier="dhl", tracking_number="JD1", **kwargs)
    return shipment


def test_an_order_arrives_after_processing_and_transit_business_days_skipping_the_weekend(store):
    order = place_order(store, placed_at=FRIDAY)

    estimate = order_estimate(order)

    # 1 processing day: ships Monday 10th; 2 to 4 transit days: Wednesday 12th to Friday 14th.
    assert estimate == (date(2025, 3, 12), date(2025, 3, 14))


def test_holidays_are_not_business_days(store):
    settings_of(store, holidays=["2025-03-10", "2025-03-13", "not a date"])
    order = place_order(store, placed_at=FRIDAY)

    estimate = order_estimate(order)

    # Monday 10th is off, so it ships Tuesday 11th; Thursday 13th is off too.
    assert estimate == (date(2025, 3, 14), date(2025, 3, 18))


def test_the_stores_processing_and_transit_days_are_used(store):
    settings_of(store, processing_days=2, transit_days_min=3, transit_days_max=6)
    order = place_order(store, placed_at=MONDAY)

    estimate = order_estimate(order)

    assert estimate == (date(2025, 3, 10), date(2025, 3, 13))


def test_the_day_an_order_was_placed_is_the_stores_day():
    store = StoreFactory(slug="nyc", timezone="America/New_York")
    # Tuesday 03:00 UTC is still Monday evening in New York.
    order = place_order(store, placed_at=datetime(2025, 3, 4, 3, 0, tzinfo=UTC))

    estimate = order_estimate(order)

    # Ships Tuesday 4th; 2 to 4 transit days: Thursday 6th to Monday 10th.
    assert estimate == (date(2025, 3, 6), date(2025, 3, 10))


@pytest.mark.parametrize(
    ("country", "method", "expected"),
    [
        ("GB", "express", (date(2025, 3, 5), date(2025, 3, 5))),  # the GB express rule
        ("GB", "standard", (date(2025, 3, 7), date(2025, 3, 11))),  # GB, any method
        ("FR", "Express", (date(2025, 3, 6), date(2025, 3, 6))),  # express anywhere, case ignored
        ("DE", "standard", (date(2025, 3, 7), date(2025, 3, 10))),  # a list of countries
        ("IT", "standard", (date(2025, 3, 6), date(2025, 3, 10))),  # no rule: the store's 2 to 4 days
    ],
)
def test_the_first_transit_rule_matching_country_and_method_wins(store, country, method, expected):
    settings_of(
        store,
        transit_rules=[
            {"country": "US", "min": 5, "max": 8},
            {"country": "gb", "method": "express", "min": 1, "max": 1},
            {"country": "GB", "min": 3, "max": 5},
            {"method": "express", "min": 2, "max": 2},
            {"country": ["AT", "DE"], "min": 3, "max": 4},
        ],
    )
    order = place_order(
        store,
        placed_at=MONDAY,
        shipping_method=method,
        shipping_address={"line1": "1 Main St", "city": "Somewhere", "country": country},
    )

    assert order_estimate(order) == expected


def test_a_shipped_parcel_counts_transit_from_the_day_it_shipped_without_processing(store):
    order = place_order(store, placed_at=MONDAY)

    shipment = ship(order, shipped_at=datetime(2025, 3, 6, 15, 0, tzinfo=UTC))

    assert shipment_estimate(shipment) == (date(2025, 3, 10), date(2025, 3, 12))
    assert order_estimate(Order.objects.get(pk=order.pk)) == (date(2025, 3, 10), date(2025, 3, 12))


def test_the_carriers_date_wins(store):
    settings_of(store, transit_rules=[{"min": 1, "max": 1}])
    order = place_order(store, placed_at=MONDAY)

    shipment = ship(order, shipped_at=MONDAY, estimated_delivery=date(2025, 3, 20))

    assert shipment_estimate(shipment) == (date(2025, 3, 20), date(2025, 3, 20))
    assert order_estimate(Order.objects.get(pk=order.pk)) == (date(2025, 3, 20), date(2025, 3, 20))


def test_a_delivered_order_has_no_estimate(store):
    order = place_order(store, placed_at=MONDAY)
    shipment = ship(order, shipped_at=MONDAY)

    services.tracking_event_add(shipment=shipment, occurred_at=FRIDAY, status="delivered", message="Delivered")

    assert order_estimate(Order.objects.get(pk=order.pk)) is None


def test_a_partly_shipped_order_spans_its_shipment_and_the_items_still_to_ship(store):
    order = place_order(store, placed_at=MONDAY)
    first = order.line_items.first()

    ship(
        order,
        shipped_at=MONDAY,
        estimated_delivery=date(2025, 3, 4),
        items=[ShipmentItemInput(line_item_id=first.pk, quantity=first.quantity)],
    )

    # The carrier says Tuesday; the rest ships Tuesday and arrives Thursday to Monday.
    assert order_estimate(Order.objects.get(pk=order.pk)) == (date(2025, 3, 4), date(2025, 3, 10))


def test_estimating_many_prefetched_orders_reads_nothing_more(store, django_assert_num_queries):
    settings = settings_of(store, holidays=["2025-03-10"])
    for number in ("#1", "#2", "#3"):
        ship(place_order(store, number=number, placed_at=MONDAY), shipped_at=MONDAY)
    place_order(store, number="#4", placed_at=MONDAY)
    orders = list(Order.objects.select_related("store").prefetch_related("shipments"))

    with django_assert_num_queries(0):
        estimates = [order_estimate(order, settings) for order in orders]

    assert len(set(estimates)) == 2


def test_the_settings_come_with_the_store_when_selected_with_it(store, django_assert_num_queries):
    settings_of(store, transit_days_min=5, transit_days_max=5)
    place_order(store, placed_at=MONDAY)
    order = Order.objects.select_related("store__tracking").prefetch_related("shipments").get()

    with django_assert_num_queries(0):
        estimate = order_estimate(order)

    assert estimate == (date(2025, 3, 11), date(2025, 3, 11))


def test_a_store_without_settings_gets_the_defaults_and_no_settings_row(store):
    order = place_order(store, placed_at=FRIDAY)

    assert order_estimate(order) == (date(2025, 3, 12), date(2025, 3, 14))
    assert not TrackingSettings.objects.filter(store=store).exists()


def test_zero_business_days_is_the_start_day_itself():
    assert add_business_days(date(2025, 3, 8), 0) == date(2025, 3, 8)
    assert add_business_days(date(2025, 3, 8), 1) == date(2025, 3, 10)


def test_a_store_selected_without_settings_reads_nothing_more_either(store, django_assert_num_queries):
    place_order(store, placed_at=FRIDAY)
    order = Order.objects.select_related("store__tracking").prefetch_related("shipments").get()

    with django_assert_num_queries(0):
        estimate = order_estimate(order)

    assert estimate == (date(2025, 3, 12), date(2025, 3, 14))
