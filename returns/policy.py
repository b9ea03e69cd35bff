"""The return policy as pure functions over plain data: no queries, no clock, no models.

`returns.selectors` turns rows into these dataclasses; the services and (next) the portal ask
the same questions of them, so a customer is shown exactly what the service will accept.

Money rules (all `Decimal`, whole cents, never floats):

1. An order's discount is shared among its lines by line value (largest remainder, so the
   shares add up to the discount to the cent); a line was paid its value less its share.
2. Returning units of a line refunds a slice of what the line was paid, computed cumulatively:
   the first `n` units are worth `round(paid * n / bought)`, and a return of `k` more units after
   `r` is worth `worth(r + k) - worth(r)`. However the units are split over returns, the slices
   add up to exactly what the line was paid, never more.
3. Fees (restocking as a percent of the items, return shipping flat per return) come off the
   items' worth, waived for store credit and exchanges if the policy says so; a refund is never
   below zero and never above what is left of what the order paid after earlier refunds.
   An exchange refunds nothing but the list-price difference to a cheaper variant (when the
   policy settles differences), and the customer owes (`due_amount`) a dearer variant's
   difference and any fees not waived.
4. A store-credit bonus (flat or percent of the credit) is added on top of the refund; it is the
   store's gift and does not count against what was paid.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_noop

from postpurchase.money import CENT, ZERO

from .models import DEFAULT_WINDOW_DAYS, CreditBonus, Resolution

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Reason:
    code: str
    label: str  # the merchant's own wording (or ours, for the default reasons)
    requires_comment: bool = False
    requires_photo: bool = False
    labels: tuple[tuple[str, str], ...] = ()  # (language, label): the merchant's translations

    def label_in(self, language: str) -> str:
        """The merchant's label for `language`, else `label` (which the portal translates when it
        is one of ours, so the default reasons read in every language)."""
        return dict(self.labels).get(language) or self.label


# What a store without its own reasons offers (gettext_noop: the portal translates these labels).
DEFAULT_REASONS: tuple[Reason, ...] = (
    Reason("too_small", gettext_noop("Too small")),
    Reason("too_large", gettext_noop("Too large")),
    Reason("not_as_described", gettext_noop("Not as described"), requires_comment=True),
    Reason("damaged", gettext_noop("Arrived damaged"), requires_photo=True),
    Reason("changed_mind", gettext_noop("Changed my mind")),
    Reason("other", gettext_noop("Something else"), requires_comment=True),
)


@dataclass(frozen=True)
class Terms:
    """A store's policy as plain data. `Terms()` is the policy of a store without one."""

    window_days: int = DEFAULT_WINDOW_DAYS
    grace_days: int = 0
    unscanned_allowance_days: int = 7
    non_returnable_categories: frozenset[str] = frozenset()
    reasons: tuple[Reason, ...] = DEFAULT_REASONS
    resolutions: frozenset[str] = frozenset(Resolution.values)
    credit_bonus: str = CreditBonus.NONE
    credit_bonus_value: Decimal = ZERO
    restocking_fee_percent: Decimal = ZERO
    return_shipping_fee: Decimal = ZERO
    waive_fees_for_credit_and_exchange: bool = True
    exchange_price_difference: bool = False  # False: exchanges only for a variant at the same price
    keep_it_below: Decimal | None = None
    auto_approve_below: Decimal | None = None
    auto_approve_reasons: frozenset[str] = frozenset()  # empty: any reason
    review_after_returns: int | None = None
    tag_windows: Mapping[str, int] = field(default_factory=dict)

    def window_days_for(self, tags: Iterable[str]) -> int:
        """The window of a customer with these tags: the longest matching tag rule, else the store's."""
        matching = [self.tag_windows[tag] for tag in tags if tag in self.tag_windows]
        return max(matching) if matching else self.window_days

    def reason(self, code: str) -> Reason | None:
        return next((reason for reason in self.reasons if reason.code == code), None)

    @property
    def shortest_window_days(self) -> int:
        return min([self.window_days, *self.tag_windows.values()])


@dataclass(frozen=True)
class Parcel:
    """An outbound shipment's dates."""

    shipped_at: datetime | None
    delivered_at: datetime | None


