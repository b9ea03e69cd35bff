"""Tiers follow the last 12 months' points: a change tags the customer (which the returns policy
honours), records the change and schedules the tier message; refunds can take a tier away."""

from datetime import timedelta
from decimal import Decimal

import time_machine
from django.utils import timezone

from loyalty.events import TIER_CHANGED
from loyalty.tasks import loyalty_tiers_task
from loyalty.tiers import TIER_MESSAGE
from notifications.models import Message
from orders.inputs import LineItemInput
from orders.models import Customer, DomainEvent
from returns.selectors import order_eligibility
from tests.loyalty.factories import account, delivered_order, refunded_return
from tests.orders.factories import place_order
from tests.returns.factories import policy
from tracking import links


def big_order(store, number="#1001", **kw):
    """1,000.00 of goods: 5,000 points, Silver's threshold."""
    return place_order(
        store,
        number=number,
        line_items=[LineItemInput(sku="COAT", title="Coat", quantity=2, unit_price=Decimal("500.00"))],
        **kw,
    )


def test_a_first_small_order_joins_bronze_quietly(store):
    order = place_order(store)

    assert account(order.customer).tier == "bronze"
    assert Customer.objects.get(pk=order.customer_id).tags == ["tier:bronze"]
    assert not DomainEvent.objects.filter(kind=TIER_CHANGED).exists()


def test_reaching_silver_replaces_the_tier_tag_records_the_change_and_schedules_the_message(store):
    first = place_order(store)
    Customer.objects.filter(pk=first.customer_id).update(tags=["vip", "tier:bronze"])

    order = big_order(store, number="#1002")

    assert account(order.customer).tier == "silver"
    assert Customer.objects.get(pk=order.customer_id).tags == ["vip", "tier:silver"]
    change = DomainEvent.objects.get(kind=TIER_CHANGED)
    assert (change.data["from"], change.data["to"], change.customer_id) == ("bronze", "silver", order.customer_id)
    message = Message.objects.get(kind=TIER_MESSAGE)
    assert (message.customer_id, message.order_id, message.data["tier"]) == (order.customer_id, None, "silver")


def test_silver_earns_half_as_many_points_again(store):
    order = big_order(store)

    second = place_order(store, number="#1002")

    assert account(order.customer).pending == 5000 + 524  # 69.90 x 5 x 1.5 = 524.25, rounded down
    assert second.customer_id == order.customer_id


def test_the_silver_tag_gives_the_longer_return_window_of_the_returns_policy(store):
    policy(store, window_days=30, tags={"tier:silver": 60})
    order = delivered_order(
        store,
        delivered_days_ago=40,
        line_items=[LineItemInput(sku="COAT", title="Coat", quantity=2, unit_price=Decimal("500.00"))],
    )

    assert [line.returnable_quantity for line in order_eligibility(order)] == [2]


def test_a_full_refund_takes_the_tier_back_down(store):
    order = delivered_order(
        store, line_items=[LineItemInput(sku="COAT", title="Coat", quantity=2, unit_price=Decimal("500.00"))]
    )
    assert account(order.customer).tier == "silver"

    refunded_return(order, (0, 2))

    assert account(order.customer).tier == "bronze"
    assert Customer.objects.get(pk=order.customer_id).tags == ["tier:bronze"]


def test_points_older_than_twelve_months_no_longer_count_for_the_tier(store):
    order = big_order(store)

    with time_machine.travel(timezone.now() + timedelta(days=400), tick=False):
        place_order(store, number="#1002")

        assert account(order.customer).tier == "bronze"


def test_the_nightly_sweep_lowers_the_tier_of_a_member_who_did_nothing_for_a_year(store):
    order = big_order(store)
    assert account(order.customer).tier == "silver"

    with time_machine.travel(timezone.now() + timedelta(days=400), tick=False):
        loyalty_tiers_task()
        loyalty_tiers_task()

    assert account(order.customer).tier == "bronze"
    assert Customer.objects.get(pk=order.customer_id).tags == ["tier:bronze"]
    assert DomainEvent.objects.filter(kind=TIER_CHANGED, data__to="bronze").count() == 1


def test_a_silver_customer_can_still_return_on_the_portal_what_a_bronze_one_cannot(client, store):
    """End to end: orders earn points, the tier tags the customer, and the returns portal, which
    reads only the tag, offers the return after the normal window."""
    policy(store, window_days=30, tags={"tier:silver": 60})
    coat = [LineItemInput(sku="COAT", title="Coat", quantity=2, unit_price=Decimal("500.00"))]
    silver = delivered_order(store, delivered_days_ago=40, line_items=coat)
    bronze = delivered_order(store, delivered_days_ago=40, number="#2001", email="bob@example.com")

    silver_page = client.get(f"/returns/{links.order_token(silver)}/").content.decode()
    bronze_page = client.get(f"/returns/{links.order_token(bronze)}/").content.decode()

    assert Customer.objects.get(pk=silver.customer_id).tags == ["tier:silver"]
    assert "The return window closed" not in silver_page
    assert "How many" in silver_page
    assert "The return window closed" in bronze_page
