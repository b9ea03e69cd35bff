"""Helpers shared by the Shopify webhook tests (test_shopify_webhooks_*.py)."""

from orders.models import Order
from tests.orders.shopify_payloads import ORDER_ID


def _order(store) -> Order:
    return Order.objects.with_details().get(store=store, external_id=str(ORDER_ID))