@dataclass(frozen=True)
class Window:
    starts_at: datetime  # the latest delivery, or shipping plus the allowance without a scan
    closes_at: datetime  # the end customers are told about
    ends_at: datetime  # closes_at plus grace: returns are accepted until then

    def is_open(self, now: datetime) -> bool:
        return now < self.ends_at

    def closes_on(self, zone: ZoneInfo) -> date:
        """The last day of the window in the store's zone, as customers are told."""
        return (self.closes_at - timedelta(microseconds=1)).astimezone(zone).date()


def window_start(parcels: Iterable[Parcel], *, unscanned_allowance_days: int) -> datetime | None:
    """When the window starts: the latest outbound parcel's delivery, counting a parcel without a
    delivery scan as delivered `unscanned_allowance_days` after it shipped. None before anything shipped."""
    allowance = timedelta(days=unscanned_allowance_days)
    starts = []
    for parcel in parcels:
        if parcel.delivered_at is not None:
            starts.append(parcel.delivered_at)
        elif parcel.shipped_at is not None:
            starts.append(parcel.shipped_at + allowance)
    return max(starts) if starts else None


def return_window(terms: Terms, *, parcels: Iterable[Parcel], tags: Iterable[str]) -> Window | None:
    starts_at = window_start(parcels, unscanned_allowance_days=terms.unscanned_allowance_days)
    if starts_at is None:
        return None
    closes_at = starts_at + timedelta(days=terms.window_days_for(tags))
    return Window(starts_at=starts_at, closes_at=closes_at, ends_at=closes_at + timedelta(days=terms.grace_days))


@dataclass(frozen=True)
class Line:
    """An order line as the policy needs it."""

    id: int
    quantity: int
    unit_price: Decimal
    title: str = ""
    shipped_quantity: int | None = None  # None: the shipments do not say which items, so all of them
    returnable: bool = True  # the product's own flag
    final_sale: bool = False
    category: str = ""

    @property
    def value(self) -> Decimal:
        return self.unit_price * self.quantity


class WhyNot:
    """Why a line cannot be returned (codes for pages and translations)."""

    ORDER_CANCELLED = "order_cancelled"
    FINAL_SALE = "final_sale"
    NOT_RETURNABLE = "not_returnable"
    NOT_SHIPPED = "not_shipped"
    WINDOW_CLOSED = "window_closed"
    ALREADY_RETURNED = "already_returned"


@dataclass(frozen=True)
class LineEligibility:
    line_id: int
    returnable_quantity: int
    why_not: str = ""  # a WhyNot code when nothing can be returned
    message: str = ""  # the reason for people (English; pages translate by `why_not`)


def _day(d: date) -> str:
    return f"{d.day} {d:%B}"


