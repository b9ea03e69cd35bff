"""Choices when a parcel is late, driven by carrier scans and the delay check: offered once the
delay passes the store's threshold, "wait" gets the episode's one apology unless the delay gave it
already, "reship" opens an auto-approved claim, and the parcel arriving closes the offer and calls
off the reship."""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail

from loyalty.models import EntryKind, PointsEntry
from loyalty.programme import programme_for
from notifications.models import Message, MessageState
from notifications.services import messages_dispatch_due
from orders import services
from orders.models import DomainEvent, Shipment, ShipmentStatus
from returns.claims.messages import LATE_CHOICES
from returns.claims.models import LateOffer
from returns.models import ReturnRequest, ReturnStatus
from tests.loyalty.factories import account
from tests.orders.factories import place_order
from tests.returns.factories import policy
from tracking.services import shipments_check_delays

pytestmark = pytest.mark.django_db

MONDAY = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)
SUBJECT = "Your parcel from order #1001 is late: what would you like to do?"


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def late(store, clock, deliver):
    return _ship_late(store, clock, deliver)


def _ship_late(store, clock, deliver) -> Shipment:
    """Shipped Monday, promised for Wednesday, scanned Tuesday, still on its way Thursday night."""
    store.timezone = "UTC"
    store.save()
    order = place_order(store, number="#1001")
    shipment, _ = services.shipment_upsert(
        order=order, carrier="dhl", tracking_number="JD1", estimated_delivery=date(2025, 3, 5)
    )
    clock.move_to(MONDAY + DAY)
    services.tracking_event_add(shipment=shipment, occurred_at=MONDAY + DAY, status=ShipmentStatus.IN_TRANSIT)
    clock.move_to(datetime(2025, 3, 6, 0, 30, tzinfo=UTC))
    deliver(shipments_check_delays)
    mail.outbox = []
    return Shipment.objects.get(pk=shipment.pk)


def _choices_link(clock) -> str:
    clock.move_to(datetime(2025, 3, 11, 9, 0, tzinfo=UTC))
    messages_dispatch_due()
    [email] = [m for m in mail.outbox if m.subject == SUBJECT]
    return re.search(r"http\S+/returns/late/\S+/", email.body).group(0).removeprefix("http://127.0.0.1:8000")


def test_the_choices_go_out_once_the_delay_passes_three_business_days(late, clock):
    clock.move_to(datetime(2025, 3, 10, 23, 0, tzinfo=UTC))  # Monday: Thu, Fri, Mon have not all passed
    messages_dispatch_due()
    assert [m.subject for m in mail.outbox if m.subject == SUBJECT] == []

    assert _choices_link(clock).startswith("/returns/late/")


def test_a_customer_apologised_to_for_the_delay_who_keeps_waiting_is_credited_once(late, clock, client):
    apologies = PointsEntry.objects.filter(kind=EntryKind.APOLOGY)
    # The delay check that made it late apologised already (the programme's default 100 points).
    assert [(e.points, e.key) for e in apologies] == [(100, f"apology:shipment:{late.pk}:1")]
    link = _choices_link(clock)

    for _ in range(2):
        response = client.post(link, {"choice": "wait"}, follow=True)

    assert "Thank you for your patience" in response.content.decode()
    assert [(e.points, e.key) for e in apologies.all()] == [(100, f"apology:shipment:{late.pk}:1")]
    assert account(late.order.customer).available == 100
    chosen = DomainEvent.objects.filter(kind="late_parcel.chosen", order=late.order)
    assert chosen.count() == 2  # both choices are on the timeline; the points only once


def test_waiting_gives_the_episodes_apology_once_when_the_delay_gave_none(store, clock, deliver, client):
    programme = programme_for(store)
    programme.enabled = False  # loyalty was off when the parcel became late
    programme.save()
    late = _ship_late(store, clock, deliver)
    programme.enabled, programme.apology_points = True, 120
    programme.save()
    link = _choices_link(clock)

    for _ in range(2):
        client.post(link, {"choice": "wait"}, follow=True)

    thanks = PointsEntry.objects.filter(kind=EntryKind.APOLOGY)
    assert [(e.points, e.key) for e in thanks] == [(120, f"apology:shipment:{late.pk}:1")]
    assert thanks.get().reason == "Thank you for waiting for a late parcel of #1001"
    assert account(late.order.customer).available == 120


def test_asking_for_a_reship_opens_an_auto_approved_claim_and_the_parcel_arriving_calls_it_off(late, clock, client):
    policy(late.store, auto_approve_below=Decimal("200.00"))
    link = _choices_link(clock)

    page = client.post(link, {"choice": "reship"}, follow=True).content.decode()

    claim = ReturnRequest.objects.get(order=late.order, kind="claim")
    reship = claim.reship.shipment
    assert (claim.status, claim.problem) == (ReturnStatus.RESHIPPED, "not_received")
    assert claim.number in page
    assert reship.status == ShipmentStatus.PENDING

    clock.move_to(datetime(2025, 3, 12, 8, 0, tzinfo=UTC))
    services.tracking_event_add(shipment=late, occurred_at=clock_now(), status=ShipmentStatus.DELIVERED)

    claim.refresh_from_db()
    assert claim.status == ReturnStatus.CANCELLED
    assert not Shipment.objects.filter(pk=reship.pk).exists()
    assert LateOffer.objects.get(shipment=late).closed_at is not None
    assert "It arrived — nothing to do" in client.get(link).content.decode()
    assert DomainEvent.objects.filter(kind="claim.cancelled", order=late.order).count() == 1


def test_a_parcel_that_arrives_before_the_threshold_cancels_the_choices(late, clock):
    clock.move_to(datetime(2025, 3, 7, 9, 0, tzinfo=UTC))
    services.tracking_event_add(shipment=late, occurred_at=clock_now(), status=ShipmentStatus.DELIVERED)

    clock.move_to(datetime(2025, 3, 11, 9, 0, tzinfo=UTC))
    messages_dispatch_due()

    [message] = Message.objects.filter(kind=LATE_CHOICES)
    assert message.state == MessageState.CANCELLED
    assert [m for m in mail.outbox if m.subject == SUBJECT] == []


def clock_now() -> datetime:
    from django.utils import timezone

    return timezone.now()
