"""How fast is import_orders next to a raw COPY of the same rows, and does its memory stay flat?

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/import_orders.py [--orders 100000]

1. Create a scratch database (bench_import) on DATABASE_URL's server and migrate it.
2. Write N orders (about 2.5 line items each) as a CSV in our format to a temp directory.
3. Time `manage.py import_orders` on it (the command itself, in this process) and record
   the peak resident memory it reached.
4. Truncate the tables, then time a raw psycopg COPY of the same customers, products,
   orders, line items and events (the COPY data is prepared before the clock starts).
5. Print rows/s of both, the ratio ours/COPY (target >= 0.2, aim 0.5) and the peak memory;
   drop the scratch database.

Not part of the test run. See bench/README.md for what the numbers mean.
"""

import cProfile
import csv
import json
import os
import random
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import dj_database_url
import psycopg
from common import (
    BENCH_SECRET_KEY,
    FIRST,
    LAST,
    Stopwatch,
    conninfo,
    parse_with_keep,
    parser_for,
    postgres_url,
    rss_mb,
    scratch_database,
    setup_django,
)

SCRATCH_DB = "bench_import"
HEADER = [
    "order_number",
    "external_id",
    "placed_at",
    "email",
    "phone",
    "first_name",
    "last_name",
    "locale",
    "currency",
    "sku",
    "title",
    "quantity",
    "unit_price",
    "shipping_total",
    "tax_total",
    "discount_total",
    "total",
    "ship_name",
    "ship_line1",
    "ship_line2",
    "ship_city",
    "ship_region",
    "ship_postal_code",
    "ship_country",
]
CITIES = [("Berlin", "BE", "DE", "+4930"), ("Paris", "", "FR", "+3314"), ("Austin", "TX", "US", "+1512")]


