from decimal import Decimal

import pytest

from orders.inputs import LineItemInput
from orders.selectors import products_recommended_for
from tests.orders.factories import StoreFactory, place_order

pytestmark = pytest.mark.django_db


def item(sku, quantity=1):
    return LineItemInput(sku=sku, title=sku.title(), quantity=quantity, unit_price=Decimal("10.00"))


def test_products_bought_together_come_first_and_never_ones_already_ordered(store):
    place_order(store, number="#1", external_id="1", line_items=[item("tee"), item("cap")])
    place_order(store, number="#2", external_id="2", line_items=[item("tee"), item("cap"), item("sock")])
    place_order(store, number="#3", external_id="3", line_items=[item("belt", quantity=50)])
    order = place_order(store, number="#4", external_id="4", line_items=[item("tee")])

    recommended = products_recommended_for(order, limit=3)

    assert [p.sku for p in recommended] == ["cap", "sock", "belt"]


def test_without_history_it_falls_back_to_bestsellers(store):
    place_order(store, number="#1", external_id="1", line_items=[item("belt", quantity=5)])
    place_order(store, number="#2", external_id="2", line_items=[item("sock", quantity=9)])
    order = place_order(store, number="#3", external_id="3", line_items=[item("tee")])

    assert [p.sku for p in products_recommended_for(order)] == ["sock", "belt"]


def test_it_recommends_only_the_stores_own_products(store):
    other = StoreFactory(slug="elsewhere")
    place_order(other, number="#1", external_id="1", line_items=[item("tee"), item("rival")])
    order = place_order(store, number="#2", external_id="2", line_items=[item("tee")])

    assert products_recommended_for(order) == []
