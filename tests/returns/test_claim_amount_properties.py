"""Whatever mix of returns and claims a customer makes on one order, and however the merchant
resolves the claims, the refunds and credits that stand never add up to more than was paid."""

from decimal import Decimal

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orders.inputs import LineItemInput
from postpurchase.exceptions import DomainError
from returns.claims.services import ClaimItemInput, claim_approve, claim_create
from returns.models import ReturnRequest, ReturnStatus
from returns.services import ReturnItemInput, return_request_create
from tests.returns.factories import delivered_order, policy

pytestmark = pytest.mark.django_db(transaction=True)

money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("300.00"), places=2)
step = st.tuples(
    st.sampled_from(["return", "claim", "approve"]),
    st.integers(0, 3),  # line
    st.integers(1, 3),  # quantity
    st.sampled_from(["refund", "store_credit", "reship"]),
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    bought=st.lists(st.tuples(st.integers(1, 3), money), min_size=1, max_size=4),
    discount_percent=st.integers(0, 100),
    steps=st.lists(step, min_size=1, max_size=8),
)
def test_refunds_across_returns_and_claims_never_exceed_what_was_paid(store, bought, discount_percent, steps):
    policy_row = store.return_policy if hasattr(store, "return_policy") else None
    if policy_row is None:
        policy(store, auto_approve_below=Decimal("100.00"), keep_it_below=Decimal("20.00"))
    lines = [LineItemInput(sku=f"S{i}", title=f"Item {i}", quantity=q, unit_price=p) for i, (q, p) in enumerate(bought)]
    subtotal = sum(q * p for q, p in bought)
    discount = (subtotal * discount_percent / 100).quantize(Decimal("0.01"))
    number = f"#P{ReturnRequest.objects.count()}-{len(steps)}-{store.orders.count()}"
    order = delivered_order(store, line_items=lines, discount_total=discount, number=number)
    line_ids = list(order.line_items.values_list("pk", flat=True))

    for kind, index, quantity, resolution in steps:
        line_id = line_ids[index % len(line_ids)]
        try:
            if kind == "return":
                return_request_create(
                    order=order,
                    items=[ReturnItemInput(line_item_id=line_id, quantity=quantity, reason="changed_mind")],
                    resolution="exchange" if resolution == "reship" else resolution,
                )
            elif kind == "claim":
                claim_create(
                    order=order,
                    problem="wrong_item",
                    items=[ClaimItemInput(line_item_id=line_id, quantity=quantity)],
                    resolution=resolution,
                )
            else:
                pending = ReturnRequest.objects.filter(order=order, kind="claim", status=ReturnStatus.REQUESTED).first()
                if pending is not None:
                    claim_approve(claim_id=pending.pk, actor="owner", resolution=resolution)
        except DomainError:
            pass

        standing = ReturnRequest.objects.filter(order=order).active().aggregate(s=Sum("refund_amount"))["s"]
        assert (standing or Decimal(0)) <= order.total
