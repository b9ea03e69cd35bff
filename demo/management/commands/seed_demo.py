"""A demo store to click through: products, ~300 orders over 120 days in every status, shipments
with checkpoints, and admin logins. Idempotent: every date is relative to the store's creation,
orders are upserted by external id, and only a newly created order is walked through its
journey, so a second run (even days later) adds nothing.
"""

import random
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand
from django.db import transaction

from orders import services
from orders.inputs import LineItemInput, OrderInput, ShipmentItemInput
from orders.models import ApiKey, Order, OrderSource, OrderStatus, Product, ShipmentStatus, Store

SLUG = "demo"
ADMIN = ("admin", "admin")
STAFF = ("merchant", "merchant")
ORDERS = 300
DAYS = 120

CATALOGUE = {
    "Tees": ("Linen tee", "Organic cotton tee", "Merino tee", "Striped tee", "Pocket tee", "Boxy tee"),
    "Knitwear": ("Wool jumper", "Cashmere scarf", "Cable-knit cardigan", "Wool beanie", "Alpaca socks"),
    "Outerwear": ("Waxed jacket", "Down vest", "Rain shell", "Denim jacket", "Field coat"),
    "Trousers": ("Chino", "Selvedge jeans", "Cord trousers", "Linen shorts", "Cargo trousers"),
    "Footwear": ("Leather boots", "Canvas sneakers", "Suede loafers", "Trail runners", "Wool slippers"),
    "Accessories": ("Leather belt", "Canvas tote", "Wool cap", "Sunglasses", "Card wallet", "Enamel mug"),
    "Home": ("Linen napkins", "Wool throw", "Candle", "Ceramic vase", "Cotton towel", "Soap bar", "Notebook"),
}
CARE = {
    "Tees": "Wash at 30°C inside out; dry flat to keep the shape.",
    "Knitwear": "Hand wash cold with wool detergent; never tumble dry; store folded.",
    "Outerwear": "Spot clean; re-wax once a season to stay waterproof.",
    "Trousers": "Wash inside out at 30°C; wash raw denim as rarely as you can.",
    "Footwear": "Brush off dirt, condition leather monthly, dry away from heat.",
    "Accessories": "Wipe with a damp cloth; keep leather away from direct sun.",
    "Home": "See the label; linen softens with every wash.",
}
CUSTOMERS = [
    ("Ada", "Lovelace", "GB", "en"),
    ("Grace", "Hopper", "US", "en"),
    ("Jean", "Dupont", "FR", "fr"),
    ("Lena", "Schmidt", "DE", "de"),
    ("Lucía", "García", "ES", "es"),
    ("Alan", "Turing", "GB", "en"),
    ("Katherine", "Johnson", "US", "en"),
    ("Marie", "Curie", "FR", "fr"),
    ("Emmy", "Noether", "DE", "de"),
    ("Carmen", "Martín", "ES", "es"),
    ("Hedy", "Lamarr", "US", "en"),
    ("Dorothy", "Vaughan", "US", "en"),
]
CITIES = {"GB": "London", "US": "Portland", "FR": "Lyon", "DE": "Leipzig", "ES": "Valencia"}
CARRIERS = {
    "dhl": "https://www.dhl.com/track?tracking-id={}",
    "ups": "https://www.ups.com/track?tracknum={}",
    "usps": "https://tools.usps.com/go/TrackConfirmAction?tLabels={}",
}
# The order statuses the demo shows, by age: old orders are done, recent ones still moving.
JOURNEYS = {
    OrderStatus.DELIVERED: [ShipmentStatus.INFO_RECEIVED, ShipmentStatus.IN_TRANSIT, ShipmentStatus.DELIVERED],
    OrderStatus.OUT_FOR_DELIVERY: [
        ShipmentStatus.INFO_RECEIVED,
        ShipmentStatus.IN_TRANSIT,
        ShipmentStatus.OUT_FOR_DELIVERY,
    ],
    OrderStatus.SHIPPED: [ShipmentStatus.INFO_RECEIVED, ShipmentStatus.IN_TRANSIT],
}
MESSAGES = {
    ShipmentStatus.INFO_RECEIVED: "Shipping label created",
    ShipmentStatus.IN_TRANSIT: "Departed sorting facility",
    ShipmentStatus.OUT_FOR_DELIVERY: "Out for delivery",
    ShipmentStatus.ATTEMPT_FAIL: "Delivery attempted, nobody home",
    ShipmentStatus.DELIVERED: "Delivered to the front door",
    ShipmentStatus.EXCEPTION: "Held at customs",
}


