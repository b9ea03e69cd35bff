import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from notifications import kinds
from notifications.models import Message, MessageState
from notifications.services import messages_dispatch_due
from orders import services
from orders.events import describe
from orders.models import DomainEvent, Order, OrderSource, Shipment, ShipmentStatus
from tests.orders.factories import place_order
from tracking.models import TrackingSettings
from tracking.services import shipments_check_delays
from tracking.tasks import shipments_check_delays_task

pytestmark = pytest.mark.django_db

SEEN = ["shipment.created", "shipment.status_changed", "shipment.updated"]

MONDAY = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


def ship(order, tracking_number="JD1", **kwargs):
    shipment, _ = services.shipment_upsert(order=order, carrier="dhl", tracking_number=tracking_number, **kwargs)
    return shipment


def scan(shipment, status, at, message=""):
    services.tracking_event_add(shipment=shipment, occurred_at=at, status=status, message=message or status)


def fresh(shipment) -> Shipment:
    return Shipment.objects.get(pk=shipment.pk)


def events_of(kind: str) -> list[DomainEvent]:
    return list(DomainEvent.objects.filter(kind=kind))


def delay_notices_sent() -> int:
    messages_dispatch_due()
    return Message.objects.filter(kind=kinds.DELAYED, state=MessageState.SENT).count()


def in_transit_since_monday(store, clock, **kwargs) -> Shipment:
    """An order shipped on Monday 10:00 and scanned in transit at 12:00."""
    order = place_order(store, **kwargs)
    shipment = ship(order)
    clock.move_to(MONDAY + timedelta(hours=2))
    scan(shipment, ShipmentStatus.IN_TRANSIT, MONDAY + timedelta(hours=2))
    return shipment


def test_a_late_parcel_gets_one_delay_notice_per_episode(store, clock):
    order = place_order(store)
    shipment = ship(order, estimated_delivery=date(2025, 3, 5))
    clock.move_to(MONDAY + DAY)
    scan(shipment, ShipmentStatus.IN_TRANSIT, MONDAY + DAY)

    # Thursday just after midnight: Wednesday, the promised day, has passed.
    for minutes in (30, 45, 60, 75):
        clock.move_to(datetime(2025, 3, 6, tzinfo=UTC) + timedelta(minutes=minutes))
        shipments_check_delays()

    assert delay_notices_sent() == 1
    shipment = fresh(shipment)
    assert shipment.delayed
    assert shipment.delay_episode == 1
    assert shipment.delay_reason == "The estimated delivery date has passed."
    assert "The estimated delivery date has passed." in mail.outbox[-1].body
    [event] = events_of("shipment.delayed")
    assert event.data["episode"] == 1
    assert event.data["estimated_delivery_to"] == "2025-03-05"
    assert event.data["at"] == "2025-03-06T00:30:00+00:00"

    # A scan after the promised day: the carrier is moving it again.
    clock.move_to(datetime(2025, 3, 6, 9, 0, tzinfo=UTC))
    scan(shipment, ShipmentStatus.IN_TRANSIT, datetime(2025, 3, 6, 9, 0, tzinfo=UTC), "Arrived at the hub")
    shipments_check_delays()

    assert not fresh(shipment).delayed
    assert len(events_of("shipment.delay_cleared")) == 1

    # Then three days without a scan: late again, a new episode and a second notice.
    for hours in (0, 1, 2):
        clock.move_to(datetime(2025, 3, 9, 9 + hours, 0, tzinfo=UTC))
        shipments_check_delays()

    assert delay_notices_sent() == 2
    shipment = fresh(shipment)
    assert shipment.delay_episode == 2
    assert shipment.delay_reason == "No scan from the carrier for 3 days."


def test_no_scan_for_the_stores_number_of_days_delays_the_parcel(store, clock):
    TrackingSettings.objects.create(store=store, no_scan_days=4)
    shipment = in_transit_since_monday(store, clock)

    clock.move_to(MONDAY + timedelta(days=4, hours=2) - timedelta(minutes=1))
    shipments_check_delays()
    assert not fresh(shipment).delayed

    clock.move_to(MONDAY + timedelta(days=4, hours=2))
    shipments_check_delays()

    shipment = fresh(shipment)
    assert shipment.delayed
    assert shipment.delay_reason == "No scan from the carrier for 4 days."
    assert delay_notices_sent() == 1


def test_a_parcel_never_scanned_counts_from_when_it_shipped(store, clock):
    shipment = ship(place_order(store))

    clock.move_to(MONDAY + 3 * DAY)
    shipments_check_delays()

    assert fresh(shipment).delay_reason == "No scan from the carrier for 3 days."


