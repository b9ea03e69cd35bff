"""Our CSV layout and a runner for `import_orders`, shared by the order import tests (test_import_orders*.py)."""

import csv
from decimal import Decimal
from io import StringIO

from django.core.management import CommandError, call_command

from orders.importing.readers import OUR_COLUMNS

OUR_HEADER = list(OUR_COLUMNS)  # the importer's own documented columns


ITEM_COLUMNS = ("order_number", "sku", "title", "quantity", "unit_price")
CATALOGUE = [("TEE-1", "Linen tee", "25.00"), ("CAP-1", "Wool cap", "19.90"), ("SOCK-3", "Socks, 3 pairs", "12.50")]


def our_order(n: int, *, items: int = 2, **overrides) -> list[dict]:
    """Rows of one order in our CSV: order-level cells on the first row only, as allowed."""
    lines = [CATALOGUE[(n + i) % len(CATALOGUE)] for i in range(items)]
    subtotal = sum(Decimal(price) * (i + 1) for i, (_sku, _title, price) in enumerate(lines))
    first = {
        "order_number": f"#{1000 + n}",
        "external_id": f"ext-{1000 + n}",
        "placed_at": "2024-03-05T14:02:11+01:00",
        "email": f"Customer{n % 700}@Example.com",
        "phone": "+4930123456",
        "first_name": "Ada",
        "last_name": f"Lovelace {n % 700}",
        "locale": "de",
        "currency": "EUR",
        "shipping_total": "4.90",
        "tax_total": "0.00",
        "discount_total": "0.00",
        "total": str(subtotal + Decimal("4.90")),
        "ship_name": "Ada Lovelace",
        "ship_line1": "Unter den Linden 1",
        "ship_city": "Berlin",
        "ship_postal_code": "10117",
        "ship_country": "DE",
    }
    rows = []
    for i, (sku, title, price) in enumerate(lines):
        item = {"order_number": first["order_number"], "sku": sku, "title": title, "quantity": str(i + 1)}
        item["unit_price"] = price
        rows.append({**first, **item} if i == 0 else item)
    rows[0].update(overrides)
    return rows


def write_csv(path, rows: list[dict], header=OUR_HEADER):
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def run_import(path, *args, **options) -> tuple[str, int]:
    """The command's output (stdout, then the error it exits with) and exit status."""
    out = StringIO()
    try:
        call_command("import_orders", str(path), "--store", "acme", *args, stdout=out, stderr=StringIO(), **options)
    except CommandError as exc:
        return f"{out.getvalue()}{exc}", exc.returncode
    return out.getvalue(), 0
