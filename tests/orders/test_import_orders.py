import csv
import json
from datetime import UTC, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from orders import events
from orders.models import Customer, DomainEvent, LineItem, Order, OrderSource, Product, Shipment, ShipmentItem
from tests.orders.factories import place_order

OUR_HEADER = [
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
ITEM_COLUMNS = ("order_number", "sku", "title", "quantity", "unit_price")
CATALOGUE = [("TEE-1", "Linen tee", "25.00"), ("CAP-1", "Wool cap", "19.90"), ("SOCK-3", "Socks, 3 pairs", "12.50")]

# Shopify's "Export orders" header line, as the admin writes it.
SHOPIFY_HEADER = next(
    csv.reader(
        [
            "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,"
            "Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,"
            "Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,"
            "Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,Billing Name,Billing Street,"
            "Billing Address1,Billing Address2,Billing Company,Billing City,Billing Zip,Billing Province,"
            "Billing Country,Billing Phone,Shipping Name,Shipping Street,Shipping Address1,Shipping Address2,"
            "Shipping Company,Shipping City,Shipping Zip,Shipping Province,Shipping Country,Shipping Phone,Notes,"
            "Note Attributes,Cancelled at,Payment Method,Payment Reference,Refunded Amount,Vendor,"
            "Outstanding Balance,Employee,Location,Device ID,Id,Tags,Risk Level,Source,Lineitem discount,"
            "Tax 1 Name,Tax 1 Value,Tax 2 Name,Tax 2 Value,Tax 3 Name,Tax 3 Value,Tax 4 Name,Tax 4 Value,"
            "Tax 5 Name,Tax 5 Value,Phone,Receipt Number,Duties,Billing Province Name,Shipping Province Name,"
            "Payment ID,Payment Terms Name,Next Payment Due At,Payment References"
        ]
    )
)


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


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory):
    """10,000 rows (4,000 orders of 2 or 3 items) with three bad rows in three orders."""
    rows = []
    for n in range(4000):
        rows.extend(our_order(n, items=2 + n % 2))
    assert len(rows) == 10_000
    # Line numbers count the header as line 1.
    rows[41]["quantity"] = "abc"
    rows[5001]["unit_price"] = "12,50 EUR"
    rows[9998]["quantity"] = "0"
    return write_csv(tmp_path_factory.mktemp("import") / "orders.csv", rows)


def test_a_10000_row_csv_with_three_bad_rows_imports_the_rest_and_lists_the_bad_lines(store, big_csv):
    out, status = run_import(big_csv)

    assert "line 43: quantity 'abc' is not a whole number" in out
    assert "line 5003: unit_price '12,50 EUR' is not an amount" in out
    assert "line 10000: quantity 0 must be between 1 and 100,000" in out
    assert "created 3997, updated 0, skipped 0 (unchanged), errors 3 (orders not imported: 3)" in out
    assert status == 1
    assert Order.objects.for_store(store).count() == 3997
    assert LineItem.objects.filter(order__store=store).count() == 10_000 - 2 - 3 - 2


def test_a_second_run_of_the_same_file_creates_nothing_new(store, big_csv):
    run_import(big_csv)
    counts = (Order.objects.count(), LineItem.objects.count(), Customer.objects.count(), DomainEvent.objects.count())

    out, _status = run_import(big_csv)

    assert "created 0, updated 0, skipped 3997 (unchanged), errors 3" in out
    assert (Order.objects.count(), LineItem.objects.count(), Customer.objects.count(), DomainEvent.objects.count()) == (
        counts
    )


def test_imported_orders_are_marked_import_and_record_one_order_imported_event(store, tmp_path):
    path = write_csv(tmp_path / "orders.csv", our_order(1) + our_order(2))

    out, status = run_import(path)

    assert status == 0, out
    order = Order.objects.get(number="#1001")
    assert order.source == OrderSource.IMPORT
    assert order.customer.email == "customer1@example.com"
    assert order.subtotal == Decimal("19.90") + 2 * Decimal("12.50")
    assert order.placed_at == datetime(2024, 3, 5, 13, 2, 11, tzinfo=UTC)
    assert order.shipping_address == {
        "name": "Ada Lovelace",
        "line1": "Unter den Linden 1",
        "city": "Berlin",
        "postal_code": "10117",
        "country": "DE",
    }
    [event] = DomainEvent.objects.filter(order=order)
    assert event.kind == events.ORDER_IMPORTED
    assert event.customer == order.customer
    assert event.data == {"number": "#1001", "total": str(order.total), "currency": "EUR", "source": "import"}


def test_a_changed_row_updates_the_order_and_is_counted_as_updated(store, tmp_path):
    run_import(write_csv(tmp_path / "first.csv", our_order(1) + our_order(2)))

    out, status = run_import(write_csv(tmp_path / "second.csv", our_order(1, email="ada@new.example") + our_order(2)))

    assert status == 0, out
    assert "created 0, updated 1, skipped 1 (unchanged)" in out
    order = Order.objects.get(number="#1001")
    assert order.email == "ada@new.example"
    assert order.events.last().kind == events.ORDER_UPDATED
    assert order.events.last().data == {"changed": ["email"]}