def test_a_problem_reported_by_the_carrier_delays_the_parcel_until_it_is_resolved(store, clock):
    shipment = in_transit_since_monday(store, clock)
    clock.move_to(MONDAY + DAY)
    scan(shipment, ShipmentStatus.EXCEPTION, MONDAY + DAY, "Address incomplete, please contact DHL")

    shipments_check_delays()

    shipment = fresh(shipment)
    assert shipment.delayed
    assert shipment.delay_reason == "The carrier reported a problem: Address incomplete, please contact DHL"
    [event] = events_of("shipment.delayed")
    assert event.data["cause"] == "exception"

    clock.move_to(MONDAY + 2 * DAY)
    scan(shipment, ShipmentStatus.IN_TRANSIT, MONDAY + 2 * DAY, "Address corrected")
    shipments_check_delays()

    assert not fresh(shipment).delayed
    assert fresh(shipment).delay_reason == ""
    assert len(events_of("shipment.delay_cleared")) == 1


def test_a_problem_reported_while_delayed_changes_the_reason_not_the_episode(store, clock):
    shipment = in_transit_since_monday(store, clock)
    clock.move_to(MONDAY + 3 * DAY + timedelta(hours=2))
    shipments_check_delays()

    scan(shipment, ShipmentStatus.EXCEPTION, MONDAY + 3 * DAY, "Damaged")
    shipments_check_delays()

    shipment = fresh(shipment)
    assert shipment.delay_reason == "The carrier reported a problem: Damaged"
    assert shipment.delay_episode == 1
    assert len(events_of("shipment.delayed")) == 1


def test_a_later_estimate_from_the_carrier_ends_the_delay(store, clock):
    order = place_order(store)
    shipment = ship(order, estimated_delivery=date(2025, 3, 4))
    clock.move_to(datetime(2025, 3, 5, 8, 0, tzinfo=UTC))
    shipments_check_delays()
    assert fresh(shipment).delayed

    ship(order, estimated_delivery=date(2025, 3, 7))
    shipments_check_delays()

    assert not fresh(shipment).delayed


def test_delivery_ends_the_delay(store, clock):
    shipment = in_transit_since_monday(store, clock)
    clock.move_to(MONDAY + 4 * DAY)
    shipments_check_delays()

    scan(shipment, ShipmentStatus.DELIVERED, MONDAY + 4 * DAY)
    shipments_check_delays()

    assert not fresh(shipment).delayed
    [event] = events_of("shipment.delay_cleared")
    assert event.data["delivered"] is True


def test_delivery_ends_the_delay_and_the_lost_flag_at_once_without_waiting_for_the_check(store, clock):
    shipment = in_transit_since_monday(store, clock)
    clock.move_to(MONDAY + 9 * DAY)
    shipments_check_delays()
    assert (fresh(shipment).delayed, fresh(shipment).possibly_lost) == (True, True)

    scan(shipment, ShipmentStatus.DELIVERED, MONDAY + 9 * DAY)

    shipment = fresh(shipment)
    assert (shipment.delayed, shipment.delay_reason, shipment.possibly_lost) == (False, "", False)
    [event] = events_of("shipment.delay_cleared")
    assert event.data["delivered"] is True
    assert shipments_check_delays() == 0  # nothing left for the next run to do


def test_thirty_days_without_news_expire_the_shipment(store, clock):
    shipment = in_transit_since_monday(store, clock)

    clock.move_to(MONDAY + timedelta(days=30, hours=2) - timedelta(minutes=1))
    shipments_check_delays()
    assert fresh(shipment).status == ShipmentStatus.IN_TRANSIT

    clock.move_to(MONDAY + timedelta(days=30, hours=2))
    shipments_check_delays()
    shipments_check_delays()

    assert fresh(shipment).status == ShipmentStatus.EXPIRED
    [event] = [e for e in events_of("shipment.status_changed") if e.data["to"] == ShipmentStatus.EXPIRED]
    assert event.data["from"] == ShipmentStatus.IN_TRANSIT


def test_a_scan_after_expiry_brings_the_shipment_back(store, clock):
    shipment = in_transit_since_monday(store, clock)
    clock.move_to(MONDAY + 31 * DAY)
    shipments_check_delays()

    scan(shipment, ShipmentStatus.OUT_FOR_DELIVERY, MONDAY + 31 * DAY)
    shipments_check_delays()

    shipment = fresh(shipment)
    assert shipment.status == ShipmentStatus.OUT_FOR_DELIVERY
    assert not shipment.delayed
    assert not shipment.possibly_lost


def test_seven_days_without_news_in_transit_mark_the_parcel_possibly_lost_once(store, clock):
    shipment = in_transit_since_monday(store, clock)

    clock.move_to(MONDAY + timedelta(days=7, hours=2) - timedelta(minutes=1))
    shipments_check_delays()
    assert not fresh(shipment).possibly_lost

    for extra in (0, 1, 24):
        clock.move_to(MONDAY + timedelta(days=7, hours=2 + extra))
        shipments_check_delays()

    assert fresh(shipment).possibly_lost
    assert len(events_of("shipment.possibly_lost")) == 1


