"""Properties of the money rules over any order and any sequence of partial returns (no database)."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from postpurchase.money import ZERO
from returns.models import CreditBonus
from returns.policy import Line, Terms, discount_shares, return_quote

D = Decimal


def _quote(
    lines, *, discount, paid, returned, refunded, taking, terms=None, resolution="refund", price_difference=ZERO
):
    return return_quote(
        terms or Terms(),
        lines=lines,
        discount_total=discount,
        paid_total=paid,
        returned=returned,
        refunded=refunded,
        taking=taking,
        resolution=resolution,
        price_difference=price_difference,
    )


money = st.decimals(min_value=D("0.01"), max_value=D("999.99"), places=2)
order_lines = st.lists(st.tuples(st.integers(1, 6), money), min_size=1, max_size=5)


@settings(max_examples=300, deadline=None)
@given(
    bought=order_lines,
    discount_fraction=st.fractions(0, 1),
    fee_percent=st.decimals(min_value=0, max_value=100, places=2),
    shipping_fee=st.decimals(min_value=0, max_value=20, places=2),
    resolution=st.sampled_from(["refund", "store_credit", "exchange"]),
    bonus=st.decimals(min_value=0, max_value=50, places=2),
    data=st.data(),
)
def test_over_any_sequence_of_partial_returns_refunds_never_exceed_what_was_paid_and_are_whole_cents(
    bought, discount_fraction, fee_percent, shipping_fee, resolution, bonus, data
):
    lines = [Line(id=i, quantity=q, unit_price=p) for i, (q, p) in enumerate(bought)]
    subtotal = sum(line.value for line in lines)
    discount = (subtotal * discount_fraction.numerator / discount_fraction.denominator).quantize(D("0.01"))
    paid = subtotal - discount
    terms = Terms(
        restocking_fee_percent=fee_percent,
        return_shipping_fee=shipping_fee,
        waive_fees_for_credit_and_exchange=data.draw(st.booleans()),
        credit_bonus=CreditBonus.PERCENT,
        credit_bonus_value=bonus,
    )
    returned = dict.fromkeys(range(len(lines)), 0)
    refunded = D("0.00")
    items_total = D("0.00")

    while any(returned[line.id] < line.quantity for line in lines):
        open_lines = [line for line in lines if returned[line.id] < line.quantity]
        picked = data.draw(st.lists(st.sampled_from(open_lines), min_size=1, unique_by=lambda line: line.id))
        taking = {line.id: data.draw(st.integers(1, line.quantity - returned[line.id])) for line in picked}
        # An exchange may be for a cheaper or dearer variant: up to the whole list price either way.
        difference = (
            sum(
                (
                    data.draw(st.decimals(min_value=-line.unit_price, max_value=line.unit_price, places=2))
                    * taking[line.id]
                )
                for line in picked
            )
            if resolution == "exchange"
            else D("0.00")
        )
        quote = _quote(
            lines,
            discount=discount,
            paid=paid,
            returned=returned,
            refunded=refunded,
            taking=taking,
            terms=terms,
            resolution=resolution,
            price_difference=difference,
        )
        amounts = [
            quote.items_amount,
            quote.refund_amount,
            quote.bonus_amount,
            quote.restocking_fee,
            quote.shipping_fee,
        ]
        assert all(a == a.quantize(D("0.01")) and a >= 0 for a in amounts)
        assert all(a == a.quantize(D("0.01")) for a in quote.line_amounts.values())
        refunded += quote.refund_amount
        items_total += quote.items_amount
        for line_id, quantity in taking.items():
            returned[line_id] += quantity
        assert refunded <= paid

    # Everything came back: the items were worth exactly what the customer paid for them.
    assert items_total == paid


@settings(max_examples=200, deadline=None)
@given(bought=order_lines, discount_fraction=st.fractions(0, 1))
def test_discount_shares_are_whole_cents_adding_up_to_the_discount(bought, discount_fraction):
    lines = [Line(id=i, quantity=q, unit_price=p) for i, (q, p) in enumerate(bought)]
    subtotal = sum(line.value for line in lines)
    discount = (subtotal * discount_fraction.numerator / discount_fraction.denominator).quantize(D("0.01"))

    shares = discount_shares(lines, discount)

    assert sum(shares.values()) == discount
    assert all(
        s == s.quantize(D("0.01")) and D(0) <= s <= line.value for line, s in zip(lines, shares.values(), strict=True)
    )
