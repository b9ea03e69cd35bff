"""`import_orders` on big files: bad rows among 10,000, re-runs, and queries that do not grow with the file."""

import pytest

from orders.models import Customer, DomainEvent, LineItem, Order
from tests.orders.import_helpers import our_order, run_import, write_csv


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
