"""Fifty customers' worth of clicks at once against one balance: the row lock lets exactly as many
redemptions through as the points cover, and the balance never goes below zero."""

import threading

import pytest
from django.db import connections

from loyalty.models import EntryKind, PointsEntry
from loyalty.programme import programme_for
from loyalty.services import reward_redeem
from orders.models import DiscountCode, DiscountPurpose
from postpurchase.exceptions import DomainError
from tests.loyalty.factories import account, member_with

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_fifty_concurrent_redemptions_against_a_balance_for_ten_succeed_exactly_ten_times(store):
    reward = programme_for(store).rewards.get()  # 500 points for 5.00 off
    customer = member_with(store, 10 * reward.points)
    start = threading.Barrier(50)
    outcomes: list[str] = []
    lock = threading.Lock()

    def click() -> None:
        try:
            start.wait(timeout=10)
            reward_redeem(customer=customer, reward=reward)
            result = "redeemed"
        except DomainError:
            result = "refused"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=click) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert outcomes.count("redeemed") == 10
    assert outcomes.count("refused") == 40
    assert account(customer).available == 0
    assert PointsEntry.objects.filter(kind=EntryKind.REDEEM).count() == 10
    assert DiscountCode.objects.filter(purpose=DiscountPurpose.LOYALTY_REWARD, customer=customer).count() == 10
