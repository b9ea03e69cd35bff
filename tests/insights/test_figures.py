"""The dashboard's figures for a store whose numbers are worked out by hand (factories.py):
rolled up by day, then read back for the last 10 days and the 10 before."""

from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest

from insights.models import Breakdown
from insights.rollup import cohorts_rebuild, local_today, rollup_history
from insights.selectors import Period, cohort_table, figures, top_counts
from orders.models import Store
from tests.insights.factories import day, seed_hand_computed

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(db) -> Store:
    store = Store.objects.create(slug="hand", name="Hand Made", currency="EUR", timezone="Europe/Berlin")
    seed_hand_computed(store)
    rollup_history(store=store)
    cohorts_rebuild(store=store)
    return store


def last_ten_days(store: Store) -> Period:
    return Period(day(store, 9), local_today(store))


def test_orders_revenue_and_average_order_value_leave_cancelled_orders_out(shop):
    f = figures(store=shop, period=last_ten_days(shop))

    assert (f.orders, f.revenue, f.aov) == (4, Decimal("200.00"), Decimal("50.00"))


def test_repeat_rate_and_lifetime_value_count_every_customer_up_to_the_ranges_end(shop):
    now = figures(store=shop, period=last_ten_days(shop))
    before = figures(store=shop, period=last_ten_days(shop).previous())

    # A, E, B, C have ordered (D only cancelled); A and B twice. 100 + 60 + 200 over 4 customers.
    assert (now.customers, now.repeat_customers, now.repeat_rate, now.cltv) == (4, 2, Decimal("50.0"), Decimal("90.00"))
    # Ten days earlier: A and E, once each; (100 + 60) / 2.
    assert (before.customers, before.repeat_rate, before.cltv) == (2, Decimal("0.0"), Decimal("80.00"))


def test_return_rates_by_items_and_value_and_the_share_kept_as_exchange_or_credit(shop):
    f = figures(store=shop, period=last_ten_days(shop))

    # 3 of 10 items; 65.00 of 200.00; the credited return is 1 of 2 and 25.00 of 65.00.
    assert (f.items_returned, f.items_sold, f.return_rate_items) == (3, 10, Decimal("30.0"))
    assert (f.value_returned, f.return_rate_value) == (Decimal("65.00"), Decimal("32.5"))
    assert (f.retained_share, f.retained_value_share) == (Decimal("50.0"), Decimal("38.5"))


def test_top_return_reasons_and_most_returned_products(shop):
    period = last_ten_days(shop)

    reasons = top_counts(store=shop, period=period, breakdown=Breakdown.RETURN_REASON)
    products = top_counts(store=shop, period=period, breakdown=Breakdown.RETURNED_PRODUCT)

    assert reasons == [("too_small", "Too small", 2), ("damaged", "Damaged", 1)]
    assert products == [("TEE-B", "Product TEE-B", 2), ("TEE-A", "Product TEE-A", 1)]


def test_on_time_rate_is_measured_against_the_promised_date_in_the_stores_zone(shop):
    f = figures(store=shop, period=last_ten_days(shop))

    # On time, 2 days late, on time at 23:30 local (already the next day in UTC).
    assert (f.delivered, f.delivered_on_time, f.on_time_rate) == (3, 2, Decimal("66.7"))
    assert f.average_delay_days == Decimal("2.00")


def test_messages_by_outcome_and_held_back_by_reason_code(shop):
    f = figures(store=shop, period=last_ten_days(shop))

    assert (f.messages_sent, f.messages_delivered, f.messages_bounced, f.messages_suppressed) == (3, 1, 1, 2)
    assert f.held_by_reason == [
        ("frequency_cap", "Frequency cap", 1),
        ("hold:returns.open_return", "Held: returns.open_return", 1),
        ("suppression_list", "Address on the suppression list", 1),
    ]


def test_nps_csat_and_reviews(shop):
    f = figures(store=shop, period=last_ten_days(shop))

    # 3 promoters, 1 passive, 1 detractor: (3 - 1) / 5; CSAT 2 of 3 answers are 4 or 5.
    assert (f.nps, f.csat) == (Decimal("40.0"), Decimal("66.7"))
    assert (f.reviews, f.average_rating) == (2, Decimal("4.50"))


def test_points_liability_sits_next_to_open_returns_and_they_add_up_to_what_is_owed(shop):
    f = figures(store=shop, period=last_ten_days(shop))

    assert (f.members_joined, f.points_issued, f.points_redeemed) == (1, 350, 500)
    # 1,500 unspent points at 5.00 per 500; the open refund of 40.00 (credited and rejected ones are settled).
    assert (f.points_outstanding, f.liability_value) == (1500, Decimal("15.00"))
    assert (f.open_returns, f.open_returns_value) == (1, Decimal("40.00"))
    assert f.exposure == Decimal("55.00")


def test_the_cohort_table_counts_customers_ordering_again_by_months_since_their_first(shop):
    today = local_today(shop)

    rows = cohort_table(store=shop, until=today)

    def month(days_ago: int):
        return (today - timedelta(days=days_ago)).replace(day=1)

    def months(a, b) -> int:
        return (b.year - a.year) * 12 + b.month - a.month

    # First orders: A 60 days ago, E 12, B 6, C 4. Again: A 7 days ago, B 5 days ago.
    sizes, again = Counter(), Counter()
    for first in (60, 12, 6, 4):
        sizes[month(first)] += 1
    for first, second in ((60, 7), (6, 5)):
        again[(month(first), months(month(first), month(second)))] += 1
    assert {r.cohort: r.size for r in rows} == dict(sizes)
    found = {(r.cohort, k): n for r in rows for k, n in enumerate(r.repeat) if n}
    assert found == dict(again)
    assert all(len(r.repeat) == months(r.cohort, today) + 1 for r in rows)


def test_rolling_a_day_up_twice_changes_nothing(shop):
    before = figures(store=shop, period=last_ten_days(shop))

    rollup_history(store=shop)

    after = figures(store=shop, period=last_ten_days(shop))
    assert (after.sums, after.customers, after.held_by_reason) == (before.sums, before.customers, before.held_by_reason)