def generate(path: Path, orders: int, seed: int = 42) -> int:
    """Write `orders` orders as our CSV; return the number of rows (line items). Streams: flat memory."""
    rnd = random.Random(seed)
    customers = max(1, orders // 3)
    catalogue = [(f"SKU-{n:05d}", f"Product {n}", Decimal(rnd.randint(300, 15000)) / 100) for n in range(2000)]
    start = datetime(2023, 1, 1, tzinfo=UTC)
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for n in range(orders):
            c = rnd.randrange(customers)
            city, region, country, prefix = CITIES[c % len(CITIES)]
            items = [rnd.choice(catalogue) for _ in range(rnd.randint(1, 4))]  # 2.5 on average
            quantities = [rnd.randint(1, 3) for _ in items]
            subtotal = sum((price * q for (_s, _t, price), q in zip(items, quantities, strict=True)), Decimal(0))
            shipping, tax = Decimal("4.90"), (subtotal * Decimal("0.19")).quantize(Decimal("0.01"))
            first, last = FIRST[c % 10], LAST[(c // 10) % 10]
            order = [
                f"#{100000 + n}",
                f"gid-{n}",
                (start + timedelta(minutes=5 * n)).isoformat(),
                f"customer{c}@example.com",
                f"{prefix}{5550000 + c % 99999:07d}",
                first,
                last,
                "en",
                "EUR",
            ]
            tail = ["4.90", str(tax), "0.00", str(subtotal + shipping + tax), f"{first} {last}"]
            tail += [f"{c % 200 + 1} Main Street", "", city, region, f"{10000 + c % 89999}", country]
            for i, ((sku, title, price), q) in enumerate(zip(items, quantities, strict=True)):
                # Order-level cells on the first row only, as our format allows.
                head = order if i == 0 else [order[0]] + [""] * 8
                rest = tail if i == 0 else [""] * len(tail)
                writer.writerow([*head, sku, title, q, price, *rest])
                rows += 1
    return rows


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _quoted(column: str) -> str:
    return f'"{column}"'


class _CopyFile:
    def __init__(self, directory: Path, table: str, columns: list[str]):
        self.table, self.columns, self.path = table, columns, directory / f"{table}.copy"
        self.fh = self.path.open("w", encoding="utf-8")

    def add(self, *values) -> None:
        self.fh.write("\t".join(map(_copy_text, values)) + "\n")


def prepare_copy(csv_path: Path, directory: Path, store_id: int) -> list[_CopyFile]:
    """The rows our importer wrote, as COPY text files for the same tables (ids assigned here)."""
    now = datetime.now(UTC).isoformat()
    files = {
        "customer": _CopyFile(
            directory,
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
                "external_id",
                "created_at",
                "updated_at",
                "tags",
            ],
        ),
        "product": _CopyFile(
            directory,
            "orders_product",
            [
                "id",
                "store_id",
                "sku",
                "title",
                "url",
                "image_url",
                "category",
                "price",
                "returnable",
                "care_instructions",
                "external_id",
                "final_sale",
                "group",
            ],
        ),
        "order": _CopyFile(
            directory,
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
                "placed_at",
                "status",
                "locale",
                "source",
                "shipping_method",
                "created_at",
                "updated_at",
            ],
        ),
        "item": _CopyFile(
            directory,
            "orders_lineitem",
            ["order_id", "product_id", "sku", "title", "quantity", "unit_price", "external_id"],
        ),
        "event": _CopyFile(
            directory,
            "orders_domainevent",
            ["store_id", "order_id", "customer_id", "kind", "data", "actor", "created_at"],
        ),
    }
    customers: dict[str, int] = {}
    products: dict[str, int] = {}
    order_id = 0
    pending: list[dict] = []

    def close_order():
        nonlocal order_id
        if not pending:
            return
        first = pending[0]
        order_id += 1
        email = first["email"].lower()
        if email not in customers:
            customers[email] = len(customers) + 1
            files["customer"].add(
                customers[email],
                store_id,
                email,
                first["phone"],
                first["first_name"],
                first["last_name"],
                "en",
                "",
                "",
                now,
                now,
                "[]",
            )
        subtotal = sum(Decimal(r["unit_price"]) * int(r["quantity"]) for r in pending)
        address = {k: first[f"ship_{k}"] for k in ("name", "line1", "city", "region", "postal_code", "country")}
        files["order"].add(
            order_id,
            store_id,
            first["order_number"],
            first["external_id"],
            customers[email],
            email,
            first["phone"],
            "EUR",
            subtotal,
            first["shipping_total"],
            first["tax_total"],
            first["discount_total"],
            first["total"],
            json.dumps({k: v for k, v in address.items() if v}),
            "{}",
            first["placed_at"],
            "placed",
            "en",
            "import",
            "",
            now,
            now,
        )
        for r in pending:
            if r["sku"] not in products:
                products[r["sku"]] = len(products) + 1
                product = (products[r["sku"]], store_id, r["sku"], r["title"], "", "", "", r["unit_price"])
                files["product"].add(*product, "t", "", "", "f", "")
            files["item"].add(order_id, products[r["sku"]], r["sku"], r["title"], r["quantity"], r["unit_price"], "")
        data = {"number": first["order_number"], "total": first["total"], "currency": "EUR", "source": "import"}
        files["event"].add(store_id, order_id, customers[email], "order.imported", json.dumps(data), "bench", now)
        pending.clear()

    with csv_path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if pending and row["order_number"] != pending[0]["order_number"]:
                close_order()
            pending.append(row)
    close_order()
    for f in files.values():
        f.fh.close()
    return list(files.values())


def main() -> int:
    parser = parser_for(__doc__)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=None, help="import_orders --batch-size (default: its own)")
    parser.add_argument("--database", default=SCRATCH_DB, help=f"scratch database name (default {SCRATCH_DB})")
    parser.add_argument("--profile", help="write a cProfile of the import (only) to this file")
    args = parse_with_keep(parser)

    url = postgres_url("a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres")
    if url is None:
        return 2
    cfg = dj_database_url.parse(url)
    with scratch_database(cfg, args.database, admin_db=cfg["NAME"] or "postgres", keep=args.keep):
        # Django against the scratch database. DEBUG off: with it on, Django keeps every query in memory.
        scheme, _sep, rest = url.partition("://")
        netloc = rest.split("/", 1)[0]
        os.environ["DATABASE_URL"] = f"{scheme}://{netloc}/{args.database}"
        os.environ["DEBUG"] = "false"
        os.environ.setdefault("SECRET_KEY", BENCH_SECRET_KEY)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postpurchase.settings.local")
        setup_django()
        measure(cfg, args.database, args.orders, args.batch_size, args.profile)
    return 0