def test_a_later_copy_with_other_items_replaces_them_unless_some_shipped(store, tmp_path):
    run_import(write_csv(tmp_path / "first.csv", our_order(1) + our_order(2)))
    shipped = Order.objects.get(number="#1002")
    shipment = Shipment.objects.create(store=store, order=shipped, carrier="dhl", tracking_number="1")
    ShipmentItem.objects.create(shipment=shipment, line_item=shipped.line_items.first(), quantity=1)

    out, _status = run_import(write_csv(tmp_path / "second.csv", our_order(1, items=3) + our_order(2, items=3)))

    assert "created 0, updated 2, skipped 0 (unchanged)" in out
    assert Order.objects.get(number="#1001").line_items.count() == 3
    assert shipped.line_items.count() == 2


def test_an_order_known_from_the_api_is_matched_by_number_and_adopts_the_external_id(store, tmp_path):
    place_order(store, number="#1001", email="customer1@example.com")

    out, status = run_import(write_csv(tmp_path / "orders.csv", our_order(1)))

    assert status == 0, out
    assert "created 0, updated 1" in out
    order = Order.objects.get()
    assert (order.external_id, order.source) == ("ext-1001", OrderSource.API)
    assert order.events.last().data["changed"][-2:] == ["external_id", "line_items"]


def test_an_order_number_that_belongs_to_another_platform_order_is_refused(store, tmp_path):
    place_order(store, number="#1001", external_id="shop-1")

    out, status = run_import(write_csv(tmp_path / "orders.csv", our_order(1) + our_order(2)))

    assert "line 2: order number #1001 already belongs to another order (shop-1)" in out
    assert status == 1
    assert Order.objects.get(number="#1001").external_id == "shop-1"
    assert Order.objects.filter(number="#1002").exists()


def test_the_same_order_twice_in_one_file_is_one_order(store, tmp_path):
    order = {"number": "7", "email": "a@example.com", "currency": "EUR"}
    order["line_items"] = [{"title": "Tee", "quantity": 1, "unit_price": "10.00"}]
    changed = {**order, "email": "b@example.com"}
    path = tmp_path / "orders.ndjson"
    path.write_text("\n".join(json.dumps(o) for o in (order, order, changed)))

    out, _status = run_import(path)

    assert "created 1, updated 1, skipped 1 (unchanged)" in out
    assert Order.objects.get().email == "b@example.com"


def test_an_import_fills_in_what_a_customer_lacks_but_never_overwrites_it(store, tmp_path):
    Customer.objects.create(store=store, email="customer1@example.com", first_name="Adeline")

    run_import(write_csv(tmp_path / "orders.csv", our_order(1)))

    customer = Customer.objects.get()
    assert (customer.first_name, customer.last_name, customer.phone) == ("Adeline", "Lovelace 1", "+4930123456")
    assert Order.objects.get().customer == customer


def test_dry_run_validates_and_reports_but_writes_nothing(store, tmp_path):
    path = write_csv(tmp_path / "orders.csv", our_order(1) + our_order(2) + our_order(3, quantity="x"))

    out, status = run_import(path, "--dry-run")

    assert "Dry run, nothing was written. orders.csv (CSV) into acme: created 2," in out
    assert "line 6: quantity 'x' is not a whole number" in out
    assert status == 1
    assert Order.objects.count() == Customer.objects.count() == Product.objects.count() == 0
    assert DomainEvent.objects.count() == 0


