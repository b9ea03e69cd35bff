"""A parcel the carrier reports a problem with (customs, damage, a bad address) gets a banner that says
what happened and what the customer can do, instead of reading like normal progress."""

from datetime import timedelta

import pytest

from orders import services
from orders.models import ShipmentStatus
from tests.orders.factories import place_order
from tests.tracking.page_helpers import SCANNED, page, ship

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


def held_at_customs(order):
    shipment = ship(order, events=2)
    services.tracking_event_add(
        shipment=shipment,
        occurred_at=SCANNED + timedelta(days=1),
        status=ShipmentStatus.EXCEPTION,
        message="Held at customs",
        location="Frankfurt, DE",
    )
    return shipment


def test_a_parcel_held_at_customs_shows_a_problem_banner_with_what_to_do(client, store):
    store.support_email = "help@acme.example"
    store.save()
    order = place_order(store)
    held_at_customs(order)

    html = page(client, order).content.decode()

    assert "There is a problem with your delivery" in html
    assert "DHL reported: “Held at customs”." in html
    assert "What you can do" in html
    assert 'href="mailto:help@acme.example"' in html
    assert "Estimated delivery" not in html
    assert "We will show a new delivery estimate once the problem is solved." in html


def test_a_parcel_moving_normally_shows_no_problem_banner(client, store):
    order = place_order(store)
    ship(order, events=2)

    html = page(client, order).content.decode()

    assert "There is a problem with your delivery" not in html


def test_the_banner_goes_once_the_parcel_moves_again(client, store):
    order = place_order(store)
    shipment = held_at_customs(order)
    services.tracking_event_add(
        shipment=shipment,
        occurred_at=SCANNED + timedelta(days=2),
        status=ShipmentStatus.IN_TRANSIT,
        message="Released by customs",
    )

    html = page(client, order).content.decode()

    assert "There is a problem with your delivery" not in html


@pytest.mark.parametrize(
    ("lang", "heading", "reported"),
    [
        ("de", "Es gibt ein Problem mit deiner Lieferung", "DHL meldet: „Held at customs“."),
        ("fr", "Un problème est survenu avec votre livraison", "DHL signale : « Held at customs »."),
        ("es", "Hay un problema con tu entrega", "DHL informa: «Held at customs»."),
    ],
)
def test_the_problem_banner_speaks_every_language(client, store, lang, heading, reported):
    order = place_order(store)
    held_at_customs(order)

    html = page(client, order, lang=lang).content.decode()

    assert heading in html
    assert reported in html