def _checkpoint() -> None:
    """Write the dirty pages out before a timed phase, so neither pays for the other's writes.

    Without it the COPY ran right after the import's 100,000 orders were written and truncated,
    and took 14.7 to 21.5 s in back-to-back runs whose import took 39.7 s both times.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")


def measure(cfg: dict, database: str, orders: int, batch_size: int | None, profile: str | None = None) -> None:
    """Steps 2-5: generate, import, COPY, print."""
    from django.core.management import call_command
    from django.db import connection

    from orders.models import DomainEvent, LineItem, Order, Store

    call_command("migrate", verbosity=0)
    store = Store.objects.create(slug="bench", name="Bench", currency="EUR")
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "orders.csv"
        with Stopwatch() as clock:
            rows = generate(csv_path, orders)
        size_mb = csv_path.stat().st_size / 1e6
        print(f"generated {orders:,} orders, {rows:,} rows, {size_mb:.0f} MB in {clock.seconds:.1f}s")

        rss_before = rss_mb()
        _checkpoint()
        options = {"verbosity": 0}
        if batch_size:
            options["batch_size"] = batch_size
        profiler = cProfile.Profile() if profile else None
        with Stopwatch() as clock:
            if profiler:
                profiler.enable()
            call_command("import_orders", str(csv_path), store="bench", **options)
            if profiler:
                profiler.disable()
        ours = clock.seconds
        if profiler and profile:
            profiler.dump_stats(profile)
        rss_after = rss_mb()
        assert Order.objects.count() == orders, "not every order was imported"
        assert LineItem.objects.count() == rows

        copy_files = prepare_copy(csv_path, Path(tmp), store.pk)
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE orders_domainevent, orders_lineitem, orders_order, orders_customer, orders_product "
                "RESTART IDENTITY CASCADE"
            )
        _checkpoint()
        connection.close()
        with psycopg.connect(conninfo(cfg, database)) as raw:
            with Stopwatch() as clock, raw.cursor() as cursor:
                for f in copy_files:
                    with (
                        f.path.open("rb") as fh,
                        cursor.copy(f"COPY {f.table} ({', '.join(map(_quoted, f.columns))}) FROM STDIN") as copy,
                    ):
                        while chunk := fh.read(1 << 20):
                            copy.write(chunk)
                raw.commit()
            baseline = clock.seconds
        assert Order.objects.count() == orders
        assert DomainEvent.objects.count() == orders

    ours_rate, copy_rate = rows / ours, rows / baseline
    print(f"import_orders: {ours:6.2f}s  {ours_rate:9,.0f} rows/s  {orders / ours:9,.0f} orders/s")
    print(f"raw COPY:      {baseline:6.2f}s  {copy_rate:9,.0f} rows/s  {orders / baseline:9,.0f} orders/s")
    print(f"ratio ours/COPY: {ours_rate / copy_rate:.2f}  (target >= 0.2, aim 0.5)")
    print(f"peak memory (max RSS): {rss_before:.0f} MB before the import, {rss_after:.0f} MB after it")


if __name__ == "__main__":
    sys.exit(main())