def test_a_shopify_orders_export_imports_with_items_totals_and_shipping_address(store, tmp_path):
    def row(**cells):
        return {name: cells.get(name, "") for name in SHOPIFY_HEADER}

    first = row(
        **{
            "Name": "#1001",
            "Email": "ann@example.com",
            "Financial Status": "paid",
            "Paid at": "2024-05-01 10:00:00 -0400",
            "Fulfillment Status": "fulfilled",
            "Currency": "USD",
            "Subtotal": "29.98",
            "Shipping": "5.00",
            "Taxes": "2.40",
            "Total": "32.38",
            "Discount Code": "SPRING5",
            "Discount Amount": "5.00",
            "Created at": "2024-05-01 09:58:12 -0400",
            "Lineitem quantity": "2",
            "Lineitem name": "Crew Tee - Black / S",
            "Lineitem price": "9.99",
            "Lineitem sku": "TEE-BLK-S",
            "Billing Name": "Ann Example",
            "Billing Address1": "1 Main St",
            "Billing City": "Springfield",
            "Billing Zip": "'01101",
            "Billing Province": "MA",
            "Billing Country": "US",
            "Shipping Name": "Ann Example",
            "Shipping Address1": "1 Main St",
            "Shipping Address2": "Apt 4",
            "Shipping City": "Springfield",
            "Shipping Zip": "'01101",
            "Shipping Province": "MA",
            "Shipping Country": "US",
            "Shipping Phone": "(413) 555-0100",
            "Vendor": "Acme",
            "Id": "5001234567890",
            "Risk Level": "Low",
            "Source": "web",
        }
    )
    # Shopify repeats only the name and the line item's own cells on an order's later rows.
    second = row(
        **{
            "Name": "#1001",
            "Lineitem quantity": "1",
            "Lineitem name": "Mug",
            "Lineitem price": "10.00",
            "Lineitem sku": "MUG",
            "Vendor": "Acme",
        }
    )
    other = row(
        **{
            "Name": "#1002",
            "Email": "bo@example.com",
            "Currency": "USD",
            "Total": "10.00",
            "Created at": "2024-05-02 12:00:00 -0400",
            "Cancelled at": "2024-05-02 13:00:00 -0400",
            "Lineitem quantity": "1",
            "Lineitem name": "Mug",
            "Lineitem price": "10.00",
            "Lineitem sku": "MUG",
            "Id": "5001234567891",
        }
    )
    path = write_csv(tmp_path / "orders_export_1.csv", [first, second, other], header=SHOPIFY_HEADER)

    out, status = run_import(path)

    assert status == 0, out
    assert "(Shopify orders export)" in out
    order = Order.objects.get(number="#1001")
    assert order.external_id == "5001234567890"
    assert order.placed_at == datetime(2024, 5, 1, 13, 58, 12, tzinfo=UTC)
    assert [(i.sku, i.title, i.quantity, i.unit_price) for i in order.line_items.all()] == [
        ("TEE-BLK-S", "Crew Tee - Black / S", 2, Decimal("9.99")),
        ("MUG", "Mug", 1, Decimal("10.00")),
    ]
    assert (order.subtotal, order.shipping_total, order.tax_total) == (
        Decimal("29.98"),
        Decimal("5.00"),
        Decimal("2.40"),
    )
    assert (order.discount_total, order.total, order.currency) == (Decimal("5.00"), Decimal("32.38"), "USD")
    assert order.shipping_address == {
        "name": "Ann Example",
        "line1": "1 Main St",
        "line2": "Apt 4",
        "city": "Springfield",
        "region": "MA",
        "postal_code": "01101",
        "country": "US",
    }
    assert order.phone == "+14135550100"
    assert (order.customer.first_name, order.customer.last_name) == ("Ann", "Example")
    assert Order.objects.get(number="#1002").status == "cancelled"


def test_json_lines_in_the_api_create_format_import(store, tmp_path):
    good = {
        "number": "1042",
        "email": "ada@example.com",
        "currency": "EUR",
        "external_id": "api-1042",
        "placed_at": "2024-03-05T14:02:11Z",
        "customer": {"first_name": "Ada", "last_name": "Lovelace"},
        "locale": "en",
        "shipping_address": {"name": "Ada", "line1": "1 Analytical St", "city": "London", "country": "GB"},
        "line_items": [{"sku": "TEE-1", "title": "Linen tee", "quantity": 2, "unit_price": 19.9}],
        "shipping_total": "4.90",
        "total": 44.70,
    }
    bad = {**good, "number": "1043", "external_id": "", "line_items": [{"title": "Cap", "quantity": "two"}]}
    path = tmp_path / "orders.jsonl"
    path.write_text("\n".join([json.dumps(good), "", json.dumps(bad)]) + "\n")

    out, status = run_import(path)

    assert "line 3: line_items[0].quantity 'two' is not a whole number" in out
    assert status == 1
    order = Order.objects.get(number="1042")
    assert (order.external_id, order.total, order.shipping_total) == ("api-1042", Decimal("44.70"), Decimal("4.90"))
    assert order.line_items.get().unit_price == Decimal("19.90")
    assert order.customer.first_name == "Ada"


def test_an_unknown_file_layout_is_refused_with_exit_status_2(store, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("id,when,what\n1,today,shoes\n")

    out, status = run_import(path)

    assert "unknown file layout" in out
    assert status == 2
    assert Order.objects.count() == 0


# About 16 on SQLite and 10 on PostgreSQL (where COPY is not counted), for 50 orders as for 500.
QUERIES_PER_BATCH = 20


@pytest.mark.parametrize("orders", [50, 500])
def test_queries_do_not_grow_with_the_number_of_orders(store, tmp_path, orders, django_assert_max_num_queries):
    rows = [row for n in range(orders) for row in our_order(n, items=1 + n % 3)]
    path = write_csv(tmp_path / "orders.csv", rows)

    with django_assert_max_num_queries(QUERIES_PER_BATCH):
        out, status = run_import(path)

    assert status == 0, out
    assert Order.objects.count() == orders
