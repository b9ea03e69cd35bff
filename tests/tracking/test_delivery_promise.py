"""The delivery promise: the first estimate a customer was shown on each shipment, never overwritten."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from orders import services
from orders.models import Shipment
from tests.orders.factories import place_order
from tests.tracking.carrier_payloads import generic_payload, post_generic
from tests.tracking.page_helpers import page

pytestmark = pytest.mark.django_db

MONDAY = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
NUMBER = "JJD0001112223"


def promise(shipment: Shipment) -> tuple[date | None, date | None]:
    shipment.refresh_from_db()
    return shipment.promised_delivery_from, shipment.promised_delivery_to


@pytest.fixture
def shipped(store) -> Shipment:
    """Shipped on Monday with no carrier date: 2 to 4 business days (the store's default)."""
    with time_machine.travel(MONDAY, tick=False):
        order = place_order(store, placed_at=MONDAY)
        shipment, _ = services.shipment_upsert(order=order, carrier="DHL", tracking_number=NUMBER, shipped_at=MONDAY)
    return shipment


def test_a_new_shipment_keeps_the_estimate_it_was_first_shown_with(shipped):
    assert promise(shipped) == (date(2025, 3, 5), date(2025, 3, 7))
    assert shipped.promised_at == MONDAY


@pytest.mark.usefixtures("carrier_secrets")
def test_a_later_carrier_date_changes_the_estimate_but_never_the_promise(client, store, shipped):
    payload = generic_payload(
        [{"occurred_at": "2025-03-04T08:00:00Z", "status": "in_transit", "message": "Sorted"}],
        tracking_number=NUMBER,
        carrier="DHL",
        estimated_delivery="2025-03-11",
    )

    post_generic(client, store, payload)
    services.shipment_upsert(
        order=shipped.order, carrier="DHL", tracking_number=NUMBER, estimated_delivery=date(2025, 3, 12)
    )

    shipped.refresh_from_db()
    assert shipped.estimated_delivery == date(2025, 3, 12)
    assert promise(shipped) == (date(2025, 3, 5), date(2025, 3, 7))


def test_a_carrier_date_given_at_shipping_is_the_promise(store):
    order = place_order(store)

    shipment, _ = services.shipment_upsert(
        order=order, carrier="DHL", tracking_number=NUMBER, estimated_delivery=date(2026, 11, 20)
    )

    assert promise(shipment) == (date(2026, 11, 20), date(2026, 11, 20))


def test_a_parcel_delivered_when_first_heard_of_was_promised_nothing(store):
    order = place_order(store)

    shipment, _ = services.shipment_upsert(order=order, carrier="DHL", tracking_number=NUMBER, status="delivered")

    assert promise(shipment) == (None, None)


def test_a_shipment_older_than_promises_gets_the_estimate_its_customer_first_sees_on_the_page(client, shipped):
    Shipment.objects.filter(pk=shipped.pk).update(promised_delivery_from=None, promised_delivery_to=None)
    Shipment.objects.filter(pk=shipped.pk).update(estimated_delivery=date(2025, 3, 10))

    page(client, shipped.order)
    Shipment.objects.filter(pk=shipped.pk).update(estimated_delivery=date(2025, 3, 14))
    page(client, shipped.order, lang="de")  # another rendering, with the newer estimate on it

    assert promise(shipped) == (date(2025, 3, 10), date(2025, 3, 10))


def test_the_api_shows_the_promise_next_to_the_latest_estimate(api, shipped):
    response = api.get(f"/api/v1/shipments/{shipped.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert (body["promised_delivery_from"], body["promised_delivery_to"]) == ("2025-03-05", "2025-03-07")
