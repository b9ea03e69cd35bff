"""Points for moments: an apology when a parcel is late (once per delay episode) and a thank-you
for a published review (once per review)."""

from datetime import UTC, datetime, timedelta

import time_machine

from loyalty.models import EntryKind, PointsEntry
from loyalty.programme import programme_for
from orders import services
from orders.events import event_record
from orders.models import ShipmentStatus
from tests.loyalty.factories import account
from tests.orders.factories import place_order
from tracking.services import shipments_check_delays

MONDAY = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def test_a_delayed_parcel_gives_apology_points_once_per_episode(store):
    programme = programme_for(store)
    programme.apology_points = 150
    programme.save()
    with time_machine.travel(MONDAY, tick=False) as clock:
        order = place_order(store)
        shipment, _ = services.shipment_upsert(order=order, carrier="dhl", tracking_number="JD1")
        services.tracking_event_add(
            shipment=shipment, occurred_at=MONDAY, status=ShipmentStatus.IN_TRANSIT, message="in transit"
        )

        # Silent for three days: delayed; the check runs again and again.
        for hours in (2, 3, 4):
            clock.move_to(MONDAY + 3 * DAY + timedelta(hours=hours))
            shipments_check_delays()
        assert account(order.customer).available == 150

        # It moves again, then goes silent once more: a second episode, a second apology.
        services.tracking_event_add(
            shipment=shipment, occurred_at=MONDAY + 4 * DAY, status=ShipmentStatus.IN_TRANSIT, message="hub"
        )
        clock.move_to(MONDAY + 4 * DAY + timedelta(hours=1))
        shipments_check_delays()
        clock.move_to(MONDAY + 7 * DAY + timedelta(hours=2))
        shipments_check_delays()
        shipments_check_delays()

    assert PointsEntry.objects.filter(kind=EntryKind.APOLOGY).count() == 2
    assert account(order.customer).available == 300


def test_a_published_review_earns_points_once(store):
    order = place_order(store)

    for _ in range(2):
        event_record(kind="review.published", store=store, order=order, data={"review_id": 7, "rating": 5})

    entry = PointsEntry.objects.get(kind=EntryKind.BONUS)
    assert (entry.points, entry.source, entry.source_ref) == (50, "review", "7")
    assert account(order.customer).available == 50
