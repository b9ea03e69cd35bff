"""Random lives of a customer's orders (placed, refunded in parts, cancelled, windows closed,
rewards redeemed, bonuses) keep the ledger's promises after every step."""

from decimal import Decimal

from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from loyalty.models import Account, EntryKind, PointsEntry
from loyalty.programme import programme_for
from loyalty.services import bonus_give, order_cancel_points, order_refund_points, order_release, reward_redeem
from orders.inputs import LineItemInput
from orders.models import Customer, Order
from postpurchase.exceptions import DomainError
from tests.orders.factories import StoreFactory, place_order

step = st.one_of(
    st.tuples(st.just("place"), st.integers(min_value=1, max_value=40_000)),  # cents
    st.tuples(st.just("close"), st.integers(min_value=0, max_value=9)),
    st.tuples(st.just("cancel"), st.integers(min_value=0, max_value=9)),
    st.tuples(st.just("refund"), st.integers(min_value=0, max_value=9), st.integers(min_value=1, max_value=50_000)),
    st.tuples(st.just("redeem"), st.sampled_from([100, 300, 1000])),
    st.tuples(st.just("bonus"), st.integers(min_value=1, max_value=500)),
)


class LedgerProperties(TestCase):
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(steps=st.lists(step, min_size=1, max_size=25))
    def test_the_ledger_keeps_its_promises_whatever_happens(self, steps):
        store = StoreFactory(slug="props")
        programme = programme_for(store)
        programme.min_redeem_points = 100
        programme.save()
        rewards = {
            p: programme.rewards.create(name=f"{p}", points=p, amount=Decimal(p) / 100) for p in (100, 300, 1000)
        }
        orders: list[Order] = []
        refunds = 0
        for n, action in enumerate(steps):
            customer = Customer.objects.filter(store=store).first()
            kind = action[0]
            if kind == "place":
                cents = Decimal(action[1]) / 100
                orders.append(
                    place_order(
                        store,
                        number=f"#{n}",
                        line_items=[LineItemInput(sku="X", title="X", quantity=1, unit_price=cents)],
                    )
                )
            elif kind in ("close", "cancel", "refund") and orders:
                order = orders[action[1] % len(orders)]
                if kind == "close":
                    order_release(order=order)
                elif kind == "cancel":
                    order_cancel_points(order=order)
                else:
                    refunds += 1
                    order_refund_points(order=order, refunded=Decimal(action[2]) / 100, key=f"refund:{refunds}")
            elif kind == "redeem" and customer is not None:
                acc = Account.objects.get(customer=customer)
                try:
                    reward_redeem(customer=customer, reward=rewards[action[1]])
                    assert acc.available >= action[1], "redeemed more than was available"
                except DomainError:
                    assert acc.available < action[1], "refused although the available points covered it"
            elif kind == "bonus" and customer is not None:
                bonus_give(customer=customer, kind=EntryKind.BONUS, points=action[1], key=f"bonus:{n}", reason="x")
            self.assert_ledger_holds(orders)

    def assert_ledger_holds(self, orders: list[Order]) -> None:
        for acc in Account.objects.all():
            sums = PointsEntry.objects.filter(account=acc).aggregate(
                p=Sum("pending_delta"), a=Sum("available_delta"), d=Sum("debt_delta")
            )
            assert (acc.pending, acc.available, acc.debt) == (sums["p"] or 0, sums["a"] or 0, sums["d"] or 0)
            assert acc.pending >= 0
            assert acc.available >= 0
            assert acc.debt >= 0
            # Pending points are never spendable: only released, bonus and adjusted points ever were.
            spendable = PointsEntry.objects.filter(account=acc, kind=EntryKind.EARN).aggregate(
                a=Sum("available_delta")
            )["a"]
            assert not spendable
        for order in orders:
            entries = PointsEntry.objects.filter(order=order)
            earned = sum(e.points for e in entries if e.kind == EntryKind.EARN)
            reversed_ = -sum(e.points for e in entries if e.kind == EntryKind.REVERSE)
            assert 0 <= reversed_ <= earned
