"""Which lines a customer may return, and why not, by the store's policy."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from orders.models import Customer, Product
from postpurchase.exceptions import DomainError
from returns.selectors import order_eligibility
from tests.returns.factories import delivered_order, line, policy, request_return

pytestmark = pytest.mark.django_db


def _by_title(order):
    titles = {li.pk: li.title for li in order.line_items.all()}
    return {titles[e.line_id]: (e.returnable_quantity, e.message) for e in order_eligibility(order)}


def test_a_store_without_a_policy_takes_returns_for_30_days_after_delivery(store):
    order = delivered_order(store, delivered_days_ago=29)

    inside = _by_title(order)
    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1)):
        outside = _by_title(order)

    assert inside == {"Linen tee": (2, ""), "Wool cap": (1, "")}
    assert outside["Linen tee"][0] == 0
    assert outside["Linen tee"][1].startswith("window closed on ")


def test_the_window_closed_message_names_the_last_day_in_the_stores_zone(store):
    # At the suite's noon UTC it is already the next day in Auckland.
    store.timezone = "Pacific/Auckland"
    store.save(update_fields=["timezone"])
    policy(store, window_days=14)
    order = delivered_order(store, delivered_days_ago=20)

    last_day = (timezone.now() - timedelta(days=6)).astimezone(store.zone)
    assert _by_title(order)["Wool cap"] == (0, f"window closed on {last_day.day} {last_day:%B}")


def test_without_a_delivery_scan_the_window_starts_after_shipping_plus_the_allowance(store):
    policy(store, window_days=10, unscanned_allowance_days=5)
    order = delivered_order(store, delivered_days_ago=None, shipped_days_ago=14)

    inside = _by_title(order)["Linen tee"][0]
    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1)):
        outside = _by_title(order)["Linen tee"][0]

    assert (inside, outside) == (2, 0)


def test_grace_days_quietly_extend_the_window(store):
    policy(store, window_days=10, grace_days=3)
    order = delivered_order(store, delivered_days_ago=12)

    assert _by_title(order)["Linen tee"][0] == 2
    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1)):
        assert _by_title(order)["Linen tee"][0] == 0


def test_a_customer_tag_rule_gives_a_longer_window(store):
    policy(store, window_days=30, tags={"tier:gold": 60})
    order = delivered_order(store, delivered_days_ago=45)
    ordinary = _by_title(order)["Linen tee"][0]

    Customer.objects.filter(pk=order.customer_id).update(tags=["tier:gold"])
    order.refresh_from_db(fields=["customer"])

    assert (ordinary, _by_title(order)["Linen tee"][0]) == (0, 2)


def test_final_sale_and_non_returnable_categories_cannot_be_returned(store):
    policy(store, non_returnable_categories="Hats\nUnderwear")
    order = delivered_order(store)
    Product.objects.filter(sku="TEE-1").update(final_sale=True)
    Product.objects.filter(sku="CAP-1").update(category="Hats")

    assert _by_title(order) == {
        "Linen tee": (0, "final sale"),
        "Wool cap": (0, "this item cannot be returned"),
    }


def test_nothing_is_returnable_before_it_ships(store):
    from tests.orders.factories import place_order

    order = place_order(store)

    assert _by_title(order)["Linen tee"] == (0, "not shipped yet")


def test_a_partial_return_leaves_the_rest_returnable_and_a_second_return_of_it_is_refused(store):
    order = delivered_order(store)

    request_return(order, (0, 1))
    after_first = _by_title(order)["Linen tee"]
    request_return(order, (0, 1))
    after_second = _by_title(order)["Linen tee"]

    assert after_first == (1, "")
    assert after_second == (0, "already returned")
    with pytest.raises(DomainError, match="At most 0 of Linen tee"):
        request_return(order, (0, 1))


def test_a_quantity_above_what_was_bought_changes_nothing(store):
    order = delivered_order(store)

    with pytest.raises(DomainError, match="At most 2"):
        request_return(order, (0, 3))

    assert not order.return_requests.exists()


def test_another_orders_line_is_refused(store):
    order = delivered_order(store)
    other = delivered_order(store, number="#2002")

    from returns.services import ReturnItemInput, return_request_create

    with pytest.raises(DomainError, match="not part of this order"):
        return_request_create(
            order=order,
            items=[ReturnItemInput(line_item_id=line(other).pk, quantity=1, reason="too_small")],
            resolution="refund",
        )


def test_a_reason_that_requires_a_comment_or_photo_is_refused_without_one(store):
    policy(store, reasons=True)
    order = delivered_order(store)

    with pytest.raises(DomainError, match="tell us more"):
        request_return(order, (0, 1), reason="other")
    with pytest.raises(DomainError, match="add a photo"):
        request_return(order, (0, 1), reason="damaged")
    with pytest.raises(DomainError, match="reasons offered"):
        request_return(order, (0, 1), reason="changed_mind")


def test_only_what_was_shipped_can_be_returned_when_shipments_list_their_items(store):
    from orders.models import Shipment, ShipmentItem

    order = delivered_order(store)
    shipment = Shipment.objects.get(order=order)
    ShipmentItem.objects.create(shipment=shipment, line_item=line(order, 0), quantity=1)

    assert _by_title(order) == {"Linen tee": (1, ""), "Wool cap": (0, "not shipped yet")}


def test_a_return_parcel_does_not_start_or_extend_the_window(store):
    from orders.models import Shipment, ShipmentDirection

    order = delivered_order(store, delivered_days_ago=31)
    Shipment.objects.create(
        store=store,
        order=order,
        direction=ShipmentDirection.RETURN,
        shipped_at=timezone.now(),
        delivered_at=timezone.now(),
    )

    assert _by_title(order)["Linen tee"][0] == 0


def test_eligibility_costs_the_same_queries_however_many_lines_and_returns_an_order_has(store):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.returns.factories import priced_order

    def queries_for(lines: int, returns: int, number: str) -> int:
        order = priced_order(store, [(2, "10.00")] * lines, number=number)
        for index in range(returns):
            request_return(order, (index, 1))
        order.refresh_from_db()
        with CaptureQueriesContext(connection) as queries:
            order_eligibility(order)
        return len(queries)

    assert queries_for(1, 0, "#1") == queries_for(5, 3, "#2")
