"""Order numbers, platform ids and emails with characters that mean something to PostgreSQL's
array and COPY syntax still match on a second run (the import looks them up as array literals)."""

from orders.models import Customer, DomainEvent, Order
from tests.orders.import_helpers import our_order, run_import, write_csv

ODD = ['#1"2', "#1\\2", "#1,2", "#{12}", "#1 2 ", "#1\t2", "NULL", '#1\\"2']


def _order(n: int, number: str) -> list[dict]:
    rows = our_order(
        n,
        external_id=f'ext-{n}"{{,}}\\',
        email=f'"odd,{n}"@example.com' if n % 2 else f"odd{n}@example.com",
        ship_line1="Tab\there, back\\slash",
    )
    for row in rows:  # every row of the order carries its number
        row["order_number"] = number
    return rows


def _rows():
    return [row for n, number in enumerate(ODD) for row in _order(n, number)]


def test_orders_with_array_and_copy_syntax_in_their_text_import_and_match_on_a_second_run(store, tmp_path):
    path = write_csv(tmp_path / "orders.csv", _rows())

    first, status = run_import(path)
    second, _status = run_import(path)

    assert status == 0, first
    assert f"created {len(ODD)}, updated 0" in first
    assert f"created 0, updated 0, skipped {len(ODD)} (unchanged)" in second
    assert sorted(Order.objects.values_list("number", flat=True)) == sorted(n.strip() for n in ODD)
    assert Order.objects.get(number='#1"2').shipping_address["line1"] == "Tab\there, back\\slash"
    assert Customer.objects.filter(email='"odd,1"@example.com').count() == 1
    assert DomainEvent.objects.count() == len(ODD)
