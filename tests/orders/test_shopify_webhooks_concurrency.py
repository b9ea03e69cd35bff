"""Shopify delivers the same event again, or the same order under new events, while the first
delivery is still being processed: every delivery is answered 200, and the order, its
`order.placed` and its confirmation exist once."""

import threading

import pytest
from django.db import connections
from django.test import Client

from notifications.models import Message
from orders.models import DomainEvent, InboundWebhook, Order
from tests.orders.shopify_payloads import order_payload, post_webhook

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CLIENTS = 8


def _deliver_at_once(store, event_ids: list[str]) -> list[int]:
    start = threading.Barrier(len(event_ids))
    statuses: list[int] = []
    lock = threading.Lock()

    def deliver(event_id: str) -> None:
        try:
            start.wait(timeout=10)
            status = post_webhook(Client(), store, "orders/create", order_payload(), event_id=event_id).status_code
        finally:
            connections.close_all()
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=deliver, args=(event_id,)) for event_id in event_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


def test_the_same_event_delivered_by_eight_clients_at_once_is_processed_once(store):
    statuses = _deliver_at_once(store, ["evt-1"] * CLIENTS)

    assert statuses == [200] * CLIENTS
    assert InboundWebhook.objects.filter(processed_at__isnull=False).count() == InboundWebhook.objects.count() == 1
    assert Order.objects.count() == 1
    assert DomainEvent.objects.filter(kind="order.placed").count() == 1
    assert Message.objects.filter(kind="order_confirmation").count() == 1


def test_one_order_under_eight_events_at_once_is_one_order(store):
    statuses = _deliver_at_once(store, [f"evt-{n}" for n in range(CLIENTS)])

    assert statuses == [200] * CLIENTS
    assert InboundWebhook.objects.filter(processed_at__isnull=False).count() == CLIENTS
    assert Order.objects.count() == 1
    assert DomainEvent.objects.filter(kind="order.placed").count() == 1
    assert Message.objects.filter(kind="order_confirmation").count() == 1
