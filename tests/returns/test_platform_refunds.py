"""A refund made in Shopify for a returned line resolves that return as refunded."""

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.models import Message
from orders.services import tracking_event_add
from returns import messages
from returns.models import ReturnStatus
from returns.services import return_approve
from tests.orders.shopify_helpers import _order
from tests.orders.shopify_payloads import (
    CAP_LINE_ID,
    TEE_LINE_ID,
    fulfillment_payload,
    order_payload,
    post_webhook,
    refund_payload,
)
from tests.returns.factories import request_return

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(client, store):
    """A Shopify order, fulfilled in Shopify and delivered yesterday."""
    post_webhook(client, store, "orders/create", order_payload())
    post_webhook(client, store, "fulfillments/create", fulfillment_payload())
    order = _order(store)
    tracking_event_add(
        shipment=order.shipments.get(), occurred_at=timezone.now() - timedelta(days=1), status="delivered"
    )
    return order


def test_a_shopify_refund_of_the_returned_tee_resolves_the_return_as_refunded(client, store, order, deliver):
    rr = request_return(order, (0, 1))
    return_approve(return_id=rr.pk, actor="owner")

    deliver(post_webhook, client, store, "refunds/create", refund_payload(items={TEE_LINE_ID: 1}))

    rr.refresh_from_db()
    assert rr.status == ReturnStatus.REFUNDED
    assert (rr.refund_reference, rr.refund_method, rr.refund_provider) == (
        f"shopify:{refund_payload()['id']}",
        "platform",
        "shopify",
    )
    assert list(order.events.filter(kind__startswith="return.").order_by("id").values_list("kind", flat=True))[-2:] == [
        "return.received",
        "return.refunded",
    ]
    assert Message.objects.filter(order=order, kind=messages.RESOLVED).count() == 1


def test_a_refund_of_other_lines_leaves_the_return_open(client, store, order):
    rr = request_return(order, (0, 1))
    return_approve(return_id=rr.pk, actor="owner")

    post_webhook(client, store, "refunds/create", refund_payload(items={CAP_LINE_ID: 1}, amount="19.90"))

    rr.refresh_from_db()
    assert rr.status == ReturnStatus.LABEL_ISSUED


def test_a_request_nobody_decided_is_left_to_the_merchant(client, store, order):
    rr = request_return(order, (0, 1))

    post_webhook(client, store, "refunds/create", refund_payload(items={TEE_LINE_ID: 1}))

    rr.refresh_from_db()
    assert rr.status == ReturnStatus.REQUESTED


def test_a_shopify_refund_that_resolves_a_return_takes_the_points_back_once(client, store, order, deliver):
    from loyalty.models import EntryKind, PointsEntry

    rr = request_return(order, (0, 1))
    return_approve(return_id=rr.pk, actor="owner")

    deliver(post_webhook, client, store, "refunds/create", refund_payload(items={TEE_LINE_ID: 1}))

    reversals = PointsEntry.objects.filter(account__customer=order.customer, kind=EntryKind.REVERSE)
    assert reversals.count() == 1  # the platform's refund and the return it resolved are one refund
