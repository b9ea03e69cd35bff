"""The RMA workflow: forward only, one `return.*` event per step, store credit, the order's status."""

from decimal import Decimal

import pytest

from orders.events import describe
from orders.models import DiscountCode, DiscountPurpose, DomainEvent, OrderStatus
from postpurchase.exceptions import DomainError, InvalidTransition
from returns.models import RETURN_NEXT, CreditBonus, ReturnRequest, ReturnStatus
from returns.services import (
    ItemReceipt,
    return_approve,
    return_cancel,
    return_receive,
    return_reject,
    return_resolve,
)
from tests.returns.factories import delivered_order, line, policy, request_return

pytestmark = pytest.mark.django_db


def _kinds(order):
    return list(DomainEvent.objects.filter(order=order, kind__startswith="return.").values_list("kind", flat=True))


def test_a_request_gets_an_rma_number_and_is_on_the_order_timeline_with_its_amounts(store):
    order = delivered_order(store)

    rr = request_return(order, (0, 1))

    assert rr.number.startswith("RMA-")
    assert len(rr.number) == 12
    assert rr.status == ReturnStatus.REQUESTED
    event = DomainEvent.objects.get(order=order, kind="return.requested")
    assert (event.data["return_id"], event.data["items_amount"], event.data["refund_amount"]) == (
        rr.pk,
        "25.00",
        "25.00",
    )
    assert describe(event) == f"Return {rr.number} requested (refund, items worth EUR 25.00)"


def test_a_refund_goes_requested_approved_received_refunded_and_the_order_partially_returned(store):
    order = delivered_order(store)
    rr = request_return(order, (0, 1))

    return_approve(return_id=rr.pk, actor="owner")
    return_receive(
        return_id=rr.pk,
        actor="owner",
        receipts=[ItemReceipt(line_item_id=line(order).pk, condition="used", restock=False)],
    )
    rr = return_resolve(return_id=rr.pk, actor="owner", refund_reference="re_123")

    assert rr.status == ReturnStatus.REFUNDED
    assert _kinds(order) == [
        "return.requested",
        "return.approved",
        "return.label_issued",
        "return.received",
        "return.refunded",
    ]
    assert list(rr.items.values_list("condition", "restock")) == [("used", False)]
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_RETURNED


def test_the_order_is_returned_once_every_unit_came_back_across_returns(store):
    order = delivered_order(store)
    first = request_return(order, (0, 2))
    second = request_return(order, (1, 1))

    for rr in (first, second):
        return_approve(return_id=rr.pk, actor="owner")
        return_receive(return_id=rr.pk, actor="owner")

    order.refresh_from_db()
    assert order.status == OrderStatus.RETURNED


def test_store_credit_issues_a_code_worth_the_refund_plus_the_bonus(store):
    policy(store, credit_bonus=CreditBonus.FLAT, credit_bonus_value=Decimal("5.00"))
    order = delivered_order(store)
    rr = request_return(order, (1, 1), resolution="store_credit")
    return_approve(return_id=rr.pk, actor="owner")
    return_receive(return_id=rr.pk, actor="owner")

    rr = return_resolve(return_id=rr.pk, actor="owner")

    code = DiscountCode.objects.get(pk=rr.credit_code_id)
    assert (code.purpose, code.balance, code.currency, code.customer_id) == (
        DiscountPurpose.STORE_CREDIT,
        Decimal("24.90"),
        "EUR",
        order.customer_id,
    )
    event = DomainEvent.objects.get(order=order, kind="return.credited")
    assert (event.data["code"], event.data["credit_amount"], event.data["bonus_amount"]) == (code.code, "24.90", "5.00")


def test_a_keep_it_return_resolves_as_kept_without_being_received(store):
    policy(store, keep_it_below=Decimal("30.00"))
    order = delivered_order(store)
    rr = request_return(order, (1, 1))
    return_approve(return_id=rr.pk, actor="owner")

    rr = return_resolve(return_id=rr.pk, actor="owner")

    assert rr.status == ReturnStatus.KEPT
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_RETURNED


def test_a_return_cannot_be_resolved_before_its_items_arrive(store):
    order = delivered_order(store)
    rr = request_return(order, (0, 1))
    return_approve(return_id=rr.pk, actor="owner")

    with pytest.raises(InvalidTransition):
        return_resolve(return_id=rr.pk, actor="owner")

    assert ReturnRequest.objects.get(pk=rr.pk).status == ReturnStatus.LABEL_ISSUED


def test_statuses_only_move_forward(store):
    order = delivered_order(store)
    rr = request_return(order, (0, 1))
    return_reject(return_id=rr.pk, actor="owner", reason="Worn")

    with pytest.raises(InvalidTransition):
        return_approve(return_id=rr.pk, actor="owner")
    with pytest.raises(InvalidTransition):
        return_cancel(return_id=rr.pk, actor="owner")

    assert ReturnRequest.objects.get(pk=rr.pk).status == ReturnStatus.REJECTED
    assert _kinds(order) == ["return.requested", "return.rejected"]


def test_no_status_leads_back_to_one_before_it():
    order_of = {status: i for i, status in enumerate(ReturnStatus.values)}
    resolved = {ReturnStatus.REFUNDED, ReturnStatus.EXCHANGED, ReturnStatus.CREDITED, ReturnStatus.KEPT}

    for status, following in RETURN_NEXT.items():
        for nxt in following:
            # Cancelled sits at the end of the list: it may follow anything that has not arrived.
            assert order_of[nxt] > order_of[status] or nxt in resolved | {ReturnStatus.CANCELLED}
    assert not set(RETURN_NEXT) & (resolved | {ReturnStatus.REJECTED, ReturnStatus.CANCELLED})


