"""A demo store to click through: a branded store (logo, colour, promo banner, FAQ), products,
~300 orders over 120 days in every status a merchant meets — delivered, in transit, out for
delivery, delayed, held by a carrier problem, cancelled, partially shipped, returned — shipments
with checkpoints, one live order whose confirmation the worker sends, and admin logins.

Every date is relative to the run and lies in the past: a journey that would end after now is
squeezed into the time the order has had. Orders are upserted by external id and only a newly
created order is walked through its journey, so a second run (even days later) adds nothing.
"""

import random
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.templatetags.static import static
from django.utils import timezone

from demo.catalogue import BRAND, CARE, CARRIERS, CATALOGUE, CITIES, CUSTOMERS, FAQ, PROMO
from insights.rollup import cohorts_rebuild, rollup_history
from orders import services
from orders.inputs import LineItemInput, MarketingConsent, OrderInput, ShipmentItemInput
from orders.models import ApiKey, Order, OrderSource, OrderStatus, Product, Shipment, ShipmentStatus, Store
from tracking import links
from tracking.models import FaqEntry, TrackingSettings
from tracking.services import shipments_check_delays

SLUG = "demo"
ADMIN = ("admin", "admin")
STAFF = ("merchant", "merchant")
ORDERS = 300
DAYS = 120

JOURNEYS: dict[str, list[str]] = {
    OrderStatus.DELIVERED: [ShipmentStatus.INFO_RECEIVED, ShipmentStatus.IN_TRANSIT, ShipmentStatus.DELIVERED],
    OrderStatus.OUT_FOR_DELIVERY: [
        ShipmentStatus.INFO_RECEIVED,
        ShipmentStatus.IN_TRANSIT,
        ShipmentStatus.OUT_FOR_DELIVERY,
    ],
    OrderStatus.SHIPPED: [ShipmentStatus.INFO_RECEIVED, ShipmentStatus.IN_TRANSIT],
}
MESSAGES: dict[str, str] = {
    ShipmentStatus.INFO_RECEIVED: "Shipping label created",
    ShipmentStatus.IN_TRANSIT: "Departed sorting facility",
    ShipmentStatus.OUT_FOR_DELIVERY: "Out for delivery",
    ShipmentStatus.ATTEMPT_FAIL: "Delivery attempted, nobody home",
    ShipmentStatus.DELIVERED: "Delivered to the front door",
    ShipmentStatus.EXCEPTION: "Held at customs",
}


