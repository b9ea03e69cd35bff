"""bench/outbox.py's data: the store, orders and due messages it delivers, and putting them back.

Not a benchmark itself; see bench/outbox.py.
"""

from datetime import timedelta
from decimal import Decimal

from common import FIRST, LAST, raw_connect

PER_ORDER = 10
ITEMS = [("TEE-1", "Linen tee", "25.00"), ("CAP-1", "Wool cap", "19.90"), ("SOCK-1", "Alpaca socks", "12.00")]


def setup_rows(messages: int, warm_up: int) -> tuple[list[int], list[int]]:
    """The store, orders, line items and due messages. Returns (measured ids, warm-up ids)."""
    from django.utils import timezone

    from notifications.flows import messaging_for
    from notifications.kinds import ORDER_CONFIRMATION
    from notifications.models import Channel, Message, MessageState
    from orders.models import Customer, LineItem, Order, Store

    store = Store.objects.create(slug="bench", name="Bench Outfitters", currency="EUR", support_email="help@bench.test")
    messaging_for(store)
    orders_needed = -(-(messages + warm_up) // PER_ORDER)
    now = timezone.now()
    customers = Customer.objects.bulk_create(
        [
            Customer(
                store=store,
                email=f"customer{n}@example.com",
                first_name=FIRST[n % 10],
                last_name=LAST[(n // 10) % 10],
                locale="en",
            )
            for n in range(orders_needed)
        ],
        batch_size=2000,
    )
    orders = Order.objects.bulk_create(
        [
            Order(
                store=store,
                number=f"#{100000 + n}",
                customer=c,
                email=c.email,
                currency="EUR",
                subtotal=Decimal("69.90"),
                shipping_total=Decimal("4.90"),
                tax_total=Decimal("0"),
                discount_total=Decimal("0"),
                total=Decimal("74.80"),
                shipping_address={"name": c.full_name, "line1": f"{n} Main St", "city": "Berlin", "country": "DE"},
                placed_at=now - timedelta(minutes=5),
            )
            for n, c in enumerate(customers)
        ],
        batch_size=2000,
    )
    LineItem.objects.bulk_create(
        [
            LineItem(order=o, sku=sku, title=title, quantity=1 + i % 2, unit_price=Decimal(price))
            for n, o in enumerate(orders)
            for i, (sku, title, price) in enumerate(ITEMS[: 2 + n % 2])
        ],
        batch_size=5000,
    )
    rows = []
    for n in range(messages + warm_up):
        order = orders[n // PER_ORDER]
        warm = n < warm_up
        rows.append(
            Message(
                store=store,
                customer_id=order.customer_id,
                order=order,
                kind=ORDER_CONFIRMATION,
                channel=Channel.EMAIL,
                recipient=order.email,
                transactional=True,
                # Warm-up rows first: the dispatcher takes the oldest due rows first.
                send_at=now - timedelta(minutes=2 if warm else 1),
                dedupe_key=f"bench:{'warm' if warm else 'run'}:{n}",
                state=MessageState.SCHEDULED,
            )
        )
    created = Message.objects.bulk_create(rows, batch_size=5000)
    ids = [m.pk for m in created]
    return ids[warm_up:], ids[:warm_up]


def reset(ids: list[int], *, send_at=None, spread: timedelta | None = None) -> None:
    """Put `ids` back to scheduled and due (or due over `spread` from `send_at`), then VACUUM so
    every run starts from the same table, not from one full of dead row versions."""
    from django.db import connection
    from django.utils import timezone

    send_at = send_at or timezone.now() - timedelta(minutes=1)
    step = (spread / len(ids)).total_seconds() if spread else 0
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE notifications_message m SET state = 'scheduled', sent_at = NULL, attempts = 0, reason = '', "
            "lease_expires_at = NULL, provider_called_at = NULL, provider_message_id = '', "
            "send_at = %s + make_interval(secs => %s * (t.n - 1)) "
            "FROM unnest(%s::bigint[]) WITH ORDINALITY AS t(id, n) WHERE m.id = t.id",
            [send_at, step, ids],
        )
        cursor.execute("DELETE FROM orders_domainevent WHERE kind LIKE 'message.%%'")
    connection.close()
    vacuum()


def vacuum() -> None:
    with raw_connect(autocommit=True) as c:
        c.execute("VACUUM ANALYZE notifications_message")
        c.execute("VACUUM ANALYZE orders_domainevent")


def count_sent(ids: list[int]) -> int:
    from notifications.models import Message, MessageState

    return Message.objects.filter(pk__in=ids, state=MessageState.SENT).count()


def cancel(ids: list[int]) -> None:
    """Take `ids` out of what is due (kept for a later run)."""
    from notifications.models import Message

    Message.objects.filter(pk__in=ids).update(state="cancelled")
