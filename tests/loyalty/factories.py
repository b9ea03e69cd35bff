"""Members with points, orders whose windows close, and returns resolved through returns' services."""

from datetime import timedelta

import time_machine
from django.utils import timezone

from loyalty.ledger import account_for
from loyalty.models import Account, EntryKind
from loyalty.programme import programme_for
from loyalty.services import bonus_give
from orders.models import Customer, Order, Store
from returns.services import return_approve, return_receive, return_resolve, returns_close_windows
from tests.returns.factories import delivered_order, request_return


def account(customer: Customer) -> Account:
    return Account.objects.get(pk=account_for(customer).pk)


def member_with(store: Store, points: int, *, email: str = "ada@example.com") -> Customer:
    """A customer with `points` available (a staff-free bonus, as a moment would give)."""
    customer = Customer.objects.create(store=store, email=email, first_name="Ada")
    programme_for(store)
    account_for(customer)
    bonus_give(customer=customer, kind=EntryKind.BONUS, points=points, key="test:grant", reason="Welcome")
    return customer


def window_closed(order: Order) -> None:
    """Move past the order's 30-day return window and let returns close it, as the beat task does."""
    with time_machine.travel(timezone.now() + timedelta(days=40), tick=False):
        returns_close_windows()


def refunded_return(order: Order, *quantities: tuple[int, int]) -> None:
    rr = request_return(order, *quantities)
    return_approve(return_id=rr.pk, actor="owner")
    return_receive(return_id=rr.pk, actor="owner")
    return_resolve(return_id=rr.pk, actor="owner", refund_reference="re_1")


__all__ = ["account", "delivered_order", "member_with", "refunded_return", "window_closed"]
