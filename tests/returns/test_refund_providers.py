"""Refunds go through the store's refund provider: record only by default, Shopify a documented slot
that refuses (and changes nothing) until it is built; platform refunds are recorded as such."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission

from orders.models import DomainEvent
from postpurchase.exceptions import DomainError
from returns.models import RefundMethod, ReturnRequest, ReturnStatus
from returns.services import return_approve, return_receive, return_resolve
from tests.orders.factories import UserFactory
from tests.returns.factories import delivered_order, policy, request_return

pytestmark = pytest.mark.django_db


@pytest.fixture
def merchant(store):
    user = UserFactory(username="merchant", stores=[store])
    user.user_permissions.set(Permission.objects.filter(content_type__app_label__in=["orders", "returns"]))
    return user


def _received(store, resolution="refund"):
    rr = request_return(delivered_order(store), (0, 1), resolution=resolution)
    return_approve(return_id=rr.pk, actor="owner")
    return_receive(return_id=rr.pk, actor="owner")
    return rr


def test_a_refund_is_recorded_with_its_amount_method_provider_and_reference(store):
    rr = _received(store)

    rr = return_resolve(return_id=rr.pk, actor="owner", refund_reference=" re_3Pq9 ")

    assert (rr.status, rr.refund_amount, rr.refund_method, rr.refund_provider, rr.refund_reference) == (
        ReturnStatus.REFUNDED,
        Decimal("25.00"),
        RefundMethod.ORIGINAL_PAYMENT,
        "record_only",
        "re_3Pq9",
    )
    event = DomainEvent.objects.get(order=rr.order, kind="return.refunded")
    assert (event.data["refund_amount"], event.data["refund_method"], event.data["refund_provider"]) == (
        "25.00",
        "original_payment",
        "record_only",
    )
    assert event.data["refund_reference"] == "re_3Pq9"


def test_a_store_that_chose_shopify_is_told_it_is_not_available_and_nothing_changes(store):
    policy(store, refund_provider="shopify")
    rr = _received(store)

    with pytest.raises(DomainError, match="Refunding through Shopify is not available yet"):
        return_resolve(return_id=rr.pk, actor="owner")

    rr.refresh_from_db()
    assert (rr.status, rr.refund_provider, rr.resolved_at) == (ReturnStatus.RECEIVED, "", None)
    assert not DomainEvent.objects.filter(kind="return.refunded").exists()


def test_store_credit_moves_no_money_so_no_provider_is_asked(store):
    policy(store, refund_provider="shopify")
    rr = _received(store, resolution="store_credit")

    rr = return_resolve(return_id=rr.pk, actor="owner")

    assert (rr.status, rr.refund_provider, rr.refund_method) == (ReturnStatus.CREDITED, "", "")
    assert rr.credit_code is not None


def test_the_admin_shows_the_providers_refusal_and_the_return_stays_received(client, merchant, store):
    policy(store, refund_provider="shopify")
    rr = _received(store)
    client.force_login(merchant)

    response = client.post(f"/admin/returns/returnrequest/{rr.pk}/step/resolve/", {"refund_reference": ""}, follow=True)

    assert "not available yet" in response.content.decode()
    assert ReturnRequest.objects.get(pk=rr.pk).status == ReturnStatus.RECEIVED


def test_an_exchange_for_a_cheaper_variant_refunds_the_difference_through_the_provider(store):
    from orders.models import Product
    from returns.services import ReturnItemInput, return_request_create
    from tests.returns.factories import line

    policy(store, exchange_price_difference=True)
    order = delivered_order(store)
    Product.objects.filter(sku="TEE-1").update(group="tee")
    cheaper = Product.objects.create(store=store, sku="TEE-XS", title="Tee XS", price=Decimal("21.50"), group="tee")
    rr = return_request_create(
        order=order,
        items=[
            ReturnItemInput(line_item_id=line(order).pk, quantity=1, reason="too_small", exchange_for_id=cheaper.pk)
        ],
        resolution="exchange",
    )
    return_approve(return_id=rr.pk, actor="owner")
    return_receive(return_id=rr.pk, actor="owner")

    rr = return_resolve(return_id=rr.pk, actor="owner", refund_reference="re_diff")

    assert (rr.status, rr.refund_amount, rr.refund_method, rr.refund_reference) == (
        ReturnStatus.EXCHANGED,
        Decimal("3.50"),
        RefundMethod.ORIGINAL_PAYMENT,
        "re_diff",
    )
