"""The claim rules as pure functions over the returns policy's plain data (`returns.policy`).

A claim is about something the store got wrong, so the return rules that protect the store from
second thoughts do not apply: final-sale and non-returnable items can be claimed, and there are no
fees. What stays: the window, the quantities (units already returned or claimed are gone), the
cap (never more than what is left of what the order paid), auto-approval under the store's
amount and a review by hand after `review_after_returns` claims in 12 months.
"""

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from decimal import Decimal

from postpurchase.money import ZERO
from returns.models import CreditBonus, Resolution
from returns.policy import Line, Terms

CLAIM_RESOLUTIONS = (Resolution.RESHIP, Resolution.REFUND, Resolution.STORE_CREDIT)


def claim_terms(terms: Terms) -> Terms:
    """The store's terms as they apply to a claim: no fees, no "keep it", no credit bonus."""
    return replace(
        terms,
        non_returnable_categories=frozenset(),
        restocking_fee_percent=ZERO,
        return_shipping_fee=ZERO,
        keep_it_below=None,
        credit_bonus=CreditBonus.NONE,
        credit_bonus_value=ZERO,
        resolutions=frozenset(CLAIM_RESOLUTIONS),
    )


def claim_lines(lines: Iterable[Line]) -> list[Line]:
    """The order's lines with nothing excluded by product: a damaged final-sale item is still damaged."""
    return [replace(line, returnable=True, final_sale=False, category="") for line in lines]


def claim_refund(*, items_amount: Decimal, resolution: str, left_to_refund: Decimal) -> Decimal:
    """Money back (or credit) for a claim: the items' worth, capped by what is left of what the
    order paid after every refund that still stands; a reship moves no money."""
    if resolution == Resolution.RESHIP:
        return ZERO
    return min(max(ZERO, items_amount), max(ZERO, left_to_refund))


def not_received_allowed(*, delivered: bool, promised_by: date | None, today: date) -> bool:
    """ "Not received" only once the carrier says delivered or the promised day has passed."""
    return delivered or (promised_by is not None and today > promised_by)
