"""`import_orders` in our CSV layout: creating, updating and matching orders and customers; dry runs."""

import gc
import json
import sys
from datetime import UTC, datetime
from decimal import Decimal
from itertools import pairwise

import pytest
from django.db import connection

from orders import events
from orders.models import Customer, DomainEvent, Order, OrderSource, Product, Shipment, ShipmentItem
from tests.orders.factories import place_order
from tests.orders.import_helpers import our_order, run_import, write_csv


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


def test_an_import_leaves_the_process_collecting_and_switching_threads_as_before(store, tmp_path):
    """The import tunes the garbage collector and the threads' switch interval for its own
    duration: a worker process that ran one keeps collecting garbage as before."""
    before = (gc.get_threshold(), gc.get_freeze_count(), sys.getswitchinterval())
    path = write_csv(tmp_path / "orders.csv", [*our_order(1), *our_order(2)])

    out, status = run_import(path)

    assert status == 0, out
    assert "created 2" in out
    assert (gc.get_threshold(), gc.get_freeze_count(), sys.getswitchinterval()) == before


@pytest.mark.postgres
def test_each_order_gets_its_own_items_and_event_when_the_ids_reserved_have_gaps(store, tmp_path):
    """The import reserves order ids from the table's sequence up front. When another writer
    draws from the sequence meanwhile, the ids reserved are not one unbroken run (a larger
    step makes that happen here); every line item and event must still land on its own order."""
    rows = [row for n in range(5) for row in our_order(n, items=1 + n % 3)]
    path = write_csv(tmp_path / "orders.csv", rows)
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE orders_order ALTER COLUMN id SET INCREMENT BY 3")

    out, status = run_import(path)

    assert status == 0, out
    ids = sorted(Order.objects.values_list("id", flat=True))
    assert [b - a for a, b in pairwise(ids)] == [3, 3, 3, 3]
    for order in Order.objects.prefetch_related("line_items"):
        expected = [row["sku"] for row in rows if row["order_number"] == order.number]
        assert sorted(item.sku for item in order.line_items.all()) == sorted(expected), order.number
        assert list(DomainEvent.objects.filter(order=order).values_list("kind", flat=True)) == [events.ORDER_IMPORTED]
