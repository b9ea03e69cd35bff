"""Two writers at once: the same units are never returned twice, a window never closes twice."""

import threading

import pytest
import time_machine
from django.db import connections, transaction
from django.utils import timezone

from orders.models import DomainEvent, Order
from postpurchase.exceptions import DomainError
from returns.models import ReturnRequest
from returns.services import returns_close_windows
from tests.returns.factories import delivered_order, request_return

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_requests_for_the_same_units_at_once_make_one_return(store):
    order = delivered_order(store)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def customer():
        try:
            start.wait(timeout=5)
            request_return(order, (0, 2))
            outcomes.append("made")
        except DomainError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=customer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert sorted(outcomes) == ["made", "refused"]
    assert ReturnRequest.objects.filter(order=order).count() == 1


def test_an_order_being_written_is_skipped_and_its_window_closed_on_the_next_run(store):
    order = delivered_order(store, delivered_days_ago=40)
    now = timezone.now()
    results: list[list[int]] = []

    def close_elsewhere():
        try:
            with time_machine.travel(now, tick=False):
                results.append(returns_close_windows())
        finally:
            connections.close_all()

    with transaction.atomic():
        Order.objects.select_for_update().get(pk=order.pk)  # a webhook holds the order
        worker = threading.Thread(target=close_elsewhere)
        worker.start()
        worker.join(timeout=10)

    assert results == [[]]
    assert returns_close_windows() == [order.pk]
    assert returns_close_windows() == []
    assert DomainEvent.objects.filter(order=order, kind="return_window.closed").count() == 1