def lines_eligibility(
    terms: Terms,
    *,
    lines: Iterable[Line],
    returned: Mapping[int, int],
    window: Window | None,
    now: datetime,
    zone: ZoneInfo,
    cancelled: bool = False,
) -> list[LineEligibility]:
    """For each line, how many units can still be returned, or why none.

    `returned` is the quantity per line id in earlier returns that still stand (not rejected or
    cancelled). The checks run from the most permanent reason to the most passing one.
    """
    result = []
    for line in lines:
        left = max(0, (line.quantity if line.shipped_quantity is None else line.shipped_quantity))
        left = max(0, left - returned.get(line.id, 0))
        if cancelled:
            why, message = WhyNot.ORDER_CANCELLED, "the order was cancelled"
        elif line.final_sale:
            why, message = WhyNot.FINAL_SALE, "final sale"
        elif not line.returnable or (line.category and line.category in terms.non_returnable_categories):
            why, message = WhyNot.NOT_RETURNABLE, "this item cannot be returned"
        elif window is None or line.shipped_quantity == 0:
            why, message = WhyNot.NOT_SHIPPED, "not shipped yet"
        elif not window.is_open(now):
            why, message = WhyNot.WINDOW_CLOSED, f"window closed on {_day(window.closes_on(zone))}"
        elif left == 0:
            why, message = WhyNot.ALREADY_RETURNED, "already returned"
        else:
            why, message = "", ""
        result.append(LineEligibility(line.id, 0 if why else left, why, message))
    return result


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def discount_shares(lines: Iterable[Line], discount_total: Decimal) -> dict[int, Decimal]:
    """The order's discount shared by line value, in whole cents adding up to the discount
    (largest remainder: the cents rounding leaves over go to the lines that lost most)."""
    lines = list(lines)
    total_value = sum((line.value for line in lines), ZERO)
    discount = min(max(discount_total, ZERO), total_value)
    if not lines or total_value <= ZERO or discount <= ZERO:
        return {line.id: ZERO for line in lines}
    exact = {line.id: discount * line.value / total_value for line in lines}
    shares = {line_id: (value // CENT) * CENT for line_id, value in exact.items()}
    left_over = int((discount - sum(shares.values())) / CENT)
    for line_id in sorted(exact, key=lambda i: (shares[i] - exact[i], i))[:left_over]:
        shares[line_id] += CENT
    return shares


def units_worth(*, paid: Decimal, bought: int, before: int, taking: int) -> Decimal:
    """What `taking` units of a line are worth after `before` units were returned (rule 2)."""

    def worth(n: int) -> Decimal:
        return cents(paid * n / bought)

    return worth(before + taking) - worth(before)


@dataclass(frozen=True)
class Quote:
    line_amounts: dict[int, Decimal]  # line id -> what the units taken are worth
    items_amount: Decimal
    restocking_fee: Decimal
    shipping_fee: Decimal
    refund_amount: Decimal  # money back, or the credit before its bonus
    bonus_amount: Decimal
    keep_items: bool  # "keep it": resolved without the items coming back
    due_amount: Decimal = ZERO  # an exchange: what the customer pays (dearer variant, fees)

    @property
    def credit_amount(self) -> Decimal:
        return self.refund_amount + self.bonus_amount


def return_quote(
    terms: Terms,
    *,
    lines: Iterable[Line],
    discount_total: Decimal,
    paid_total: Decimal,
    returned: Mapping[int, int],
    refunded: Decimal,
    taking: Mapping[int, int],
    resolution: str,
    price_difference: Decimal = ZERO,
) -> Quote:
    """The exact amounts of returning `taking` (line id -> quantity) by `resolution`.

    `returned` and `refunded` are what earlier returns of the order that still stand took;
    `paid_total` is what the order cost the customer (its total). Quantities are assumed checked.
    `price_difference` (exchanges): the replacements' list prices less the returned units' list
    prices; negative when the customer picked a cheaper variant.
    """
    lines = list(lines)
    shares = discount_shares(lines, discount_total)
    amounts = {
        line.id: units_worth(
            paid=line.value - shares[line.id],
            bought=line.quantity,
            before=returned.get(line.id, 0),
            taking=taking[line.id],
        )
        for line in lines
        if taking.get(line.id)
    }
    items = sum(amounts.values(), ZERO)
    waived = resolution != Resolution.REFUND and terms.waive_fees_for_credit_and_exchange
    restocking = ZERO if waived else cents(items * terms.restocking_fee_percent / HUNDRED)
    shipping = ZERO if waived else cents(terms.return_shipping_fee)
    keep = resolution != Resolution.EXCHANGE and terms.keep_it_below is not None and ZERO < items < terms.keep_it_below
    if keep:
        shipping = ZERO  # nothing is shipped back
    left_to_refund = max(ZERO, paid_total - refunded)
    due = ZERO
    if resolution == Resolution.EXCHANGE:
        # The items' value goes into the replacement; only the difference and fees move money.
        balance = -price_difference - restocking - shipping
        refund = min(max(ZERO, balance), left_to_refund)
        due = max(ZERO, -balance)
    else:
        refund = min(max(ZERO, items - restocking - shipping), left_to_refund)
    bonus = ZERO
    if resolution == Resolution.STORE_CREDIT and refund > ZERO:
        if terms.credit_bonus == CreditBonus.FLAT:
            bonus = cents(terms.credit_bonus_value)
        elif terms.credit_bonus == CreditBonus.PERCENT:
            bonus = cents(refund * terms.credit_bonus_value / HUNDRED)
    return Quote(amounts, items, restocking, shipping, refund, bonus, keep, due)


def auto_approves(terms: Terms, *, items_amount: Decimal, reasons: Iterable[str], recent_returns: int) -> bool:
    """Whether a request is approved at once: under the amount, for allowed reasons, and from a
    customer with fewer than `review_after_returns` returns in the last 12 months."""
    if needs_review(terms, recent_returns=recent_returns) or terms.auto_approve_below is None:
        return False
    if items_amount >= terms.auto_approve_below:
        return False
    return not terms.auto_approve_reasons or set(reasons) <= terms.auto_approve_reasons


def needs_review(terms: Terms, *, recent_returns: int) -> bool:
    return terms.review_after_returns is not None and recent_returns >= terms.review_after_returns