def test_a_parcel_waiting_at_a_pickup_point_is_not_late(store, clock):
    shipment = in_transit_since_monday(store, clock)
    scan(shipment, ShipmentStatus.AVAILABLE_FOR_PICKUP, MONDAY + timedelta(hours=3))

    clock.move_to(MONDAY + 10 * DAY)
    shipments_check_delays()

    shipment = fresh(shipment)
    assert not shipment.delayed
    assert not shipment.possibly_lost


def test_delivered_parcels_are_never_flagged(store, clock):
    shipment = in_transit_since_monday(store, clock)
    scan(shipment, ShipmentStatus.DELIVERED, MONDAY + timedelta(hours=5))

    clock.move_to(MONDAY + 40 * DAY)
    changed = shipments_check_delays()

    shipment = fresh(shipment)
    assert changed == 0
    assert (shipment.delayed, shipment.possibly_lost, shipment.status) == (False, False, ShipmentStatus.DELIVERED)
    assert events_of("shipment.delayed") == []


def test_imported_orders_are_never_flagged(store, clock):
    shipment = in_transit_since_monday(store, clock, source=OrderSource.IMPORT)

    clock.move_to(MONDAY + 40 * DAY)
    changed = shipments_check_delays()

    shipment = fresh(shipment)
    assert changed == 0
    assert (shipment.delayed, shipment.possibly_lost, shipment.status) == (False, False, ShipmentStatus.IN_TRANSIT)


def snapshot():
    return (
        list(Shipment.objects.order_by("pk").values()),
        DomainEvent.objects.count(),
        Message.objects.count(),
    )


def test_running_twice_changes_nothing_the_second_time(store, clock):
    ship(place_order(store, number="#1"), estimated_delivery=date(2025, 3, 4))
    in_transit_since_monday(store, clock, number="#2")
    ship(place_order(store, number="#3"), tracking_number="JD3")
    clock.move_to(MONDAY + 8 * DAY)

    first = shipments_check_delays()
    before = snapshot()
    second = shipments_check_delays()

    assert first == 3
    assert second == 0
    assert snapshot() == before


def test_big_stores_are_checked_in_batches(store, clock):
    shipments = [ship(place_order(store, number=f"#{n}"), tracking_number=f"JD{n}") for n in range(5)]
    clock.move_to(MONDAY + 3 * DAY)

    changed = shipments_check_delays(batch_size=2)

    assert changed == 5
    assert all(fresh(s).delayed for s in shipments)


def test_checking_shipments_that_need_nothing_costs_the_same_however_many_there_are(store, clock):
    def queries_for(count: int) -> int:
        Order.objects.all().delete()
        for n in range(count):
            ship(place_order(store, number=f"#{n}"), tracking_number=f"JD{n}")
        with CaptureQueriesContext(connection) as queries:
            shipments_check_delays()
        return len(queries)

    assert queries_for(2) == queries_for(6)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_order_being_written_is_skipped_and_checked_on_the_next_run(store):
    with time_machine.travel(MONDAY, tick=False) as clock:
        order = place_order(store)
        shipment = ship(order)
        clock.move_to(MONDAY + 3 * DAY)
        results = []

        def check_elsewhere():
            try:
                results.append(shipments_check_delays())
            finally:
                connections.close_all()

        with transaction.atomic():
            Order.objects.select_for_update().get(pk=order.pk)  # a webhook holds the order
            worker = threading.Thread(target=check_elsewhere)
            worker.start()
            worker.join(timeout=10)

        assert results == [0]
        assert shipments_check_delays() == 1
        assert fresh(shipment).delayed


def test_the_timeline_tells_merchants_about_delays(store, clock):
    shipment = in_transit_since_monday(store, clock)
    clock.move_to(MONDAY + 8 * DAY)
    shipments_check_delays()
    scan(shipment, ShipmentStatus.DELIVERED, MONDAY + 8 * DAY)
    shipments_check_delays()

    told = [describe(e) for e in DomainEvent.objects.filter(kind__startswith="shipment.").exclude(kind__in=SEEN)]

    assert told == [
        "Shipment DHL JD1 delayed: The estimated delivery date has passed.",
        "Shipment DHL JD1 possibly lost: no news from the carrier for 7 days",
        "Shipment DHL JD1 delivered after its delay",
    ]


def test_the_beat_runs_the_check_every_15_minutes(store, clock):
    shipment = ship(place_order(store))
    clock.move_to(MONDAY + 3 * DAY)

    shipments_check_delays_task.delay()

    assert fresh(shipment).delayed
    [entry] = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == shipments_check_delays_task.name]
    assert entry["schedule"] == 15 * 60
