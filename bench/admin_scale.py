"""Does the merchant admin cost the same at 1,000,000 orders as at 10,000?

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_admin .venv/bin/python bench/admin_scale.py

DATABASE_URL names a scratch database; it is created afresh (dropped first if a previous run left
it, through the server's `postgres` database), migrated, and dropped at the end unless --keep.

1. One store (Europe/Berlin) and its staff user (not a superuser), as a merchant with a big shop.
2. --small orders (10,000), written with COPY: a customer per three orders, one line item and one
   delivered shipment (with a promise and a tracking number) per order, placed evenly over the
   last --days days (365). The dashboard's rollup (insights.rollup) for every day, and cohorts.
3. Measure, in process through Django's test client signed in as that staff user, the best of
   --repeat requests after a warm-up (the least disturbed by a shared machine's load): the dashboard for the last 90 days (with the previous 90
   to compare), the order changelist, and a search by exact email, order number, platform id and
   tracking number; and a "contains" search (it scans by design: printed, no goal).
4. COPY more orders up to --large (1,000,000), ANALYZE, roll the days up again, measure again.
5. Print each time at both sizes and the ratio large/small (goals: changelist and searches
   <= 1.1, dashboard <= 1.2).

Not part of the test run; see bench/README.md ("admin_scale.py").
"""

import io
import os
import time
from datetime import UTC, datetime, timedelta

from common import parse_with_keep, parser_for, raw_connect, scratch_config, scratch_database, setup_django

GOALS = {"dashboard": 1.2}
DEFAULT_GOAL = 1.1
NO_GOAL = {"search: contains (scans)"}


