"""What a return refunds or credits, exact to the cent, from the order's lines."""

from decimal import Decimal

import pytest

from returns.models import CreditBonus
from tests.returns.factories import delivered_order, policy, priced_order, request_return

pytestmark = pytest.mark.django_db

D = Decimal


def test_returning_one_of_two_tees_refunds_what_one_cost(store):
    order = delivered_order(store)

    rr = request_return(order, (0, 1))

    assert (rr.items_amount, rr.refund_amount, rr.bonus_amount) == (D("25.00"), D("25.00"), D("0.00"))
    assert [(i.quantity, i.amount) for i in rr.items.all()] == [(1, D("25.00"))]


def test_an_order_discount_is_shared_by_line_value_and_the_shares_add_up_to_the_cent(store):
    # 3 x 10.00 and 1 x 20.00: a 10.00 discount is 6.00 on the first line, 4.00 on the second.
    order = priced_order(store, [(3, "10.00"), (1, "20.00")], discount="10.00")

    first = request_return(order, (0, 1))
    second = request_return(order, (0, 1))
    third = request_return(order, (0, 1))
    cap = request_return(order, (1, 1))

    # 24.00 paid for three: 8.00 each, whatever the order of the returns.
    assert [first.refund_amount, second.refund_amount, third.refund_amount] == [D("8.00")] * 3
    assert cap.refund_amount == D("16.00")
    assert sum(r.refund_amount for r in (first, second, third, cap)) == order.total


def test_units_of_an_uneven_line_add_up_to_exactly_what_the_line_was_paid(store):
    # 3 x 4.00 less a 2.00 discount: 10.00 for three units, refunded 3.33, 3.34, 3.33 —
    # never 3.33 x 3 = 9.99 nor 3.34 x 3 = 10.02.
    order = priced_order(store, [(3, "4.00")], discount="2.00")

    amounts = [request_return(order, (0, 1)).refund_amount for _ in range(3)]

    assert amounts == [D("3.33"), D("3.34"), D("3.33")]
    assert sum(amounts) == D("10.00")


def test_restocking_and_return_shipping_fees_come_off_a_refund(store):
    policy(store, restocking_fee_percent=D("15"), return_shipping_fee=D("4.95"))
    order = priced_order(store, [(1, "19.99")])

    rr = request_return(order, (0, 1))

    # 15% of 19.99 is 2.9985 -> 3.00; 19.99 - 3.00 - 4.95 = 12.04
    assert (rr.restocking_fee, rr.shipping_fee, rr.refund_amount) == (D("3.00"), D("4.95"), D("12.04"))


def test_fees_are_waived_for_store_credit_and_a_percent_bonus_is_added(store):
    policy(
        store,
        restocking_fee_percent=D("15"),
        return_shipping_fee=D("4.95"),
        credit_bonus=CreditBonus.PERCENT,
        credit_bonus_value=D("10"),
    )
    order = priced_order(store, [(1, "19.99")])

    rr = request_return(order, (0, 1), resolution="store_credit")

    assert (rr.restocking_fee, rr.shipping_fee, rr.refund_amount, rr.bonus_amount) == (
        D("0.00"),
        D("0.00"),
        D("19.99"),
        D("2.00"),  # 10% of 19.99 = 1.999 -> 2.00
    )
    assert rr.credit_amount == D("21.99")


def test_fees_apply_to_store_credit_when_the_policy_does_not_waive_them_and_a_flat_bonus_is_added(store):
    policy(
        store,
        return_shipping_fee=D("5.00"),
        waive_fees_for_credit_and_exchange=False,
        credit_bonus=CreditBonus.FLAT,
        credit_bonus_value=D("7.50"),
    )
    order = priced_order(store, [(2, "12.00")])

    rr = request_return(order, (0, 2), resolution="store_credit")

    assert (rr.shipping_fee, rr.refund_amount, rr.bonus_amount, rr.credit_amount) == (
        D("5.00"),
        D("19.00"),
        D("7.50"),
        D("26.50"),
    )


def test_fees_never_make_a_refund_negative(store):
    policy(store, return_shipping_fee=D("9.00"))
    order = priced_order(store, [(1, "5.00")])

    rr = request_return(order, (0, 1))

    assert rr.refund_amount == D("0.00")


def test_a_cheap_item_under_the_keep_it_threshold_is_refunded_without_coming_back(store):
    policy(store, keep_it_below=D("10.00"), return_shipping_fee=D("3.00"))
    order = priced_order(store, [(1, "8.00"), (1, "30.00")])

    cheap = request_return(order, (0, 1))
    dear = request_return(order, (1, 1))

    assert (cheap.keep_items, cheap.shipping_fee, cheap.refund_amount) == (True, D("0.00"), D("8.00"))
    assert (dear.keep_items, dear.refund_amount) == (False, D("27.00"))


def test_the_preview_a_customer_confirms_is_what_the_return_records(store):
    from returns.selectors import return_preview

    policy(store, restocking_fee_percent=D("10"), credit_bonus=CreditBonus.PERCENT, credit_bonus_value=D("5"))
    order = priced_order(store, [(3, "9.99"), (1, "15.00")], discount="4.99")
    first_line = order.line_items.first()

    preview = return_preview(order=order, taking={first_line.pk: 2}, resolution="store_credit")
    rr = request_return(order, (0, 2), resolution="store_credit")

    assert (preview.items_amount, preview.refund_amount, preview.bonus_amount) == (
        rr.items_amount,
        rr.refund_amount,
        rr.bonus_amount,
    )
