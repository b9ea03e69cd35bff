"""`import_orders` reads Shopify's orders export and JSON lines, and refuses layouts it does not know."""

import csv
import json
from datetime import UTC, datetime
from decimal import Decimal

from notifications.models import Consent
from orders.models import DiscountRedemption, DomainEvent, Order
from tests.orders.import_helpers import run_import, write_csv

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


def test_a_shopify_export_brings_its_discount_code_and_only_a_yes_to_marketing(store, tmp_path):
    def order(number: str, email: str, accepts: str) -> dict:
        cells = {
            "Name": number,
            "Email": email,
            "Accepts Marketing": accepts,
            "Currency": "EUR",
            "Discount Code": "SPRING5",
            "Discount Amount": "5.00",
            "Created at": "2024-05-01 09:58:12 -0400",
            "Lineitem quantity": "1",
            "Lineitem name": "Crew Tee",
            "Lineitem price": "20.00",
        }
        return {name: cells.get(name, "") for name in SHOPIFY_HEADER}

    path = write_csv(
        tmp_path / "orders_export.csv",
        [order("#1", "yes@example.com", "yes"), order("#2", "no@example.com", "no")],
        header=SHOPIFY_HEADER,
    )

    out, status = run_import(path)

    assert status == 0, out
    assert list(Consent.objects.values_list("customer__email", "channel", "optional_messages")) == [
        ("yes@example.com", "email", True)
    ]
    assert sorted(DiscountRedemption.objects.values_list("order__number", "code", "amount")) == [
        ("#1", "SPRING5", Decimal("5.00")),
        ("#2", "SPRING5", Decimal("5.00")),
    ]
    assert all(r.external for r in DiscountRedemption.objects.all())


def test_json_lines_carry_marketing_consent_and_discount_codes_and_bad_ones_are_named(store, tmp_path):
    base = {
        "email": "ada@example.com",
        "currency": "EUR",
        "placed_at": "2024-03-05T14:02:11Z",
        "line_items": [{"title": "Linen tee", "quantity": 1, "unit_price": "25.00"}],
    }
    good = base | {
        "number": "1",
        "marketing_consent": {"email": True, "sms": None},
        "discount_codes": [{"code": "WELCOME5", "amount": "5.00"}],
    }
    bad = base | {"number": "2", "marketing_consent": {"email": "maybe"}, "discount_codes": [{"amount": "1"}]}
    path = tmp_path / "orders.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")

    out, status = run_import(path)

    assert status == 1
    assert "line 2: marketing_consent.email 'maybe' is not yes or no" in out
    assert "discount_codes[0].code is required" in out
    assert Consent.objects.get().source == "checkout (import)"
    assert DiscountRedemption.objects.get().code == "WELCOME5"
    assert DomainEvent.objects.filter(kind="discount_code.redeemed").count() == 1