RECENT = [
    OrderStatus.PLACED,
    OrderStatus.PARTIALLY_SHIPPED,
    OrderStatus.SHIPPED,
    OrderStatus.OUT_FOR_DELIVERY,
    OrderStatus.DELIVERED,
]


def _status_for(n: int, age_days: int) -> str:
    """Where order n stands: recent orders cycle through the open statuses, older ones are
    mostly delivered, with a steady share of cancellations and returns, so every status shows."""
    if age_days <= 10:
        return RECENT[n % len(RECENT)]
    if n % 25 == 3:
        return OrderStatus.CANCELLED
    if age_days > 30 and n % 25 == 7:
        return OrderStatus.RETURNED
    if age_days > 30 and n % 25 == 11:
        return OrderStatus.PARTIALLY_RETURNED
    return OrderStatus.SHIPPED if age_days <= 14 and n % 3 == 0 else OrderStatus.DELIVERED


class Command(BaseCommand):
    help = "Create (or refresh) the demo store 'demo' with orders, shipments and admin logins."

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=ORDERS, help=f"How many orders (default {ORDERS}).")

    def handle(self, *args, orders: int, **options):
        with transaction.atomic():
            store, _ = Store.objects.get_or_create(
                slug=SLUG,
                defaults={
                    "name": "Acme Outfitters",
                    "currency": "EUR",
                    "timezone": "Europe/Berlin",
                    "support_email": "help@acme.example",
                    "primary_color": "#0f766e",
                    "shopify_secret": "demo-shopify-secret",
                },
            )
            self._users(store)
            products = self._products(store)
            self._orders(store, products, count=orders)
        self._print_links(store)

    def _users(self, store: Store) -> None:
        users = get_user_model()
        if not users.objects.filter(username=ADMIN[0]).exists():
            users.objects.create_superuser(ADMIN[0], "admin@acme.example", ADMIN[1])
        staff, created = users.objects.get_or_create(username=STAFF[0], defaults={"is_staff": True})
        if created:
            staff.set_password(STAFF[1])
            staff.save()
            staff.user_permissions.set(Permission.objects.filter(content_type__app_label="orders"))
        store.staff.add(staff)

    def _products(self, store: Store) -> list[Product]:
        rnd = random.Random(7)
        products = []
        for category, titles in CATALOGUE.items():
            for n, title in enumerate(titles):
                sku = f"{category[:3].upper()}-{n + 1:02d}"
                product, _ = Product.objects.update_or_create(
                    store=store,
                    sku=sku,
                    defaults={
                        "title": title,
                        "category": category,
                        "price": Decimal(rnd.randrange(12, 240)) - Decimal("0.10"),
                        "url": f"https://acme.example/products/{sku.lower()}",
                        "care_instructions": CARE[category],
                        "returnable": category != "Home",
                    },
                )
                products.append(product)
        return products

    def _orders(self, store: Store, products: list[Product], *, count: int) -> None:
        anchor = store.created_at
        for n in range(count):
            rnd = random.Random(n)  # one stream per order: the same order every run
            age_days = DAYS - (n * DAYS) // count
            placed_at = anchor - timedelta(days=age_days, hours=rnd.randrange(0, 24), minutes=rnd.randrange(0, 60))
            status = _status_for(n, age_days)
            first, last, country, locale = rnd.choice(CUSTOMERS)
            # A partial shipment needs at least two lines to leave one behind.
            picks = rnd.sample(
                products, rnd.choice([2, 3] if status == OrderStatus.PARTIALLY_SHIPPED else [1, 1, 2, 3])
            )
            data = OrderInput(
                number=f"#{1001 + n}",
                external_id=f"demo-{1001 + n}",
                email=f"{first}.{last}@example.com".lower().replace("í", "i"),
                currency=store.currency,
                placed_at=placed_at,
                first_name=first,
                last_name=last,
                locale=locale,
                shipping_total=Decimal("4.90"),
                shipping_address={
                    "name": f"{first} {last}",
                    "line1": f"{rnd.randrange(1, 200)} Market Street",
                    "city": CITIES[country],
                    "country": country,
                },
                line_items=[
                    LineItemInput(sku=p.sku, title=p.title, quantity=rnd.choice([1, 1, 2]), unit_price=p.price)
                    for p in picks
                ],
            )
            # Seeded orders are history, like an import: no message is ever sent about them.
            order, created = services.order_upsert(store=store, data=data, source=OrderSource.IMPORT, actor="seed_demo")
            if created:  # an order seeded before keeps whatever happened to it since
                self._journey(order, status, rnd)

    def _journey(self, order: Order, status: str, rnd: random.Random) -> None:
        if status == OrderStatus.CANCELLED:
            services.order_cancel(order=order, reason="customer changed their mind", actor="seed_demo")
            return
        if status == OrderStatus.PLACED:
            return
        items = list(order.line_items.all())
        carrier = rnd.choice(list(CARRIERS))
        tracking_number = f"{carrier.upper()}{order.external_id.split('-')[1]}{rnd.randrange(1000, 9999)}"
        partial = status == OrderStatus.PARTIALLY_SHIPPED
        shipment, _ = services.shipment_upsert(
            order=order,
            carrier=carrier,
            tracking_number=tracking_number,
            tracking_url=CARRIERS[carrier].format(tracking_number),
            items=[ShipmentItemInput(line_item_id=items[0].pk, quantity=items[0].quantity)] if partial else None,
            shipped_at=order.placed_at + timedelta(days=1),
            estimated_delivery=(order.placed_at + timedelta(days=5)).date(),
            actor="seed_demo",
        )
        journey = JOURNEYS.get(status, JOURNEYS[OrderStatus.DELIVERED])
        if partial:
            journey = JOURNEYS[OrderStatus.SHIPPED]
        if status == OrderStatus.SHIPPED and rnd.random() < 0.3:
            journey = [*journey, ShipmentStatus.EXCEPTION]
        if status == OrderStatus.OUT_FOR_DELIVERY and rnd.random() < 0.3:
            journey = [*journey, ShipmentStatus.ATTEMPT_FAIL]
        at = order.placed_at + timedelta(days=1)
        for step in journey:
            at += timedelta(hours=rnd.randrange(6, 40))
            services.tracking_event_add(
                shipment=shipment,
                occurred_at=at,
                status=step,
                message=MESSAGES[step],
                location=order.shipping_address.get("city", ""),
                actor="seed_demo",
            )
        if status in (OrderStatus.RETURNED, OrderStatus.PARTIALLY_RETURNED):
            services.order_status_advance(order=order, status=status, actor="seed_demo")

    def _tracking_line(self, store: Store, base: str) -> str:
        order = (
            Order.objects.filter(store=store, status__in=[OrderStatus.SHIPPED, OrderStatus.OUT_FOR_DELIVERY])
            .order_by("-placed_at")
            .first()
        )
        if order is None:
            return f"  Tracking:  {base}/track/?store={store.slug}"
        return f"  Tracking:  {base}/track/?store={store.slug}   order {order.number}, email {order.email}"

    def _print_links(self, store: Store) -> None:
        base = settings.PUBLIC_BASE_URL
        counts = dict.fromkeys(OrderStatus.values, 0)
        for status in Order.objects.filter(store=store).values_list("status", flat=True):
            counts[status] += 1
        key_line = "  API key:   run `manage.py create_api_key demo` for one"
        if not ApiKey.objects.filter(store=store, name="demo").exists():
            _key, raw = ApiKey.issue(store=store, name="demo")
            key_line = f"  API key:   {raw}   (shown once)"
        self.stdout.write(
            "\n".join(
                [
                    "",
                    f"Demo store '{store.slug}' ({store.name}): "
                    + ", ".join(f"{n} {s}" for s, n in counts.items() if n),
                    f"  Admin:     {base}/admin/   login {ADMIN[0]} / {ADMIN[1]} (superuser)"
                    f" or {STAFF[0]} / {STAFF[1]} (staff of {store.slug})",
                    f"  Orders:    {base}/admin/orders/order/",
                    self._tracking_line(store, base),
                    f"  API docs:  {base}/api/docs/",
                    key_line,
                    "",
                ]
            )
        )