def test_a_rejection_needs_a_reason_the_customer_can_read(store):
    rr = request_return(delivered_order(store), (0, 1))

    with pytest.raises(DomainError, match="Say why"):
        return_reject(return_id=rr.pk, actor="owner", reason="  ")

    assert ReturnRequest.objects.get(pk=rr.pk).status == ReturnStatus.REQUESTED


def test_a_cancelled_return_gives_its_quantity_back(store):
    order = delivered_order(store)
    rr = request_return(order, (0, 2))

    return_cancel(return_id=rr.pk, actor="customer")
    again = request_return(order, (0, 2))

    assert again.refund_amount == Decimal("50.00")


def test_a_small_return_for_an_allowed_reason_is_approved_at_once(store):
    policy(store, reasons=True, auto_approve_below=Decimal("30.00"), auto_approve_reasons="too_small")
    order = delivered_order(store)

    small = request_return(order, (1, 1))
    large = request_return(order, (0, 2))

    # Approved, and its label issued at once.
    assert (small.status, large.status) == (ReturnStatus.LABEL_ISSUED, ReturnStatus.REQUESTED)
    assert DomainEvent.objects.get(order=order, kind="return.approved").actor == "auto-approval"


def test_a_customer_with_many_recent_returns_is_reviewed_by_hand(store):
    policy(store, auto_approve_below=Decimal("100.00"), review_after_returns=2)
    first = request_return(delivered_order(store, number="#1"), (0, 1))
    second = request_return(delivered_order(store, number="#2"), (0, 1))

    third = request_return(delivered_order(store, number="#3"), (0, 1))

    assert [r.status for r in (first, second)] == [ReturnStatus.LABEL_ISSUED] * 2
    assert (third.status, third.needs_review) == (ReturnStatus.REQUESTED, True)


def test_a_resolution_the_store_does_not_offer_is_refused(store):
    policy(store, allow_refund=False)
    order = delivered_order(store)

    with pytest.raises(DomainError, match="does not offer"):
        request_return(order, (0, 1), resolution="refund")


@pytest.fixture
def tees(store):
    """An order of two linen tees (25.00) whose product has a large (25.00) and an XL (29.00) variant."""
    from orders.models import Product

    order = delivered_order(store)
    Product.objects.filter(sku="TEE-1").update(group="tee")
    variants = {
        sku: Product.objects.create(store=store, sku=sku, title=f"Linen tee {sku}", price=Decimal(price), group="tee")
        for sku, price in (("TEE-L", "25.00"), ("TEE-XL", "29.00"), ("TEE-XS", "21.50"))
    }
    return order, variants


def _exchange(order, product, quantity=1):
    from returns.services import ReturnItemInput, return_request_create

    item = ReturnItemInput(
        line_item_id=line(order).pk, quantity=quantity, reason="too_small", exchange_for_id=product.pk
    )
    return return_request_create(order=order, items=[item], resolution="exchange")


def test_an_exchange_is_for_another_variant_of_the_same_product_at_the_same_price(store, tees):
    from orders.models import Product

    order, variants = tees

    with pytest.raises(DomainError, match="not a variant"):
        _exchange(order, Product.objects.get(sku="CAP-1"))
    with pytest.raises(DomainError, match="same price"):
        _exchange(order, variants["TEE-XL"])
    rr = _exchange(order, variants["TEE-L"])

    assert (rr.refund_amount, rr.amount_due, rr.items.get().exchange_for) == (
        Decimal("0.00"),
        Decimal("0.00"),
        variants["TEE-L"],
    )


def test_a_final_sale_variant_cannot_be_taken_in_exchange(store, tees):
    order, variants = tees
    variants["TEE-L"].final_sale = True
    variants["TEE-L"].save()

    with pytest.raises(DomainError, match="cannot be exchanged for"):
        _exchange(order, variants["TEE-L"])


def test_when_the_policy_settles_differences_a_dearer_variant_is_paid_and_a_cheaper_one_refunded(store, tees):
    policy(store, exchange_price_difference=True)
    order, variants = tees

    dearer = _exchange(order, variants["TEE-XL"])
    cheaper = _exchange(order, variants["TEE-XS"])

    assert (dearer.amount_due, dearer.refund_amount) == (Decimal("4.00"), Decimal("0.00"))
    assert (cheaper.amount_due, cheaper.refund_amount) == (Decimal("0.00"), Decimal("3.50"))
    event = DomainEvent.objects.get(order=order, kind="return.requested", data__return_id=dearer.pk)
    assert event.data["amount_due"] == "4.00"


def test_every_return_event_reads_as_a_sentence_on_the_timeline(store):
    from returns.events import RETURN_KINDS, RETURN_WINDOW_CLOSED

    rr = request_return(delivered_order(store), (0, 1))
    data = {"number": rr.number, "currency": "EUR", "refund_amount": "25.00", "bonus_amount": "0.00"}

    for kind in [*RETURN_KINDS.values(), RETURN_WINDOW_CLOSED]:
        text = describe(DomainEvent(kind=kind, data=data))
        assert text != kind
        assert kind == RETURN_WINDOW_CLOSED or rr.number in text