SHOWCASE = [  # (state, age in days)
    ("exception", 4),
    (OrderStatus.OUT_FOR_DELIVERY, 2),
    (OrderStatus.PARTIALLY_SHIPPED, 2),
    (OrderStatus.SHIPPED, 1),
    (OrderStatus.PLACED, 0),
    (OrderStatus.CANCELLED, 1),
    ("late", 9),  # promised for days ago, last scan before that: the delay check flags it
    (OrderStatus.DELIVERED, 5),
]
LIVE_ORDER = "demo-live"

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

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--orders", type=int, default=ORDERS, help=f"How many orders (default {ORDERS}).")

    def handle(self, *args: Any, orders: int, **options: Any) -> None:
        now = timezone.now()
        with transaction.atomic():
            store = Store.objects.filter(slug=SLUG).first()
            if store is None:
                store = Store(slug=SLUG, **BRAND)
                services.store_save(store=store, actor="seed_demo")
            self._brand(store)
            self._users(store)
            products = self._products(store)
            self._orders(store, products, count=orders, now=now)
        # Late and lost parcels are flagged by the same check the beat runs every 15 minutes.
        shipments_check_delays(now=now)
        self._live_order(store, products, now=now)
        # The admin's home is the dashboard: roll the demo's history up now, not at the nightly run.
        rollup_history(store=store)
        cohorts_rebuild(store=store)
        self._print_links(store)

    def _brand(self, store: Store) -> None:
        """Logo, promo banner and FAQ, so the first tracking page shows what branding does.
        Only what is still empty is filled: a merchant's own changes survive a second run."""
        if not store.logo_url:
            store.logo_url = settings.PUBLIC_BASE_URL + static("demo/acme-logo.svg")
            store.save(update_fields=["logo_url"])
        tracking = TrackingSettings.for_store(store)
        if not tracking.promo_text:
            tracking.promo_text, tracking.promo_url = PROMO
            tracking.save(update_fields=["promo_text", "promo_url"])
        if not FaqEntry.objects.filter(store=store).exists():
            FaqEntry.objects.bulk_create(
                FaqEntry(store=store, locale=locale, question=q, answer=a, position=n)
                for locale, entries in FAQ.items()
                for n, (q, a) in enumerate(entries)
            )

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

    def _orders(self, store: Store, products: list[Product], *, count: int, now: datetime) -> None:
        for n in range(count):
            rnd = random.Random(n)  # one stream per order: the same order every run
            age_days = DAYS - (n * DAYS) // count
            newest = count - 1 - n
            showcase = newest < len(SHOWCASE)
            status, age_days = SHOWCASE[newest] if showcase else (_status_for(n, age_days), age_days)
            placed_at = now - timedelta(days=age_days, hours=rnd.randrange(1, 24), minutes=rnd.randrange(0, 60))
            first, last, country, locale = rnd.choice(CUSTOMERS)
            # A partial shipment needs at least two lines to leave one behind.
            picks = rnd.sample(
                products, rnd.choice([2, 3] if status == OrderStatus.PARTIALLY_SHIPPED else [1, 1, 2, 3])
            )
            data = self._order_input(
                store, n=n, first=first, last=last, country=country, locale=locale, placed_at=placed_at, rnd=rnd
            )
            data = replace(
                data,
                line_items=[
                    LineItemInput(sku=p.sku, title=p.title, quantity=rnd.choice([1, 1, 2]), unit_price=p.price)
                    for p in picks
                ],
            )
            # Seeded orders are history, like an import: no message is ever sent about them, and the delay
            # check leaves them alone. The late showcase order is live, so the real check flags it (and
            # its apology goes out through the worker, like the live order's confirmation).
            source = OrderSource.API if status == "late" else OrderSource.IMPORT
            order, created = services.order_upsert(store=store, data=data, source=source, actor="seed_demo")
            if created:  # an order seeded before keeps whatever happened to it since
                self._journey(order, status, rnd, now=now, extras=not showcase)

    def _order_input(
        self,
        store: Store,
        *,
        n: int,
        first: str,
        last: str,
        country: str,
        locale: str,
        placed_at: datetime,
        rnd: random.Random,
    ) -> OrderInput:
        return OrderInput(
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
            line_items=[],
            # Two customers in three agreed to optional email at checkout (the live order's did).
            marketing_consent=MarketingConsent(email=n % 3 != 1, sms=False),
        )

    def _journey(self, order: Order, status: str, rnd: random.Random, *, now: datetime, extras: bool) -> None:
        if status == OrderStatus.CANCELLED:
            services.order_cancel(order=order, reason="customer changed their mind", actor="seed_demo")
            return
        if status == OrderStatus.PLACED:
            return
        items = list(order.line_items.all())
        carrier = rnd.choice(list(CARRIERS))
        tracking_number = f"{carrier.upper()}{order.external_id.split('-')[1]}{rnd.randrange(1000, 9999)}"
        partial = status == OrderStatus.PARTIALLY_SHIPPED
        # Dispatched a day after the order, or sooner for an order younger than that.
        shipped_at = order.placed_at + min(timedelta(days=1), (now - order.placed_at) / 4)
        shipment, _ = services.shipment_upsert(
            order=order,
            carrier=carrier,
            tracking_number=tracking_number,
            tracking_url=CARRIERS[carrier].format(tracking_number),
            items=[ShipmentItemInput(line_item_id=items[0].pk, quantity=items[0].quantity)] if partial else None,
            shipped_at=shipped_at,
            estimated_delivery=(order.placed_at + timedelta(days=5)).date(),
            actor="seed_demo",
        )
        journey = JOURNEYS.get(status, JOURNEYS[OrderStatus.DELIVERED])
        if partial or status in ("late", "exception"):
            journey = JOURNEYS[OrderStatus.SHIPPED]
        if status == "exception" or (extras and status == OrderStatus.SHIPPED and rnd.random() < 0.3):
            journey = [*journey, ShipmentStatus.EXCEPTION]
        if extras and status == OrderStatus.OUT_FOR_DELIVERY and rnd.random() < 0.3:
            journey = [*journey, ShipmentStatus.ATTEMPT_FAIL]
        for at, step in zip(_scan_times(shipped_at, len(journey), rnd, now=now), journey, strict=True):
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

    def _live_order(self, store: Store, products: list[Product], *, now: datetime) -> None:
        """One order placed now, the way the API places it: its confirmation is scheduled and the
        worker sends it (to the console) a few seconds after `make run` starts."""
        rnd = random.Random(LIVE_ORDER)
        data = self._order_input(
            store, n=9000, first="Ada", last="Lovelace", country="GB", locale="en", placed_at=now, rnd=rnd
        )
        data = replace(
            data,
            number="#9001",
            external_id=LIVE_ORDER,
            line_items=[LineItemInput(sku=p.sku, title=p.title, quantity=1, unit_price=p.price) for p in products[:2]],
        )
        services.order_upsert(store=store, data=data, source=OrderSource.API, actor="seed_demo")

    def _showcase_links(self, store: Store, base: str) -> list[str]:
        """A signed tracking link for each state worth a look."""
        shipments = Shipment.objects.filter(order__store=store).select_related("order").order_by("-order__placed_at")
        picks = [
            ("in transit", shipments.filter(status=ShipmentStatus.IN_TRANSIT, delayed=False).first()),
            ("out for delivery", shipments.filter(status=ShipmentStatus.OUT_FOR_DELIVERY).first()),
            ("delayed", shipments.filter(delayed=True, status=ShipmentStatus.IN_TRANSIT).first()),
            ("carrier problem", shipments.filter(status=ShipmentStatus.EXCEPTION).first()),
            ("delivered", shipments.filter(status=ShipmentStatus.DELIVERED).first()),
        ]
        lines = [f"  Tracking:  {base}/track/   (order number + email), or a signed page:"]
        for label, shipment in picks:
            if shipment is not None:
                order = shipment.order
                lines.append(f"    {label:<17} {base}{links.page_path(links.order_token(order))}   ({order.number})")
        return lines

    def _print_links(self, store: Store) -> None:
        base = settings.PUBLIC_BASE_URL
        counts = dict.fromkeys(OrderStatus.values, 0)
        for status in Order.objects.filter(store=store).values_list("status", flat=True):
            counts[status] += 1
        key_line = "  API key:   run `manage.py create_api_key demo` for one"
        if not ApiKey.objects.filter(store=store, name="demo").exists():
            _key, raw = ApiKey.issue(store=store, name="demo")
            key_line = f"  API key:   {raw}   (shown once)"
        live = Order.objects.filter(store=store, external_id=LIVE_ORDER).first()
        self.stdout.write(
            "\n".join(
                [
                    "",
                    f"Demo store '{store.slug}' ({store.name}): "
                    + ", ".join(f"{n} {s}" for s, n in counts.items() if n),
                    f"  Admin:     {base}/admin/   login {ADMIN[0]} / {ADMIN[1]} (superuser)"
                    f" or {STAFF[0]} / {STAFF[1]} (staff of {store.slug})",
                    f"  Dashboard: {base}/admin/   (the admin's home: figures, charts, CSV)",
                    f"  Orders:    {base}/admin/orders/order/",
                    *self._showcase_links(store, base),
                    f"  Live:      order {live.number} for {live.email}: its confirmation goes out through the worker"
                    if live
                    else "",
                    f"  API docs:  {base}/api/docs/",
                    key_line,
                    "",
                ]
            )
        )


def _scan_times(shipped_at: datetime, steps: int, rnd: random.Random, *, now: datetime) -> list[datetime]:
    """When each checkpoint happened: 6 to 40 hours apart from dispatch on, squeezed evenly into the
    time since dispatch when that would run past now (a demo never shows news from the future)."""
    gaps = [timedelta(hours=rnd.randrange(6, 40)) for _ in range(steps)]
    room = now - timedelta(minutes=5) - shipped_at
    if sum(gaps, timedelta()) > room:
        gaps = [room / (steps + 1)] * steps
    times, at = [], shipped_at
    for gap in gaps:
        at += gap
        times.append(at)
    return times
