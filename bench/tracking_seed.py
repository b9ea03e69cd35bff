"""bench/tracking_page.py's data: a branded store, the measured order and a small one, with their
shipments and carrier events, and past orders for recommendations.

Not a benchmark itself; see bench/tracking_page.py.
"""

from datetime import timedelta
from decimal import Decimal

CATALOGUE = [
    ("TEE-1", "Linen tee", "25.00"),
    ("CAP-1", "Wool cap", "19.90"),
    ("SOCK-1", "Alpaca socks", "12.00"),
    ("BELT-1", "Leather belt", "39.00"),
    ("SCARF-1", "Silk scarf", "45.00"),
]
CHECKPOINTS = [
    ("in_transit", "Arrived at the sorting centre", "Leipzig"),
    ("in_transit", "Departed the sorting centre", "Leipzig"),
    ("in_transit", "Arrived at the delivery depot", "Berlin"),
]


def seed(shipments: int, events: int) -> dict[str, object]:
    """The measured order (shipments x events), a small one (1 x 2), and history for recommendations."""
    from django.utils import timezone

    from orders.inputs import LineItemInput, OrderInput, ShipmentItemInput
    from orders.models import OrderSource, Store
    from orders.services import order_upsert, shipment_upsert, tracking_event_add

    store = Store.objects.create(
        slug="acme",
        name="Acme Outfitters",
        currency="EUR",
        primary_color="#0b5394",
        support_email="help@acme.example",
    )

    def place(number: str, email: str, skus: list[str], quantity: int = 1):
        items = [
            LineItemInput(sku=sku, title=title, quantity=quantity, unit_price=Decimal(price))
            for sku, title, price in CATALOGUE
            if sku in skus
        ]
        data = OrderInput(
            number=number,
            external_id=number,
            email=email,
            currency="EUR",
            first_name="Ada",
            last_name="Lovelace",
            shipping_address={"name": "Ada Lovelace", "line1": "1 Analytical St", "city": "Berlin", "country": "DE"},
            line_items=items,
        )
        order, _ = order_upsert(store=store, data=data, source=OrderSource.API)
        return order

    for n in range(20):  # bought together with what the measured order holds
        place(f"#{900 + n}", f"past{n}@example.com", ["TEE-1", "CAP-1", "SOCK-1"] if n % 2 else ["TEE-1", "BELT-1"])

    def ship(order, count: int, per_shipment: int) -> None:
        now = timezone.now()
        line_items = list(order.line_items.all())
        for s in range(count):
            items = [ShipmentItemInput(line_item_id=line_items[s % len(line_items)].pk, quantity=1)]
            shipment, _ = shipment_upsert(
                order=order, carrier="DHL", tracking_number=f"JD{order.pk:04}{s:04}", items=items
            )
            start = now - timedelta(days=3, hours=s)
            tracking_event_add(
                shipment=shipment,
                occurred_at=start,
                status="info_received",
                message="Shipment information received",
                location="Hamburg",
            )
            for e in range(1, per_shipment):
                status, message, location = CHECKPOINTS[e % len(CHECKPOINTS)]
                tracking_event_add(
                    shipment=shipment,
                    occurred_at=start + timedelta(minutes=90 * e),
                    status=status,
                    message=f"{message} ({e})",
                    location=location,
                )

    # Up to three line items, enough of each that every shipment takes one.
    big = place("#1042", "ada@example.com", ["TEE-1", "SCARF-1", "BELT-1"][: min(shipments, 3)], quantity=shipments)
    ship(big, shipments, events)
    small = place("#1043", "grace@example.com", ["TEE-1"])
    ship(small, 1, 2)
    return {"big": big, "small": small}
