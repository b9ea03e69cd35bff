"""Points follow the order's life: pending when placed, available when the return window closes,
reversed by refunds in proportion, gone when cancelled first; replays change nothing."""

from decimal import Decimal

from django.core.management import call_command

from loyalty.models import EntryKind, PointsEntry
from loyalty.programme import programme_for
from loyalty.services import reward_redeem
from loyalty.subscribers import on_order_placed, on_return_resolved, on_return_window_closed
from orders.models import DomainEvent, OrderSource
from orders.services import order_cancel
from tests.loyalty.factories import account, delivered_order, refunded_return, window_closed
from tests.orders.factories import place_order

# The default order: 2 linen tees at 25.00 and a wool cap at 19.90 = 69.90, at 5 points per unit.
ORDER_POINTS = 349


def test_a_placed_order_earns_pending_points_that_cannot_be_spent_yet(store):
    order = place_order(store)

    acc = account(order.customer)
    assert (acc.pending, acc.available) == (ORDER_POINTS, 0)


def test_points_are_earned_after_discounts_and_without_shipping_and_tax(store):
    order = place_order(
        store, discount_total=Decimal("9.90"), shipping_total=Decimal("4.95"), tax_total=Decimal("10.00")
    )

    # The customer paid 74.95: 60.00 of goods after the discount earn, the tax and shipping do not.
    assert order.total == Decimal("74.95")
    assert account(order.customer).pending == 300


def test_a_store_can_count_shipping_in_what_earns(store):
    programme = programme_for(store)
    programme.earn_on_shipping = True
    programme.save()

    order = place_order(store, shipping_total=Decimal("10.00"))

    assert account(order.customer).pending == 399


def test_the_closed_return_window_makes_the_orders_points_available(store):
    order = delivered_order(store)

    window_closed(order)

    acc = account(order.customer)
    assert (acc.pending, acc.available) == (0, ORDER_POINTS)


def test_cancelling_before_the_window_closes_takes_the_pending_points_away(store):
    order = place_order(store)

    order_cancel(order=order, reason="customer asked")

    acc = account(order.customer)
    assert (acc.pending, acc.available) == (0, 0)
    assert PointsEntry.objects.filter(kind=EntryKind.REVERSE, order=order).get().points == -ORDER_POINTS


def test_a_partial_refund_reverses_points_in_proportion(store):
    order = delivered_order(store)

    refunded_return(order, (0, 1))  # one tee of 25.00 out of 69.90
    window_closed(order)

    # 349 x 25.00 / 69.90 = 124.8 -> 125 reversed from pending, the rest released.
    acc = account(order.customer)
    assert (acc.pending, acc.available) == (0, ORDER_POINTS - 125)


def test_a_refund_after_the_window_closed_comes_off_the_balance(store):
    order = delivered_order(store)
    window_closed(order)

    refunded_return(order, (1, 1))  # the cap, 19.90

    assert account(order.customer).available == ORDER_POINTS - 99


def test_replayed_events_change_nothing(store):
    order = delivered_order(store)
    refunded_return(order, (0, 1))
    window_closed(order)
    before = account(order.customer)
    entries = PointsEntry.objects.count()

    for event in DomainEvent.objects.filter(order=order).order_by("pk"):
        on_order_placed(event)
        on_return_window_closed(event)
        on_return_resolved(event)

    after = account(order.customer)
    assert PointsEntry.objects.count() == entries
    assert (after.pending, after.available, after.debt) == (before.pending, before.available, before.debt)


def test_an_imported_order_earns_nothing_until_staff_backfill_it_once(store):
    order = place_order(store, source=OrderSource.IMPORT)
    assert not PointsEntry.objects.filter(order=order).exists()

    call_command("loyalty_backfill", store=store.slug)
    call_command("loyalty_backfill", store=store.slug)

    # History is final: returns never closes an imported order's window, so it is available at once.
    acc = account(order.customer)
    assert (acc.pending, acc.available) == (0, ORDER_POINTS)
    assert PointsEntry.objects.filter(order=order).count() == 2


def test_a_refund_beyond_the_balance_becomes_debt_paid_by_the_next_points(store):
    programme = programme_for(store)
    programme.min_redeem_points = 100
    programme.save()
    reward = programme.rewards.create(name="3.00 off", points=300, amount=Decimal("3.00"))
    order = delivered_order(store)
    window_closed(order)
    reward_redeem(customer=order.customer, reward=reward)

    refunded_return(order, (0, 2), (1, 1))  # everything back: 349 to reverse, only 49 left

    acc = account(order.customer)
    assert (acc.available, acc.debt) == (0, 300)

    second = delivered_order(store, number="#1002")
    window_closed(second)

    acc = account(order.customer)
    assert (acc.available, acc.debt) == (ORDER_POINTS - 300, 0)


def test_a_first_order_bonus_comes_with_the_first_order_only(store):
    programme = programme_for(store)
    programme.first_order_points = 100
    programme.save()

    first = place_order(store)
    place_order(store, number="#1002")

    assert account(first.customer).pending == 2 * ORDER_POINTS + 100
    assert PointsEntry.objects.get(order=first).points == ORDER_POINTS + 100