def _copy(conn, table: str, columns: list[str], rows) -> None:
    """COPY `rows` (tuples of text) into `table`, in chunks, through one COPY statement."""
    with conn.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def seed_orders(store_id: int, first: int, last: int, *, days: int, now: datetime) -> None:
    """Orders first..last (their ids too), each with a line item and a delivered shipment."""
    address = '{"name": "Ada Lovelace", "line1": "1 Analytical St", "city": "Berlin", "country": "DE"}'
    span = timedelta(days=days).total_seconds()
    total = max(last, 1)
    # Order n belongs to customer n // 3 + 1; a later batch starts after the earlier one's last.
    customers_first, customers_last = ((first - 1) // 3 + 2 if first > 1 else 1), last // 3 + 1

    def placed(n: int) -> datetime:
        # Evenly over the window whatever the size, so each size has orders on every day.
        return now - timedelta(seconds=span * (1 - (n - 0.5) / total))

    with raw_connect() as conn:
        _copy(
            conn,
            "orders_customer",
            [
                "id",
                "store_id",
                "email",
                "phone",
                "first_name",
                "last_name",
                "locale",
                "timezone",
                "tags",
                "external_id",
                "created_at",
                "updated_at",
            ],
            (
                (c, store_id, f"c{c}@example.com", "", "Ada", "Lovelace", "", "", "[]", "", now, now)
                for c in range(customers_first, customers_last + 1)
            ),
        )
        _copy(
            conn,
            "orders_order",
            [
                "id",
                "store_id",
                "number",
                "external_id",
                "customer_id",
                "email",
                "phone",
                "currency",
                "subtotal",
                "shipping_total",
                "tax_total",
                "discount_total",
                "total",
                "shipping_address",
                "billing_address",
                "shipping_method",
                "placed_at",
                "status",
                "locale",
                "source",
                "created_at",
                "updated_at",
            ],
            (
                (
                    n,
                    store_id,
                    f"#{n}",
                    f"shop-{n}",
                    n // 3 + 1,
                    f"c{n // 3 + 1}@example.com",
                    "",
                    "EUR",
                    "40.00",
                    "0.00",
                    "0.00",
                    "0.00",
                    "40.00",
                    address,
                    address,
                    "standard",
                    placed(n),
                    "delivered",
                    "",
                    "import",
                    now,
                    now,
                )
                for n in range(first, last + 1)
            ),
        )
        _copy(
            conn,
            "orders_lineitem",
            ["id", "order_id", "sku", "title", "quantity", "unit_price", "external_id"],
            ((n, n, "TEE-1", "Linen tee", 2, "20.00", "") for n in range(first, last + 1)),
        )
        _copy(
            conn,
            "orders_shipment",
            [
                "id",
                "store_id",
                "order_id",
                "carrier",
                "tracking_number",
                "tracking_url",
                "status",
                "direction",
                "delayed",
                "delay_reason",
                "delay_episode",
                "possibly_lost",
                "promised_delivery_from",
                "promised_delivery_to",
                "shipped_at",
                "delivered_at",
                "external_id",
                "created_at",
                "updated_at",
            ],
            (
                (
                    n,
                    store_id,
                    n,
                    "dhl",
                    f"JD{n:012d}",
                    "",
                    "delivered",
                    "outbound",
                    False,
                    "",
                    0,
                    False,
                    (placed(n) + timedelta(days=3)).date(),
                    (placed(n) + timedelta(days=3)).date(),
                    placed(n) + timedelta(days=1),
                    placed(n) + timedelta(days=3 + n % 2),
                    "",
                    now,
                    now,
                )
                for n in range(first, last + 1)
            ),
        )
        for table in ("orders_customer", "orders_order", "orders_lineitem", "orders_shipment"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.commit()
    with raw_connect(autocommit=True) as conn:
        conn.execute("ANALYZE")


def measure(client, store, repeat: int, size: int) -> dict[str, float]:
    """The best of `repeat` timings of each admin request (seconds), after a warm-up request each:
    on a shared, loaded machine the fastest run is the one least disturbed by other work."""
    from insights.rollup import local_today

    today = local_today(store)
    n = max(size // 2, 1)  # an order from the middle of the history
    requests = {
        "dashboard": (
            "/admin/",
            {"store": store.pk, "start": (today - timedelta(days=89)).isoformat(), "end": today.isoformat()},
        ),
        "changelist": ("/admin/orders/order/", {}),
        "search: exact email": ("/admin/orders/order/", {"q": f"c{n // 3 + 1}@example.com"}),
        "search: order number": ("/admin/orders/order/", {"q": str(n)}),
        "search: platform id": ("/admin/orders/order/", {"q": f"shop-{n}"}),
        "search: tracking number": ("/admin/orders/order/", {"q": f"JD{n:012d}"}),
        "search: contains (scans)": ("/admin/orders/order/", {"q": f"c{n // 3 + 1}@", "match": "contains"}),
    }
    times = {}
    for name, (path, params) in requests.items():
        response = client.get(path, params)
        assert response.status_code == 200, (name, response.status_code)
        if name.startswith("search:"):
            assert f"#{n}<" in response.content.decode(), f"{name} did not find order #{n}"
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(path, params)
            samples.append(time.perf_counter() - started)
        times[name] = min(samples)
    return times


def rollup(store) -> float:
    from insights.rollup import cohorts_rebuild, rollup_history

    started = time.perf_counter()
    rollup_history(store=store)
    cohorts_rebuild(store=store)
    return time.perf_counter() - started


def main() -> None:
    parser = parser_for(__doc__)
    parser.add_argument("--small", type=int, default=10_000, help="Orders at the first size (10,000).")
    parser.add_argument("--large", type=int, default=1_000_000, help="Orders at the second size (1,000,000).")
    parser.add_argument("--days", type=int, default=365, help="Days the orders spread over (365).")
    parser.add_argument("--repeat", type=int, default=11, help="Timed requests per measurement (11).")
    args = parse_with_keep(parser)
    cfg = scratch_config("postgres://postgres@127.0.0.1:5432/bench_admin")
    if cfg is None:
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postpurchase.settings.test")
    with scratch_database(cfg, cfg["NAME"], keep=args.keep):
        setup_django()
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Permission
        from django.core.management import call_command
        from django.test import Client
        from django.test.utils import setup_test_environment

        from orders.models import Store

        setup_test_environment()
        call_command("migrate", verbosity=0)
        store = Store.objects.create(slug="big", name="Big Shop", currency="EUR", timezone="Europe/Berlin")
        user = get_user_model().objects.create_user("merchant", "m@example.com", "merchant", is_staff=True)
        user.user_permissions.set(Permission.objects.filter(content_type__app_label="orders"))
        store.staff.add(user)
        client = Client()
        client.force_login(user)
        now = datetime.now(UTC)

        results = {}
        for label, first, last in (("small", 1, args.small), ("large", args.small + 1, args.large)):
            started = time.perf_counter()
            seed_orders(store.pk, first, last, days=args.days, now=now)
            seeded = time.perf_counter() - started
            rolled = rollup(store)
            print(f"{last:>9,} orders: COPY {seeded:.1f} s, rollup of {args.days + 1} days {rolled:.1f} s", flush=True)
            results[label] = measure(client, store, args.repeat, last)

        out = io.StringIO()
        out.write(f"\n{'request':<28}{args.small:>12,}{args.large:>14,}   ratio  goal\n")
        for name, small in results["small"].items():
            large = results["large"][name]
            ratio = large / small
            if name in NO_GOAL:
                verdict = "(none)"
            else:
                goal = GOALS.get(name, DEFAULT_GOAL)
                verdict = f"<= {goal}  {'met' if ratio <= goal else 'MISSED'}"
            out.write(f"{name:<28}{small * 1000:>10.1f}ms{large * 1000:>12.1f}ms  {ratio:>5.2f}  {verdict}\n")
        print(out.getvalue())


if __name__ == "__main__":
    main()
